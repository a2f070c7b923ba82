from tests.rest import local_client, make_local_client  # noqa: F401  (fixtures)

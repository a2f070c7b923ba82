import pytest

from tests.rest import local_client, make_local_client  # noqa: F401  (fixtures)


@pytest.fixture
def other_database(database_url, request, tmp_path):
    """A second, empty database of the same kind: the server a backup is restored into (test_backups*.py)."""
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'other.sqlite3'}"
    return request.getfixturevalue("postgres").new_database()

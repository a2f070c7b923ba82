"""API-key authentication and admin-list authorization (AUTHENTICATION_* / AUTHORIZATION_*)."""

from __future__ import annotations

import pytest

from tests.rest import ID1, add_object, create_class, expect, message, stored_count

KEYS = {
    "AUTHENTICATION_APIKEY_ENABLED": "true",
    "AUTHENTICATION_APIKEY_ALLOWED_KEYS": "admin-key,reader-key,stranger-key",
    "AUTHENTICATION_APIKEY_USERS": "admin,reader,stranger",
}
ADMIN_LIST = {
    **KEYS,
    "AUTHORIZATION_ADMINLIST_ENABLED": "true",
    "AUTHORIZATION_ADMINLIST_USERS": "admin",
    "AUTHORIZATION_ADMINLIST_READONLY_USERS": "reader",
}
PROBES = ["/v1/.well-known/live", "/v1/.well-known/ready"]


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_anonymous_access_is_the_default(local_client):
    create_class(local_client, "Doc")
    add_object(local_client, "Doc", ID1)
    assert expect(local_client.get(f"/v1/objects/Doc/{ID1}"))["id"] == ID1


def test_with_keys_and_anonymous_access_off_every_request_needs_a_valid_key(make_local_client):
    client = make_local_client(**KEYS, AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED="false")
    response = client.get("/v1/meta")
    assert response.status_code == 401
    assert "anonymous access not enabled" in message(response)

    response = client.get("/v1/meta", headers=bearer("wrong-key"))
    assert response.status_code == 401
    assert message(response) == "unauthorized: invalid api key"

    response = client.get("/v1/meta", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert response.status_code == 401
    assert "Bearer" in message(response)

    assert client.post("/v1/schema", json={"class": "Doc"}).status_code == 401
    assert expect(client.get("/v1/schema", headers=bearer("admin-key"))) == {"classes": []}  # nothing was created

    for key in ("admin-key", "reader-key", "stranger-key"):  # without the admin list every valid key may do all
        assert client.get("/v1/meta", headers=bearer(key)).status_code == 200
    create_class_response = client.post("/v1/schema", json={"class": "Doc"}, headers=bearer("stranger-key"))
    assert create_class_response.status_code == 200


def test_a_wrong_key_is_refused_even_when_anonymous_access_is_on(make_local_client):
    client = make_local_client(**KEYS)
    assert client.get("/v1/meta").status_code == 200
    assert client.get("/v1/meta", headers=bearer("wrong-key")).status_code == 401
    assert client.get("/v1/meta", headers=bearer("reader-key")).status_code == 200


def test_one_user_name_may_serve_every_key(make_local_client):
    client = make_local_client(AUTHENTICATION_APIKEY_ENABLED="true", AUTHENTICATION_APIKEY_ALLOWED_KEYS="k1,k2",
                               AUTHENTICATION_APIKEY_USERS="ops", AUTHORIZATION_ADMINLIST_ENABLED="true",
                               AUTHORIZATION_ADMINLIST_USERS="ops", AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED="false")
    for key in ("k1", "k2"):
        assert client.post("/v1/schema", json={"class": f"Doc{key}"}, headers=bearer(key)).status_code == 200


def test_admin_list_separates_admins_readers_and_everybody_else(make_client):
    client = make_client(**ADMIN_LIST, AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED="false")
    admin, reader, stranger = bearer("admin-key"), bearer("reader-key"), bearer("stranger-key")
    assert client.post("/v1/schema", json={"class": "Doc"}, headers=admin).status_code == 200
    assert client.post("/v1/objects", json={"class": "Doc", "id": ID1, "properties": {"title": "t"}},
                       headers=admin).status_code == 200

    response = client.post("/v1/objects", json={"class": "Doc", "properties": {"title": "r"}}, headers=reader)
    assert response.status_code == 403
    assert message(response) == "forbidden: user 'reader' has insufficient permissions to POST /v1/objects"
    for method, path in [("PUT", f"/v1/objects/Doc/{ID1}"), ("PATCH", f"/v1/objects/Doc/{ID1}"),
                         ("DELETE", f"/v1/objects/Doc/{ID1}"), ("DELETE", "/v1/schema/Doc"),
                         ("POST", "/v1/batch/objects")]:
        body = {"class": "Doc", "id": ID1, "properties": {"title": "r"}, "objects": [{"class": "Doc"}]}
        assert client.request(method, path, json=body, headers=reader).status_code == 403, (method, path)

    assert expect(client.get(f"/v1/objects/Doc/{ID1}", headers=reader))["properties"] == {"title": "t"}
    assert client.head(f"/v1/objects/Doc/{ID1}", headers=reader).status_code == 204
    assert client.get("/v1/schema", headers=reader).status_code == 200

    response = client.get("/v1/meta", headers=stranger)
    assert response.status_code == 403
    assert "user 'stranger'" in message(response)

    assert stored_count(client) == 1
    assert expect(client.get(f"/v1/objects/Doc/{ID1}", headers=admin))["properties"] == {"title": "t"}


def test_anonymous_users_may_not_write_under_the_admin_list(make_local_client):
    client = make_local_client(**ADMIN_LIST)
    response = client.post("/v1/schema", json={"class": "Doc"})
    assert response.status_code == 403
    assert message(response) == "forbidden: anonymous user has insufficient permissions to POST /v1/schema"
    assert client.get("/v1/schema").status_code == 403
    assert expect(client.get("/v1/schema", headers=bearer("admin-key"))) == {"classes": []}
    assert stored_count(client) == 0


@pytest.mark.parametrize("path", PROBES)
def test_well_known_probes_need_no_credentials(make_local_client, path):
    client = make_local_client(**ADMIN_LIST, AUTHENTICATION_ANONYMOUS_ACCESS_ENABLED="false")
    assert client.get(path).status_code == 200
    assert client.get(path, headers=bearer("wrong-key")).status_code == 200
    assert client.get("/v1/.well-known/openid-configuration").status_code == 404
    assert client.get("/v1/meta").status_code == 401

"""`/v1/meta`, the well-known probes and the `/v1` links (spec 3.2, 2.8)."""

from __future__ import annotations

from starlette.testclient import TestClient

from tests.rest import expect
from weavebind.server.app import create_app


def test_meta_reports_a_version_the_v4_client_accepts(local_client):
    meta = expect(local_client.get("/v1/meta"))
    major, minor, *_ = (int(part) for part in meta["version"].split("."))
    assert (major, minor) >= (1, 27)
    assert meta["hostname"] == "http://[::]:8080"
    assert meta["modules"] == {}
    assert meta["grpcMaxMessageSize"] == 104858000


def test_meta_lists_the_enabled_modules_and_the_configured_version(make_local_client):
    client = make_local_client(ENABLE_MODULES="multi2vec-clip,multi2vec-bind", WEAVEBIND_WEAVIATE_VERSION="1.30.2")
    meta = expect(client.get("/v1/meta"))
    assert set(meta["modules"]) == {"multi2vec-clip", "multi2vec-bind"}
    assert meta["version"] == "1.30.2"


def test_meta_hostname_names_the_served_port(make_settings):
    with TestClient(create_app(make_settings(), port=9123)) as client:
        assert expect(client.get("/v1/meta"))["hostname"] == "http://[::]:9123"


def test_live_and_ready_answer_200_with_an_empty_body(local_client):
    for path in ("/v1/.well-known/live", "/v1/.well-known/ready"):
        response = local_client.get(path)
        assert response.status_code == 200, path
        assert response.content == b"", path


def test_ready_is_503_until_the_lifespan_has_opened_storage(make_settings):
    client = TestClient(create_app(make_settings()))  # not entered: the lifespan has not run
    assert client.get("/v1/.well-known/ready").status_code == 503
    assert client.get("/v1/.well-known/live").status_code == 200


def test_openid_configuration_is_404_so_clients_do_not_try_oidc(local_client):
    response = local_client.get("/v1/.well-known/openid-configuration")
    assert response.status_code == 404
    assert response.json()["error"][0]["message"]


def test_v1_lists_links(local_client):
    links = expect(local_client.get("/v1"))["links"]
    names = {link["name"]: link["href"] for link in links}
    assert names["meta"] == "/v1/meta"
    assert names["schema"] == "/v1/schema"
    assert names["objects"] == "/v1/objects"
    assert names["nodes"] == "/v1/nodes"


def test_meta_lists_the_backup_module_with_its_path(make_client, tmp_path):
    client = make_client(ENABLE_MODULES="backup-filesystem", BACKUP_FILESYSTEM_PATH=str(tmp_path / "b"))
    modules = client.get("/v1/meta").json()["modules"]
    assert modules == {"backup-filesystem": {"backupsPath": str(tmp_path / "b")}}

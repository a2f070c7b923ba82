"""The `config` of backup create and restore (Weaviate's BackupConfig / RestoreConfig): bounds and enums refused
with go-openapi's messages, the options that are honoured (CompressionLevel, the Path override of the filesystem
backend), and what settings backup-s3 needs."""

from __future__ import annotations

import gzip
import sqlite3

import pytest

from tests.rest import create_class, expect, message, text_props
from tests.server.test_backups import wait
from weavebind.server.settings import SettingsError, load_settings


@pytest.fixture
def fs_client(make_local_client, tmp_path):
    client = make_local_client(ENABLE_MODULES="backup-filesystem", BACKUP_FILESYSTEM_PATH=str(tmp_path / "b"))
    create_class(client, "Note", text_props("body"), vectorizer="none")
    expect(client.post("/v1/objects", json={"class": "Note", "properties": {"body": "hello " * 200}}))
    return client


@pytest.mark.parametrize(("config", "text"), [
    ({"CPUPercentage": 81}, "CPUPercentage in body should be less than or equal to 80"),
    ({"CPUPercentage": -1}, "CPUPercentage in body should be greater than or equal to 1"),
    ({"CPUPercentage": "50"}, "CPUPercentage in body must be of type integer"),
    ({"CPUPercentage": True}, "CPUPercentage in body must be of type integer"),
    ({"ChunkSize": 1}, "ChunkSize in body should be greater than or equal to 2"),
    ({"ChunkSize": 513}, "ChunkSize in body should be less than or equal to 512"),
    ({"ChunkSize": 2.5}, "ChunkSize in body must be of type integer"),
    ({"CompressionLevel": "Fastest"}, "CompressionLevel in body should be one of [DefaultCompression BestSpeed"),
    ({"Path": "relative/dir"}, "Path must be an absolute directory"),
    ({"Path": 7}, "Path in body must be of type string"),
    ("fast", "config in body must be of type object"),
])
def test_bad_create_config_is_a_422(fs_client, config, text):
    response = fs_client.post("/v1/backups/filesystem", json={"id": "x", "config": config})
    assert response.status_code == 422 and text in message(response), response.text
    assert fs_client.get("/v1/backups/filesystem").json() == []  # nothing was started


@pytest.mark.parametrize(("body", "text"), [
    ({"config": {"CPUPercentage": 90}}, "CPUPercentage in body should be less than or equal to 80"),
    ({"overwriteAlias": "yes"}, "overwriteAlias in body must be of type boolean"),
    ({"config": {"path": "../up"}}, "Path must be an absolute directory"),
    (["Note"], "the body must be a JSON object"),
])
def test_bad_restore_config_is_a_422(fs_client, body, text):
    expect(fs_client.post("/v1/backups/filesystem", json={"id": "kept"}))
    wait(fs_client, "/v1/backups/filesystem/kept")
    expect(fs_client.delete("/v1/schema/Note"), 200)
    response = fs_client.post("/v1/backups/filesystem/kept/restore", json=body)
    assert response.status_code == 422 and text in message(response), response.text


def test_compression_levels_and_accepted_options(fs_client, tmp_path):
    sizes = {}
    for level in ("NoCompression", "BestSpeed", "BestCompression", "ZstdDefaultCompression"):
        backup_id = level.lower()
        expect(fs_client.post("/v1/backups/filesystem", json={"id": backup_id, "config": {
            "CompressionLevel": level, "CPUPercentage": 80, "ChunkSize": 2, "Endpoint": "ignored", "Bucket": "x"}}))
        assert wait(fs_client, f"/v1/backups/filesystem/{backup_id}")["status"] == "SUCCESS"
        files = sorted(p.name for p in (tmp_path / "b" / backup_id).iterdir())
        sizes[level] = (tmp_path / "b" / backup_id / files[-1]).stat().st_size
        assert files == ["backup_config.json", "data.sqlite3" if level == "NoCompression" else "data.sqlite3.gz"]
    assert sizes["BestCompression"] < sizes["NoCompression"] / 4  # the repeated text compresses well
    with gzip.open(tmp_path / "b" / "bestspeed" / "data.sqlite3.gz") as packed:
        assert packed.read(16) == b"SQLite format 3\x00"
    plain = sqlite3.connect(tmp_path / "b" / "nocompression" / "data.sqlite3")
    assert plain.execute("SELECT count(*) FROM wb_objects").fetchone() == (1,)
    plain.close()


def test_the_path_override_of_the_filesystem_backend(fs_client, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    body = expect(fs_client.post("/v1/backups/filesystem", json={"id": "moved", "config": {"path": str(elsewhere)}}))
    assert body["path"] == str(elsewhere / "moved")
    assert wait(fs_client, f"/v1/backups/filesystem/moved?path={elsewhere}")["status"] == "SUCCESS"
    assert (elsewhere / "moved" / "backup_config.json").is_file() and not (tmp_path / "b" / "moved").exists()
    assert fs_client.get("/v1/backups/filesystem/moved").status_code == 404
    expect(fs_client.delete("/v1/schema/Note"), 200)
    expect(fs_client.post("/v1/backups/filesystem/moved/restore", json={"config": {"Path": str(elsewhere)}}))
    assert wait(fs_client, "/v1/backups/filesystem/moved/restore")["status"] == "SUCCESS"
    assert expect(fs_client.get("/v1/schema/Note"))["class"] == "Note"


def test_backup_s3_needs_its_bucket():
    with pytest.raises(SettingsError, match="BACKUP_S3_BUCKET"):
        load_settings({"ENABLE_MODULES": "backup-s3"})
    settings = load_settings({"ENABLE_MODULES": "backup-s3,backup-filesystem", "BACKUP_S3_BUCKET": "b",
                              "BACKUP_FILESYSTEM_PATH": "/b", "BACKUP_S3_USE_SSL": "false"})
    assert settings.backup_modules == ("backup-s3", "backup-filesystem") and settings.enable_modules == ()
    assert settings.backup_s3_endpoint == "s3.amazonaws.com" and settings.backup_s3_use_ssl is False


def test_folders_that_are_no_backups_are_left_out(fs_client, tmp_path):
    (tmp_path / "b" / "stray").mkdir(parents=True)
    (tmp_path / "b" / "damaged").mkdir()
    (tmp_path / "b" / "damaged" / "backup_config.json").write_text("{not json")
    (tmp_path / "b" / "forged").mkdir()
    (tmp_path / "b" / "forged" / "backup_config.json").write_text(
        '{"id": "forged", "backend": "filesystem", "path": "/", "classes": ["Note"], "status": "SUCCESS", '
        '"startedAt": "2026-01-01T00:00:00Z", "dataFile": "../../etc/passwd"}')
    expect(fs_client.post("/v1/backups/filesystem", json={"id": "real"}))
    wait(fs_client, "/v1/backups/filesystem/real")
    assert [b["id"] for b in expect(fs_client.get("/v1/backups/filesystem"))] == ["real"]
    response = fs_client.get("/v1/backups/filesystem/damaged")
    assert response.status_code == 422 and "unreadable backup_config.json" in message(response)
    assert fs_client.get("/v1/backups/filesystem/stray").status_code == 404
    response = fs_client.post("/v1/backups/filesystem/forged/restore", json={})  # its data file is no path of ours
    assert response.status_code == 422 and "unreadable backup_config.json" in message(response)
    response = fs_client.post("/v1/backups/filesystem", json={"id": "damaged"})
    assert response.status_code == 422 and "unreadable" in message(response)

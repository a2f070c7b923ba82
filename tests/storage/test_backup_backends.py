"""The contract of a backup backend, one test run against both: backup-filesystem (a directory) and backup-s3 (a real
local S3-compatible server, moto's, over HTTP). Files and bytes round-trip under a backup id, a missing key is None,
Location overrides move everything, and an unreachable place is a BackendError with the reason."""

from __future__ import annotations

import os

import pytest

from tests.s3 import CREDENTIALS, local_s3
from weavebind.storage.backup_backends import BackendError, FilesystemBackend, Location
from weavebind.storage.backup_s3 import S3Backend, S3Options


@pytest.fixture(scope="module")
def s3():
    with local_s3() as server:
        yield server


def s3_backend(endpoint: str, bucket: str, path: str = "") -> S3Backend:
    return S3Backend(S3Options(bucket=bucket, path=path, endpoint=endpoint, use_ssl=False, region="us-east-1",
                               access_key=CREDENTIALS["AWS_ACCESS_KEY_ID"],
                               secret_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"]))


@pytest.fixture(params=["filesystem", "s3"])
def backend(request, tmp_path):
    if request.param == "filesystem":
        return FilesystemBackend(str(tmp_path / "backups")), Location(path=str(tmp_path / "elsewhere"))
    s3 = request.getfixturevalue("s3")
    return s3_backend(s3.endpoint, s3.new_bucket(), "root"), Location(bucket=s3.new_bucket(), path="other/place")


def test_files_and_bytes_round_trip_under_a_backup_id(backend, tmp_path):
    store, _ = backend
    source = tmp_path / "source.bin"
    source.write_bytes(os.urandom(6 * 1024 * 1024 + 17))  # more than one 5 MB part
    expected = source.read_bytes()
    here = Location()
    store.check_writable("one", here)
    store.put_file("one", "data.bin", source, here, 5 * 1024 * 1024)
    store.put_bytes("one", "status.json", b'{"ok": true}', here)
    store.put_bytes("two", "status.json", b"{}", here)
    (tmp_path / "back.bin").unlink(missing_ok=True)
    store.get_file("one", "data.bin", tmp_path / "back.bin", here)
    assert (tmp_path / "back.bin").read_bytes() == expected
    assert store.get_bytes("one", "status.json", here) == b'{"ok": true}'
    assert store.get_bytes("one", "missing.json", here) is None
    assert store.get_bytes("three", "status.json", here) is None
    assert store.backup_ids(here) == ["one", "two"]
    store.delete("two", "status.json", here)
    assert store.get_bytes("two", "status.json", here) is None
    store.delete("two", "status.json", here)  # deleting what is gone is no error


def test_a_location_override_moves_everything(backend, tmp_path):
    store, elsewhere = backend
    store.check_writable("moved", elsewhere)
    store.put_bytes("moved", "status.json", b"x", elsewhere)
    assert store.backup_ids(elsewhere) == ["moved"] and store.backup_ids(Location()) == []
    assert store.get_bytes("moved", "status.json", Location()) is None
    assert store.get_bytes("moved", "status.json", elsewhere) == b"x"
    home = store.home("moved", elsewhere)
    assert home.endswith("/moved") and (elsewhere.path in home)


def test_the_s3_homes_and_meta(s3):
    store = s3_backend(s3.endpoint, "bucket-a", "team/backups")
    assert store.home("b1", Location()) == "s3://bucket-a/team/backups/b1"
    assert store.home("b1", Location(bucket="bucket-b")) == "s3://bucket-b/team/backups/b1"
    assert store.home("b1", Location(path="x")) == "s3://bucket-a/x/b1"
    assert s3_backend(s3.endpoint, "bucket-a").home("b1", Location()) == "s3://bucket-a/b1"
    assert store.meta() == {"endpoint": s3.endpoint, "bucketName": "bucket-a", "rootName": "team/backups",
                            "useSSL": False}


@pytest.mark.parametrize("case", ["missing bucket", "unreachable endpoint", "unwritable directory"])
def test_an_unusable_place_is_a_backend_error_with_the_reason(case, s3, tmp_path):
    if case == "missing bucket":
        store, reason = s3_backend(s3.endpoint, "no-such-bucket"), "NoSuchBucket"
    elif case == "unreachable endpoint":
        store, reason = s3_backend("127.0.0.1:9", "bucket"), "Could not connect"
    else:
        (tmp_path / "file").write_text("not a directory")
        store, reason = FilesystemBackend(str(tmp_path / "file")), "Not a directory"
    for call in (lambda: store.check_writable("x", Location()), lambda: store.backup_ids(Location()),
                 lambda: store.put_bytes("x", "status.json", b"{}", Location())):
        with pytest.raises(BackendError, match=reason):
            call()

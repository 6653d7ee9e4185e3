"""The BlobStore contract, held by the local-filesystem and the S3 (SeaweedFS) backends."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from hearthwatch.storage.blobs import BlobNotFound, BlobStore, FileBlobStore
from hearthwatch.storage.s3 import S3BlobStore


@pytest.fixture(params=["fs", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "fs":
        return FileBlobStore(tmp_path / "blobs")
    endpoint = request.getfixturevalue("s3_endpoint")
    # One bucket (a SeaweedFS collection) for the run; each test gets its own prefix.
    s3 = S3BlobStore(
        endpoint_url=endpoint,
        bucket="hearthwatch-tests",
        access_key="test",
        secret_key="test",
        prefix=f"t-{secrets.token_hex(4)}",
    )
    s3.ensure_bucket()
    return s3


def test_put_get_range_size(store: BlobStore) -> None:
    data = bytes(range(256)) * 1000
    store.put("acct/cam/seg/1-a.mp4", data)
    assert store.get("acct/cam/seg/1-a.mp4") == data
    assert store.get_range("acct/cam/seg/1-a.mp4", 1000, 1010) == data[1000:1010]
    assert store.size("acct/cam/seg/1-a.mp4") == len(data)


def test_overwrite_is_whole(store: BlobStore) -> None:
    store.put("k/1", b"first version, long")
    store.put("k/1", b"second")
    assert store.get("k/1") == b"second"


def test_missing_objects(store: BlobStore) -> None:
    with pytest.raises(BlobNotFound):
        store.get("nope/x")
    with pytest.raises(BlobNotFound):
        store.size("nope/x")
    store.delete_many(["nope/x"])  # deleting what is not there is fine


def test_keys_prefix_and_deletion(store: BlobStore) -> None:
    for name in ("a/1", "a/2", "a/b/3", "c/4"):
        store.put(name, b"x")
    assert sorted(store.keys("a/")) == ["a/1", "a/2", "a/b/3"]
    store.delete_many(["a/1"])
    store.delete_prefix("a/")
    assert sorted(store.keys()) == ["c/4"]
    assert store.used_bytes() == 1


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../../b", "", "x\ny"])
def test_keys_cannot_escape(store: BlobStore, key: str) -> None:
    with pytest.raises(ValueError):
        store.put(key, b"x")


def test_p19_item9_deleting_the_last_objects_leaves_no_empty_folder(tmp_path: Path) -> None:
    """A camera's last segment deleted on its own (the index refused it: the camera was
    removed meanwhile) takes its now empty folders with it, and nothing else."""
    store = FileBlobStore(tmp_path / "blobs")
    store.put("owner/cam/seg/1.mp4", b"a")
    store.put("owner/other/seg/1.mp4", b"b")
    store.delete_many(["owner/cam/seg/1.mp4"])
    assert not (tmp_path / "blobs" / "owner" / "cam").exists()
    assert store.get("owner/other/seg/1.mp4") == b"b"
    store.delete_many(["owner/other/seg/1.mp4", "owner/missing/seg/2.mp4"])
    assert list((tmp_path / "blobs").iterdir()) == []
    store.put("owner/cam/seg/2.mp4", b"c")  # the folders come back when needed
    assert store.get("owner/cam/seg/2.mp4") == b"c"

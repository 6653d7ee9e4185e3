"""Choose the blob backend from the settings."""

from __future__ import annotations

from hearthwatch.settings import Settings
from hearthwatch.storage.blobs import BlobStore, FileBlobStore


def make_blob_store(settings: Settings) -> BlobStore:
    if settings.blob_backend == "s3":
        from hearthwatch.storage.s3 import S3BlobStore

        store = S3BlobStore(
            endpoint_url=settings.s3_endpoint_url,
            bucket=settings.s3_bucket,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            region=settings.s3_region,
            prefix=settings.s3_prefix,
        )
        store.ensure_bucket()
        return store
    return FileBlobStore(settings.data_dir / "blobs")

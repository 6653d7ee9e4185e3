"""Blob storage for segments, snapshots and exports: local files or S3, behind one interface."""

from __future__ import annotations

from hearthwatch.storage.blobs import BlobNotFound, BlobStore, FileBlobStore
from hearthwatch.storage.factory import make_blob_store

__all__ = ["BlobNotFound", "BlobStore", "FileBlobStore", "make_blob_store"]

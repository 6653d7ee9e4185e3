"""The `BlobStore` interface and its local-filesystem backend (the embedded default).

Keys are relative paths of safe characters (``a-z0-9/._-``); a key can never escape the
store's root. Writes are atomic (temporary file, then rename) so a crash never leaves a
half-written object under a real key.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,511}$")


class BlobNotFound(KeyError):
    """No object is stored under that key."""


def check_key(key: str) -> str:
    if not KEY_PATTERN.match(key) or ".." in key.split("/") or "//" in key:
        raise ValueError(f"invalid blob key: {key!r}")
    return key


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def get(self, key: str) -> bytes: ...

    def get_range(self, key: str, start: int, end: int) -> bytes:
        """Bytes [start, end) of the object."""
        ...

    def size(self, key: str) -> int: ...

    def delete_many(self, keys: Iterable[str]) -> None:
        """Delete the objects; keys that do not exist are ignored."""
        ...

    def delete_prefix(self, prefix: str) -> None:
        """Delete every object whose key starts with `prefix`."""
        ...

    def keys(self, prefix: str = "") -> Iterator[str]: ...

    def used_bytes(self) -> int: ...


class FileBlobStore:
    """Objects as files under a root directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        for attempt in range(3):  # a deletion may prune the folder just made: make it again
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
                break
            except FileNotFoundError:
                if attempt == 2:
                    raise
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as err:
            raise BlobNotFound(key) from err

    def get_range(self, key: str, start: int, end: int) -> bytes:
        try:
            with self._path(key).open("rb") as handle:
                handle.seek(start)
                return handle.read(max(0, end - start))
        except FileNotFoundError as err:
            raise BlobNotFound(key) from err

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as err:
            raise BlobNotFound(key) from err

    def delete_many(self, keys: Iterable[str]) -> None:
        """Delete the objects, then every folder they leave empty (an erased camera's folder
        must not outlive its last object)."""
        folders: set[Path] = set()
        for key in keys:
            path = self._path(key)
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            folders.add(path.parent)
        for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
            self._prune(folder)

    def _prune(self, folder: Path) -> None:
        while folder != self.root and self.root in folder.parents:
            try:
                folder.rmdir()
            except OSError:  # not empty (or already gone with a deeper one): stop here
                return
            folder = folder.parent

    def delete_prefix(self, prefix: str) -> None:
        """Remove a whole folder of objects at once (fast physical deletion)."""
        shutil.rmtree(self._path(prefix.rstrip("/")), ignore_errors=True)

    def keys(self, prefix: str = "") -> Iterator[str]:
        base = self.root / prefix if prefix else self.root
        if not base.exists():
            return
        for directory, _dirs, files in os.walk(base):
            for name in files:
                if not name.startswith(".tmp-"):
                    yield str(Path(directory, name).relative_to(self.root))

    def used_bytes(self) -> int:
        return sum(self.size(key) for key in self.keys())

    def free_fraction(self) -> float:
        usage = shutil.disk_usage(self.root)
        return usage.free / usage.total

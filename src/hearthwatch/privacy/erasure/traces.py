"""Where an erased person could still be found in files, for `erasure_verify`.

Two searches over every file of the places given (data directory, database files, backups):

- `find_traces`: the bytes of each trace (e-mail, nickname...), any case, in every file.
  SQLite's `-wal` and `-journal` files, free pages, logs and mails are all plain bytes to it.
- `find_keys`: every keyring there is, opened as the service would open it: SQLite files
  with a ``data_keys`` table (a copy of ``keyring.db``), and sealed keyring copies, which
  must no longer open or hold no key of the subject.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from hearthwatch.errors import Conflict, ValidationFailed
from hearthwatch.security.keyring_copies import FORMAT as COPY_FORMAT

if TYPE_CHECKING:
    from hearthwatch.security.datakeys import DataKeys

CHUNK = 1 << 20
SQLITE_HEADER = b"SQLite format 3\0"
SIDE_FILES = ("-wal", "-journal", "-shm")


@dataclass
class KeyFindings:
    readable: list[str] = field(default_factory=list)
    unopened_copies: int = 0


def files_under(places: Iterable[Path]) -> Iterator[Path]:
    """Each file once, in every folder given (recursively) and every file given."""
    seen: set[Path] = set()
    for place in places:
        found = sorted(place.rglob("*")) if place.is_dir() else [place]
        for path in found:
            resolved = path.resolve()
            if path.is_file() and resolved not in seen:
                seen.add(resolved)
                yield path


def find_traces(paths: Iterable[Path], traces: list[str]) -> list[tuple[int, Path]]:
    """(trace number, file) for each trace found in a file, in any letter case."""
    needles = [t.strip().lower().encode() for t in traces if t.strip()]
    found = []
    for path in paths:
        for number in _traces_in(path, needles):
            found.append((number, path))
    return found


def _traces_in(path: Path, needles: list[bytes]) -> list[int]:
    longest = max((len(n) for n in needles), default=0)
    hits: set[int] = set()
    tail = b""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                window = (tail + chunk).lower()
                hits.update(i for i, n in enumerate(needles, 1) if n in window)
                tail = window[-longest:] if longest else b""
    except OSError:
        return []
    return sorted(hits)


def sqlite_side_files(url: str) -> list[Path]:
    """A SQLite database's file and its journals; nothing for another backend."""
    prefix = "sqlite:///"
    if not url.startswith(prefix):
        return []
    main = Path(url[len(prefix) :])
    return [main, *(main.with_name(main.name + s) for s in SIDE_FILES)]


def find_keys(paths: Iterable[Path], keys: DataKeys, scope_like: str) -> KeyFindings:
    """Keys matching `scope_like` (SQL LIKE) that were destroyed since they were made,
    still held by a keyring file or copy. A key made after a destruction (a camera that
    records anew after its recordings were erased) is not a finding."""
    findings = KeyFindings()
    for path in paths:
        head = _head(path)
        if head.startswith(SQLITE_HEADER):
            count = _keys_in_database(path, keys, scope_like)
            if count:
                findings.readable.append(f"keyring {path}: {count} erased key(s) still there")
        elif head.startswith(b"{") and path.suffix == ".sealed":
            _check_copy(path, keys, scope_like, findings)
    return findings


def _erased(keys: DataKeys, rows: Iterable[tuple[str, str, str]]) -> int:
    """How many of (scope, account, made at) were destroyed since they were made."""
    count = 0
    for scope, account_id, made_at in rows:
        moment = datetime.fromisoformat(made_at)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
        count += keys.destroyed_since(scope, account_id, moment)
    return count


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(64)
    except OSError:
        return b""


def _keys_in_database(path: Path, keys: DataKeys, scope_like: str) -> int:
    """Erased keys in the keyring as it stands, as its file stands without the `-wal`
    file, and as it stood at each commit the `-wal` file still holds: all states that a
    copy of the two files can be rolled back to."""
    with tempfile.TemporaryDirectory() as scratch:
        target = Path(scratch) / "copy.db"
        shutil.copyfile(path, target)
        for suffix in SIDE_FILES[:2]:
            side = path.with_name(path.name + suffix)
            if side.exists():
                shutil.copyfile(side, target.with_name(target.name + suffix))
        now = _key_rows(target, scope_like)
        if now is None:
            return 0  # not a keyring
        states = [path.read_bytes(), *wal_commits(path)]
        earlier = [_key_rows(_image(scratch, i, s), scope_like) for i, s in enumerate(states)]
    held = {row for rows in (now, *earlier) for row in rows or []}
    return _erased(keys, held)


def _image(scratch: str, number: int, state: bytes) -> Path:
    target = Path(scratch) / f"commit-{number}.db"
    target.write_bytes(state)
    return target


def _key_rows(database: Path, scope_like: str) -> list[tuple[str, str, str]] | None:
    """Opened on a copy, so the original is never touched or locked; None: no keyring."""
    connection = sqlite3.connect(database)
    try:
        rows = connection.execute(
            "SELECT scope, account_id, created_at FROM data_keys WHERE scope LIKE ?",
            (scope_like,),
        ).fetchall()
    except sqlite3.DatabaseError:
        return None
    finally:
        connection.close()
    return [(str(s), str(a), str(c)) for s, a, c in rows]


def wal_commits(database: Path) -> Iterator[bytes]:
    """The database file as it stood at each commit that its `-wal` file still holds.

    The write-ahead format: a 32-byte header (page size at 8, salts at 16), then frames of
    a 24-byte header (page number, database size in pages after a commit, else 0, the
    salts) and one page. Frames whose salts differ are left over from before a reset.
    """
    wal = database.with_name(database.name + "-wal")
    data = wal.read_bytes() if wal.exists() else b""
    if len(data) < 32:
        return
    image = bytearray(database.read_bytes())
    page_size, salts = struct.unpack(">I", data[8:12])[0], data[16:24]
    offset = 32
    while page_size and offset + 24 + page_size <= len(data):
        page_number, pages_after = struct.unpack(">II", data[offset : offset + 8])
        if data[offset + 8 : offset + 16] != salts:
            return
        start = (page_number - 1) * page_size
        if len(image) < start + page_size:
            image.extend(bytes(start + page_size - len(image)))
        image[start : start + page_size] = data[offset + 24 : offset + 24 + page_size]
        if pages_after:
            yield bytes(image[: pages_after * page_size])
        offset += 24 + page_size


def _check_copy(path: Path, keys: DataKeys, scope_like: str, findings: KeyFindings) -> None:
    try:
        if json.loads(path.read_text()).get("format") != COPY_FORMAT:
            return
    except (OSError, ValueError, AttributeError):
        return
    if keys.copies is None:
        findings.unopened_copies += 1
        return
    try:
        rows = keys.copies.read(path)
    except (Conflict, ValidationFailed):
        findings.unopened_copies += 1  # made before a destruction: its copy key is gone
        return
    prefix, _, suffix = scope_like.partition("%")
    held = [
        (k["scope"], k["account_id"], k["created_at"])
        for k in rows.get("keys", [])
        if _like(k["scope"], prefix, suffix)
    ]
    erased = _erased(keys, held)
    if erased:
        findings.readable.append(f"keyring copy {path}: {erased} erased key(s) still open")


def _like(scope: str, prefix: str, suffix: str) -> bool:
    return scope.startswith(prefix) and scope.endswith(suffix)

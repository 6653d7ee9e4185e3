"""Chunked AES-256-GCM for stored media, seekable, bound to (account, device, object id).

Layout of a sealed object::

    header  = b"HWS1" | chunk_size u32 | nonce_prefix 8 bytes | plaintext_size u64   (24 bytes)
    chunk i = AES-GCM(key, nonce_prefix | i u32, plaintext[i*chunk_size : (i+1)*chunk_size])

Every chunk's associated data is the header, the binding ``account/device/object`` and the
chunk index with a final-chunk flag, so a chunk cannot be moved, reordered, truncated or
copied under another object's id without failing to decrypt. Reading a byte range decrypts
only the chunks it touches, which is what lets playback seek in encrypted recordings.
"""

from __future__ import annotations

import secrets
import struct
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"HWS1"
HEADER = struct.Struct("!4sI8sQ")
TAG = 16
DEFAULT_CHUNK = 256 * 1024

Reader = Callable[[int, int], bytes]  # (start, end) -> those bytes of the sealed object


class SealError(Exception):
    """The object is damaged, was moved, or the key is wrong or destroyed."""


@dataclass(frozen=True)
class Binding:
    account_id: str
    device_id: str
    object_id: str

    def encode(self) -> bytes:
        return f"{self.account_id}/{self.device_id}/{self.object_id}".encode()


@dataclass(frozen=True)
class SealedHeader:
    chunk_size: int
    nonce_prefix: bytes
    size: int
    raw: bytes

    @property
    def chunks(self) -> int:
        return max(1, -(-self.size // self.chunk_size))

    def sealed_size(self) -> int:
        return HEADER.size + self.size + self.chunks * TAG


def seal(
    key: bytes, binding: Binding, plaintext: bytes, *, chunk_size: int = DEFAULT_CHUNK
) -> bytes:
    """Encrypt `plaintext` for storage under `binding`."""
    header = HEADER.pack(MAGIC, chunk_size, secrets.token_bytes(8), len(plaintext))
    parsed = parse_header(header)
    aead = AESGCM(key)
    source, parts = memoryview(plaintext), [header]  # chunks are views: no copy of each
    for index in range(parsed.chunks):
        chunk = source[index * chunk_size : (index + 1) * chunk_size]
        parts.append(aead.encrypt(_nonce(parsed, index), chunk, _aad(parsed, binding, index)))
    return b"".join(parts)


def parse_header(data: bytes) -> SealedHeader:
    if len(data) < HEADER.size:
        raise SealError("object is shorter than its header")
    magic, chunk_size, prefix, size = HEADER.unpack_from(data)
    if magic != MAGIC or chunk_size <= 0:
        raise SealError("not a sealed object")
    return SealedHeader(chunk_size, prefix, size, data[: HEADER.size])


def open_sealed(key: bytes, binding: Binding, sealed: bytes) -> bytes:
    """Decrypt a whole object."""
    header = parse_header(sealed)
    return open_range(key, binding, header, lambda a, b: sealed[a:b], 0, header.size)


def chunk_span(header: SealedHeader, start: int, end: int) -> tuple[int, int, int, int]:
    """(first chunk, last chunk, sealed byte start, sealed byte end) covering [start, end)."""
    first, last = start // header.chunk_size, max(start, end - 1) // header.chunk_size
    stride = header.chunk_size + TAG
    return first, last, HEADER.size + first * stride, HEADER.size + (last + 1) * stride


def open_range(
    key: bytes, binding: Binding, header: SealedHeader, read: Reader, start: int, end: int
) -> bytes:
    """Plaintext bytes [start, end), reading only the sealed chunks that hold them."""
    end = min(end, header.size)
    if start >= end:
        return b""
    first, last, sealed_start, sealed_end = chunk_span(header, start, end)
    blob = read(sealed_start, min(sealed_end, header.sealed_size()))
    aead, stride, out = AESGCM(key), header.chunk_size + TAG, []
    for index in range(first, last + 1):
        piece = blob[(index - first) * stride : (index - first + 1) * stride]
        try:
            out.append(aead.decrypt(_nonce(header, index), piece, _aad(header, binding, index)))
        except InvalidTag as err:
            raise SealError("chunk failed authentication") from err
    plain = b"".join(out)
    offset = first * header.chunk_size
    return plain[start - offset : end - offset]


def _nonce(header: SealedHeader, index: int) -> bytes:
    return header.nonce_prefix + struct.pack("!I", index)


def _aad(header: SealedHeader, binding: Binding, index: int) -> bytes:
    final = 1 if index == header.chunks - 1 else 0
    return header.raw + binding.encode() + struct.pack("!IB", index, final)

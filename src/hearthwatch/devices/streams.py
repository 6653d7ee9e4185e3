"""Camera addresses: the one check every stored address passes, and one stream, one account.

Every path that stores a camera address (binding by address in the API and the web page,
binding by code or QR from the maker's registry, importing an archive, the demo) calls
`checked_address`: a valid rtsp:// or rtsps:// URL (protocols/rtsp_url.py) that the
outbound policy allows (security/outbound.py). The recorder checks it again, resolved, when
it connects.

A stream (host, port, path) is held by one account at most: binding another account's
camera by its address would hand over its video. The stream's identity is a keyed hash (the
addresses themselves are sealed per account), claimed in `camera_streams` under a primary
key, so two accounts racing for one stream cannot both win. The same account may use a
stream in several cameras; a claim whose account no longer has any camera on the stream is
free to take.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from typing import Any, cast
from urllib.parse import unquote

from sqlalchemy import CursorResult, delete, exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera, StreamClaim
from hearthwatch.errors import Conflict
from hearthwatch.protocols.rtsp_url import StreamAddress, parse_stream_url
from hearthwatch.security.outbound import camera_policy

STREAM_PURPOSE = "camera-stream-identity"
TAKEN_MESSAGE = (
    "This camera is bound to another account. Its owner can unbind it, or you can ask for "
    "an ownership review."
)


def checked_address(ctx: AppContext, url: str) -> tuple[StreamAddress, str | None, str | None]:
    """(address, user, password) of a camera URL the policy allows, or a stable refusal."""
    address, username, password = parse_stream_url(url)
    camera_policy(ctx.settings).resolve(address)
    return address, username, password


def checked_url(ctx: AppContext, url: str) -> str:
    """The URL, without credentials, once it passed `checked_address`."""
    return checked_address(ctx, url)[0].url


def stream_key(ctx: AppContext, address: StreamAddress) -> str:
    """The stream's identity: where it is, however the address spells it. A name counts as
    the address it resolves to now, an address in its canonical form, and rtsp and rtsps to
    the same place are the same camera."""
    found = camera_policy(ctx.settings).resolve(address)
    return stream_key_at(ctx, address, found[0] if found else address.host)


def stream_key_at(ctx: AppContext, address: StreamAddress, host: str) -> str:
    """The identity of `address`'s stream at `host` (an address it resolved to, or its name)."""
    key = ctx.keyring.derive(STREAM_PURPOSE)
    target = f"{_canonical(host)}\n{address.port}\n{canonical_path(address.path)}".encode()
    return hmac.new(key, target, hashlib.sha256).hexdigest()


def canonical_path(path: str) -> str:
    """A stream's path as a camera is likely to read it: escapes decoded, `.`, `..` and
    empty segments resolved, letter case and the query ignored. Cameras serve `/Main/`,
    `/main`, `/./%6Dain` and `/main?x=1` alike, so each spelling must be the same stream;
    two streams told apart only by case or query are then one, which refuses more, never
    less."""
    segments: list[str] = []
    for segment in unquote(path.partition("?")[0]).casefold().split("/"):
        if segment == "..":
            segments = segments[:-1]
        elif segment not in ("", "."):
            segments.append(segment)
    return "/" + "/".join(segments)


def check_stream_holder(ctx: AppContext, *, owner_id: str, key: str) -> None:
    """Refuse to connect an account's camera to a stream another account holds: a name can
    resolve, when connecting, to another account's camera it did not point at when bound."""
    with ctx.db.session() as db:
        holder = db.scalar(select(StreamClaim.owner_id).where(StreamClaim.stream_key == key))
    if holder is not None and holder != owner_id:
        raise Conflict(TAKEN_MESSAGE, code="camera.bound_elsewhere")


def _canonical(text: str) -> str:
    try:
        address = ipaddress.ip_address(text.partition("%")[0])
    except ValueError:
        return text  # a name that did not resolve counts as itself
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def claim_stream(ctx: AppContext, session: Session, *, owner_id: str, key: str) -> None:
    """Hold the stream for `owner_id`, or refuse: another account holds it."""
    row = {"stream_key": key, "owner_id": owner_id, "claimed_at": ctx.clock.now()}
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(StreamClaim).values(row).on_conflict_do_nothing())
    holder = session.scalar(select(StreamClaim.owner_id).where(StreamClaim.stream_key == key))
    if holder == owner_id:
        return
    in_use = _uses(str(holder), key)
    taken = update(StreamClaim).where(
        StreamClaim.stream_key == key, StreamClaim.owner_id == holder, ~in_use
    )
    moved = session.execute(taken.values(owner_id=owner_id, claimed_at=row["claimed_at"]))
    if cast(CursorResult[Any], moved).rowcount:
        return  # the last camera on it was removed by its former holder
    raise Conflict(TAKEN_MESSAGE, code="camera.bound_elsewhere")


def assign_stream(ctx: AppContext, session: Session, camera: Camera, url: str) -> None:
    """Give `camera` the identity of its main stream `url` and of its sub-stream (one
    camera, both its streams), each claimed for its owner."""
    camera.stream_key = claimed_stream(ctx, session, camera.owner_id, url)
    if camera.sub_rtsp_url:
        camera.sub_stream_key = claimed_stream(ctx, session, camera.owner_id, camera.sub_rtsp_url)


def claimed_stream(ctx: AppContext, session: Session, owner_id: str, url: str) -> str:
    """The identity of the stream at `url`, claimed for `owner_id` (or refused)."""
    address, _, _ = parse_stream_url(url)
    key = stream_key(ctx, address)
    claim_stream(ctx, session, owner_id=owner_id, key=key)
    return key


def _uses(owner_id: str, key: str) -> Any:
    """Whether any camera of `owner_id` has `key` as its main or sub-stream."""
    return exists().where(
        Camera.owner_id == owner_id, or_(Camera.stream_key == key, Camera.sub_stream_key == key)
    )


def release_stream(session: Session, *, owner_id: str, key: str | None) -> None:
    """Free the stream once none of the owner's cameras uses it any more."""
    if key is None:
        return
    session.execute(
        delete(StreamClaim).where(
            StreamClaim.stream_key == key, StreamClaim.owner_id == owner_id, ~_uses(owner_id, key)
        )
    )

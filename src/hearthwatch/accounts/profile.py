"""The optional profile: nickname, real name and picture (P1), editable at any time (P18)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from hearthwatch.accounts.models import ProfilePicture, User
from hearthwatch.context import AppContext
from hearthwatch.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from PIL.Image import Image as Picture

MAX_PICTURE_BYTES = 5 * 1024 * 1024
PICTURE_SIDE = 512
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def update_profile(ctx: AppContext, *, user: User, changes: dict[str, str | None]) -> User:
    """Apply the given fields; an empty string clears an optional field."""
    for field in ("nickname", "real_name"):
        if field in changes:
            value = (changes[field] or "").strip()
            setattr(user, field, value or None)
    user.updated_at = ctx.clock.now()
    return user


def set_picture(ctx: AppContext, session: Session, *, user: User, data: bytes) -> ProfilePicture:
    """Store the picture re-encoded as a square-bounded PNG: metadata (EXIF, GPS) is dropped."""
    if len(data) > MAX_PICTURE_BYTES:
        raise ValidationFailed("The picture is larger than 5 MB.", code="profile.picture_too_large")
    from PIL import Image  # on first use: Pillow is some 10 ms of every start-up

    image = _open_image(data)
    image.thumbnail((PICTURE_SIDE, PICTURE_SIDE))
    clean = Image.new("RGBA", image.size)
    clean.paste(image.convert("RGBA"))
    out = io.BytesIO()
    clean.save(out, format="PNG", optimize=True)
    now = ctx.clock.now()
    picture = session.get(ProfilePicture, user.id)
    if picture is None:
        picture = ProfilePicture(
            user_id=user.id, content_type="image/png", data=b"", updated_at=now
        )
        session.add(picture)
    picture.data = out.getvalue()
    picture.updated_at = now
    user.updated_at = now
    return picture


def _open_image(data: bytes) -> Picture:
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in ACCEPTED_FORMATS:
            raise ValidationFailed(
                "Use a JPEG, PNG, WebP or GIF picture.", code="profile.picture_format"
            )
        if image.width * image.height > 40_000_000:
            raise ValidationFailed("The picture is too large.", code="profile.picture_too_large")
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise ValidationFailed(
            "That file is not a picture we can read.", code="profile.picture_invalid"
        ) from err
    return image


def get_picture(session: Session, *, user: User) -> ProfilePicture:
    picture = session.get(ProfilePicture, user.id)
    if picture is None:
        raise NotFound("No profile picture is set.", code="profile.picture_not_found")
    return picture


def delete_picture(session: Session, *, user: User) -> None:
    picture = session.get(ProfilePicture, user.id)
    if picture is not None:
        session.delete(picture)

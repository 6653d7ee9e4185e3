"""P31: location is collected only while a location feature is in use. Hearthwatch has no
location feature yet, so it collects none: a photo's GPS position never reaches storage,
the data map holds no location field, and the location purpose stays off until asked."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from hearthwatch.accounts.models import ProfilePicture, User
from hearthwatch.context import AppContext
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.datamap import service as datamap
from hearthwatch.privacy.notice import content as notice_content

GPS_IFD = 0x8825
LATITUDE = (48.0, 8.0, 15.0)


def photo_with_position() -> bytes:
    """A JPEG whose EXIF carries where it was taken, as phone photos do."""
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: LATITUDE, 3: "E", 4: (11.0, 34.0, 30.0)}
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 90, 160)).save(out, format="JPEG", exif=exif.tobytes())
    assert Image.open(io.BytesIO(out.getvalue())).getexif().get_ifd(GPS_IFD)  # it is there
    return out.getvalue()


def test_p31_a_photo_position_never_reaches_storage(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    files = {"file": ("me.jpg", photo_with_position(), "image/jpeg")}
    assert client.put("/api/v1/me/picture", files=files).status_code == 204
    with ctx.db.session() as db:
        stored = db.scalar(select(ProfilePicture.data).where(ProfilePicture.user_id == alice.id))
    assert stored is not None
    kept = Image.open(io.BytesIO(stored))
    assert not kept.getexif().get_ifd(GPS_IFD) and not kept.getexif()
    assert b"GPS" not in stored


def test_p31_no_location_is_declared_or_collected_without_the_purpose(
    client: TestClient, alice: User, ctx: AppContext
) -> None:
    words = ("location", "position", "gps", "latitude", "longitude", "geo")
    for field in datamap.PERSONAL_FIELDS:
        assert not any(w in field.description.lower() for w in words), field.key
    document = notice_content.generate(ctx.settings)
    assert not any(
        w in item["description"].lower() for item in document["stored_objects"] for w in words
    )
    (location,) = [p for p in consent.purposes() if p.key == "location_features"]
    assert "collects no location" in location.description
    with ctx.db.session() as db:  # never granted: off
        assert not consent.allowed(db, user_id=alice.id, purpose=location.key)

"""The optional profile (P1) and its editing (P18 starts here)."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from PIL import Image

from hearthwatch.accounts.models import User


def picture_bytes(fmt: str = "JPEG", size: tuple[int, int] = (900, 600)) -> bytes:
    image = Image.new("RGB", size, (200, 80, 20))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera maker: metadata that must not survive
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def test_p1_profile_fields_are_optional_and_editable(client: TestClient, alice: User) -> None:
    me = client.patch("/api/v1/me", json={"nickname": "Al", "real_name": "Alice Liddell"}).json()
    assert (me["nickname"], me["real_name"]) == ("Al", "Alice Liddell")
    me = client.patch("/api/v1/me", json={"real_name": ""}).json()
    assert me["real_name"] is None and me["nickname"] == "Al"


def test_p1_profile_picture_is_resized_and_stripped(client: TestClient, alice: User) -> None:
    files = {"file": ("me.jpg", picture_bytes(), "image/jpeg")}
    assert client.put("/api/v1/me/picture", files=files).status_code == 204
    response = client.get("/api/v1/me/picture")
    assert response.headers["content-type"] == "image/png"
    assert "no-store" in response.headers["cache-control"]
    stored = Image.open(io.BytesIO(response.content))
    assert max(stored.size) == 512
    assert b"SecretCam" not in response.content
    assert client.delete("/api/v1/me/picture").status_code == 204
    assert client.get("/api/v1/me/picture").json()["error"]["code"] == "profile.picture_not_found"


def test_not_a_picture_is_refused(client: TestClient, alice: User) -> None:
    files = {"file": ("evil.png", b"<?php system($_GET['x']); ?>", "image/png")}
    response = client.put("/api/v1/me/picture", files=files)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "profile.picture_invalid"


def test_profile_rejects_unknown_fields(client: TestClient, alice: User) -> None:
    response = client.patch("/api/v1/me", json={"email": "takeover@example.org"})
    assert response.status_code == 422
    assert client.get("/api/v1/me").json()["email"] == "alice@example.org"

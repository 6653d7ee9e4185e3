"""Issue 12 item 2 follow-up (P17, P23): a camera's transport setting (`rtsp_transport`:
auto, tcp or udp) travels with the data: it is in data.json and the export schema, the
import restores it, and an archive naming an unknown transport is refused with the
import's usual error. The transport that worked last (`rtsp_transport_used`) stays behind:
the new service learns it again on its own network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.errors import HearthwatchError
from hearthwatch.privacy.export import service as export
from hearthwatch.privacy.export.archive import schema_text
from hearthwatch.privacy.export.portability_import import import_archive
from tests.factories import RECORDED_AT_US as T0
from tests.factories import (
    add_recorded_camera,
    add_user,
    build_export,
    cameras_of,
    export_data_json,
    open_export,
    zip_of,
)

NEW_EMAIL = "alice@elsewhere.example"


def set_transport(ctx: AppContext, camera_id: str, setting: str, used: str | None) -> None:
    with ctx.db.session() as session:
        camera = session.get(Camera, camera_id)
        assert camera is not None
        camera.rtsp_transport, camera.rtsp_transport_used = setting, used


def exported_cameras(ctx: AppContext, alice: User) -> tuple[Path, dict[str, dict[str, Any]]]:
    job = build_export(ctx, alice)
    with open_export(ctx, job) as archive:
        data = json.loads(archive.read("data.json"))
    rows = {row["name"]: row for row in data["tables"]["cameras"]}
    return export.archive_path(ctx, job.id), rows


def test_issue12_item2_transport_setting_is_exported_and_imported(
    ctx: AppContext, alice: User, other: AppContext
) -> None:
    udp = add_recorded_camera(ctx, alice.id, "Shed", [(T0, 1)])
    tcp = add_recorded_camera(ctx, alice.id, "Gate", [(T0, 1)])
    add_recorded_camera(ctx, alice.id, "Porch", [(T0, 1)])
    set_transport(ctx, udp.camera_id, "udp", "udp")
    set_transport(ctx, tcp.camera_id, "tcp", None)
    path, rows = exported_cameras(ctx, alice)
    settings = {name: row["rtsp_transport"] for name, row in rows.items()}
    assert settings == {"Shed": "udp", "Gate": "tcp", "Porch": "auto"}
    assert all("rtsp_transport_used" not in row for row in rows.values())
    schema = json.loads(schema_text())["properties"]["tables"]["properties"]["cameras"]
    assert schema["items"]["properties"]["rtsp_transport"]["enum"] == ["auto", "tcp", "udp"]

    user_id = add_user(other, NEW_EMAIL).id
    import_archive(other, user_id=user_id, path=path)
    moved = cameras_of(other, user_id)
    assert {name: c.rtsp_transport for name, c in moved.items()} == settings
    assert {c.rtsp_transport_used for c in moved.values()} == {None}  # learnt again


@pytest.mark.parametrize("transport", ["sctp", "TCP", "", 6])
def test_issue12_item2_an_unknown_transport_in_an_archive_is_refused(
    ctx: AppContext, alice: User, tmp_path: Path, transport: Any
) -> None:
    camera = {"id": "c1", "name": "Cam", "rtsp_transport": transport}
    path = tmp_path / "odd.zip"
    path.write_bytes(zip_of({"data.json": export_data_json(tables={"cameras": [camera]})}))
    with pytest.raises(HearthwatchError) as refused:
        import_archive(ctx, user_id=alice.id, path=path)
    assert refused.value.code == "privacy.import_schema_invalid"
    assert refused.value.status == 422
    assert cameras_of(ctx, alice.id) == {}


def test_issue12_item2_an_archive_without_a_transport_imports_as_automatic(
    ctx: AppContext, alice: User, tmp_path: Path
) -> None:
    path = tmp_path / "older.zip"
    camera = {"id": "c1", "name": "Cam", "rtsp_url": "rtsp://192.0.2.10:554/s"}
    path.write_bytes(zip_of({"data.json": export_data_json(tables={"cameras": [camera]})}))
    import_archive(ctx, user_id=alice.id, path=path)
    with ctx.db.session() as session:
        imported = session.scalars(select(Camera).where(Camera.owner_id == alice.id)).one()
        assert (imported.rtsp_transport, imported.rtsp_transport_used) == ("auto", None)

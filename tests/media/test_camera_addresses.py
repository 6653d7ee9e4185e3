"""Issue 11 items 6 and 7: every stored camera address passes one outbound address policy
(P37/P38 security), checked again when the recorder connects; one stream, one account (P5).

A real local listener stands for "something only the server can reach": each test asserts
that it was never contacted.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from hearthwatch.accounts.models import User
from hearthwatch.camsim.camera import SimulatedCamera
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.devices.registry import register_camera
from hearthwatch.errors import ValidationFailed
from hearthwatch.media.recorder import Recorder
from hearthwatch.media.source import connect_url
from hearthwatch.privacy.export.portability_import import import_archive
from hearthwatch.protocols.rtsp_url import parse_stream_url
from hearthwatch.security import outbound
from hearthwatch.security.outbound import (
    AddressForbidden,
    OutboundPolicy,
    parse_allowed_networks,
)
from tests.conftest import sign_in
from tests.factories import export_data_json, zip_of
from tests.media.conftest import Cameras, wait_for

CAMERAS = "/api/v1/cameras"


class Listener:
    """A TCP server on loopback that records whether anything connected to it."""

    def __init__(self) -> None:
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.contacted = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:
                return
            self.contacted.set()
            with connection:
                connection.sendall(b"HTTP/1.0 200 OK\r\ncontent-length: 2\r\n\r\nhi")

    def close(self) -> None:
        # Closing alone does not wake a thread blocked in accept(); shutting down does.
        self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()
        self.thread.join(5)


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture
def strict(ctx: AppContext, cameras: Cameras) -> str:
    """The default policy, with only the simulator's own port allowed (as the demo does)."""
    allowed = f"127.0.0.1:{cameras.server.port}"
    ctx.settings.camera_allowed_networks = allowed
    return allowed


def forbidden_urls(port: int) -> list[str]:
    return [
        f"rtsp://127.0.0.1:{port}/stream",
        f"rtsp://localhost:{port}/stream",
        f"rtsp://LOCALHOST.:{port}/stream",
        f"rtsp://[::1]:{port}/stream",
        f"rtsp://[::ffff:127.0.0.1]:{port}/stream",
        f"rtsp://0.0.0.0:{port}/stream",
        f"rtsp://2130706433:{port}/stream",  # 127.0.0.1 written as one number
        f"rtsp://127.1:{port}/stream",
        "rtsp://169.254.169.254/latest/meta-data",
        "rtsp://[fd00:ec2::254]/latest",
        "rtsp://100.100.100.200/latest",
        "rtsp://224.0.0.1/stream",
        "rtsps://255.255.255.255/stream",
    ]


def camera_count(ctx: AppContext) -> int:
    with ctx.db.session() as db:
        return int(db.scalar(select(func.count()).select_from(Camera)) or 0)


def test_p16_item7_binding_refuses_loopback_link_local_and_metadata_addresses(
    client: TestClient, alice: User, ctx: AppContext, strict: str, listener: Listener
) -> None:
    for url in forbidden_urls(listener.port):
        answer = client.post(f"{CAMERAS}/bind/rtsp", json={"url": url, "name": "Probe"})
        assert answer.status_code == 422, url
        assert answer.json()["error"]["code"] == "camera.address_forbidden", url
    assert camera_count(ctx) == 0
    assert not listener.contacted.is_set()


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:9/x", "file:///etc/passwd", "rtsp:///nohost", "concat:rtsp://a|file:/x"],
)
def test_p16_item7_binding_accepts_only_rtsp_schemes(
    client: TestClient, alice: User, strict: str, url: str
) -> None:
    answer = client.post(f"{CAMERAS}/bind/rtsp", json={"url": url, "name": "Probe"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "camera.url_invalid"


def test_p16_item7_private_lan_cameras_are_allowed(
    client: TestClient, alice: User, strict: str
) -> None:
    for url in ("rtsp://192.168.1.20/stream", "rtsps://10.0.0.7:322/h264", "rtsp://[fd12::7]/s"):
        body = {"url": url, "name": "Lan", "add_offline": True}  # none answers (issue 12)
        answer = client.post(f"{CAMERAS}/bind/rtsp", json=body)
        assert answer.status_code == 201, answer.text


def test_p16_item7_the_web_add_camera_page_refuses_a_forbidden_address(
    client: TestClient, alice: User, ctx: AppContext, strict: str, listener: Listener
) -> None:
    page = client.get("/cameras/add?way=rtsp")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    url = f"rtsp://127.0.0.1:{listener.port}/stream"
    answer = client.post(
        "/cameras/add/rtsp", data={"csrf_token": token, "url": url, "name": "Probe"}
    )
    assert answer.status_code == 422
    assert "cannot be used for a camera" in answer.text
    assert camera_count(ctx) == 0 and not listener.contacted.is_set()


def test_p16_item7_allowed_networks_setting_admits_only_what_it_names(
    client: TestClient,
    alice: User,
    ctx: AppContext,
    cameras: Cameras,
    strict: str,
    recorder: Recorder,
    listener: Listener,
) -> None:
    own = client.post(f"{CAMERAS}/bind/rtsp", json={"url": cameras.url(2), "name": "Sim"})
    assert own.status_code == 201, own.text
    status = wait_for(lambda: (s := recorder.status(own.json()["id"])) and s.online and s)
    assert status.problem is None
    other_port = f"rtsp://127.0.0.1:{listener.port}/stream"
    refused = client.post(f"{CAMERAS}/bind/rtsp", json={"url": other_port, "name": "Probe"})
    assert refused.json()["error"]["code"] == "camera.address_forbidden"
    assert not listener.contacted.is_set()


def test_p16_item7_the_services_own_port_is_refused_even_on_an_allowed_network(
    ctx: AppContext,
) -> None:
    ctx.settings.camera_allowed_networks = "127.0.0.0/8"
    ctx.settings.public_url = "http://127.0.0.1:8443"
    with ctx.db.session() as db, pytest.raises(AddressForbidden):
        register_camera(ctx, db, serial="HWCOWNPORT1", code="ABCDEF",
                        rtsp_url="rtsp://127.0.0.1:8443/api")  # fmt: skip
    ctx.settings.public_url = "https://192.0.2.200:8443"  # the server's own LAN address
    with ctx.db.session() as db, pytest.raises(AddressForbidden):
        register_camera(ctx, db, serial="HWCOWNPORT2", code="ABCDEF",
                        rtsp_url="rtsp://192.0.2.200:8443/api")  # fmt: skip
    with ctx.db.session() as db:  # a camera on that machine's RTSP port is fine
        register_camera(ctx, db, serial="HWCOWNPORT3", code="ABCDEF",
                        rtsp_url="rtsp://192.0.2.200:554/live")  # fmt: skip


def test_p16_item7_a_name_is_resolved_and_the_connection_pinned_to_the_checked_address() -> None:
    rebinding = OutboundPolicy(resolver=lambda host, port: ["127.0.0.1"])
    with pytest.raises(AddressForbidden):
        connect_url("rtsp://camera.example.net:8554/live", rebinding)
    lan = OutboundPolicy(resolver=lambda host, port: ["192.168.4.9", "127.0.0.1"])
    with pytest.raises(AddressForbidden):  # one bad answer among good ones is enough
        connect_url("rtsp://camera.example.net:8554/live", lan)
    home = OutboundPolicy(resolver=lambda host, port: ["192.168.4.9"])
    pinned = connect_url("rtsp://viewer:p%40ss@camera.example.net:8554/live?ch=1", home)
    assert pinned == "rtsp://viewer:p%40ss@192.168.4.9:8554/live?ch=1"


def test_p16_item7_recorder_checks_a_stored_address_when_it_connects(
    ctx: AppContext, alice: User, strict: str, recorder: Recorder, listener: Listener
) -> None:
    """An address stored before the policy existed (or by a path that skipped it) is
    refused by the recorder itself, before PyAV opens anything."""
    urls = [f"rtsp://127.0.0.1:{listener.port}/x", f"http://127.0.0.1:{listener.port}/x",
            "file:///etc/passwd"]  # fmt: skip
    ids = [legacy_camera(ctx, alice.id, url) for url in urls]
    recorder.sync()
    for camera_id in ids:
        status = wait_for(lambda cid=camera_id: (s := recorder.status(cid)) and s.problem and s)
        assert status.problem == "camera.address_forbidden"
        assert (status.codec, status.width, status.frames) == (None, None, 0)
    assert not listener.contacted.is_set()


def legacy_camera(ctx: AppContext, owner_id: str, url: str, later_s: int = 0) -> str:
    """A camera row as stored before the address policy (no check, no stream identity)."""
    with ctx.db.session() as db:
        camera = Camera(owner_id=owner_id, name="Legacy", rtsp_url=url,
                        activated_at=ctx.clock.now() + timedelta(seconds=later_s))  # fmt: skip
        db.add(camera)
        db.flush()
        return camera.id


def test_p16_item7_one_stream_is_never_bound_by_two_accounts(
    app: Any, make_user: Any, ctx: AppContext, cameras: Cameras, strict: str,
    registered: list[SimulatedCamera],
) -> None:  # fmt: skip
    make_user()
    make_user(email="bob@example.org")
    alice, bob = TestClient(app), TestClient(app)
    sign_in(alice, "alice@example.org")
    sign_in(bob, "bob@example.org")
    url = cameras.url(0)
    first = alice.post(f"{CAMERAS}/bind/rtsp", json={"url": url, "name": "Alice's"})
    assert first.status_code == 201
    spellings = [
        url,
        url.replace("rtsp://", "rtsps://"),
        url.replace("rtsp://", "rtsp://x:y@"),
        url.replace("127.0.0.1", "[::ffff:127.0.0.1]"),
        url.replace("127.0.0.1", "127.1"),  # a name the resolver reads as 127.0.0.1
        # path spellings a camera serves alike (the simulator does: each bound and played)
        url + "/",
        url.replace("/main", "/./main"),
        url.replace("/main", "//main"),
        url.replace("/main", "/x/../main"),
        url.replace("/main", "/%6Dain"),
        url.replace("/main", "/MAIN"),
        url + "?channel=1",
    ]
    for spelling in spellings:
        taken = bob.post(f"{CAMERAS}/bind/rtsp", json={"url": spelling, "name": "Bob's"})
        assert taken.status_code == 409, spelling
        assert taken.json()["error"]["code"] == "camera.bound_elsewhere"
    body = {"serial": registered[0].serial,
            "verification_code": registered[0].identity.verification_code}  # fmt: skip
    assert bob.post(f"{CAMERAS}/bind", json=body).status_code == 409
    assert alice.delete(f"{CAMERAS}/{first.json()['id']}").status_code == 204
    assert bob.post(f"{CAMERAS}/bind/rtsp", json={"url": url, "name": "Bob's"}).status_code == 201


def test_p16_item7_a_cameras_sub_stream_is_held_with_its_main_stream(
    app: Any, make_user: Any, ctx: AppContext, cameras: Cameras, strict: str,
    registered: list[SimulatedCamera],
) -> None:  # fmt: skip
    """A camera bound by its code holds both its streams: another account cannot watch its
    sub-stream by binding that address."""
    make_user()
    make_user(email="bob@example.org")
    alice, bob = TestClient(app), TestClient(app)
    sign_in(alice, "alice@example.org")
    sign_in(bob, "bob@example.org")
    camera = registered[0]
    main = cameras.server.url(camera)
    sub = main.replace("/main", "/sub")
    with ctx.db.session() as db:
        register_camera(ctx, db, serial=camera.serial, code=camera.identity.verification_code,
                        rtsp_url=main, sub_rtsp_url=sub)  # fmt: skip
    body = {"serial": camera.serial, "verification_code": camera.identity.verification_code}
    bound = alice.post(f"{CAMERAS}/bind", json=body)
    assert bound.status_code == 201
    taken = bob.post(f"{CAMERAS}/bind/rtsp", json={"url": sub + "/", "name": "Bob's"})
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "camera.bound_elsewhere"
    assert alice.delete(f"{CAMERAS}/{bound.json()['id']}").status_code == 204
    again = {"url": sub, "name": "Bob's", "add_offline": True}  # the simulator has no /sub
    assert bob.post(f"{CAMERAS}/bind/rtsp", json=again).status_code == 201


def test_p16_item7_cameras_bound_before_stream_identities_keep_one_account_per_stream(
    ctx: AppContext, alice: User, make_user: Any, cameras: Cameras, strict: str,
    recorder: Recorder,
) -> None:  # fmt: skip
    """Two accounts that bound one stream before this change: the recorder gives the stream
    to the one that bound it first and does not connect the other."""
    bob = make_user(email="bob@example.org")
    first = legacy_camera(ctx, alice.id, cameras.url(1))
    second = legacy_camera(ctx, bob.id, cameras.url(1).replace("rtsp://", "rtsps://"), 1)
    recorder.sync()
    wait_for(lambda: (s := recorder.status(first)) and s.online)
    status = recorder.status(second)
    assert status is not None and status.problem == "camera.bound_elsewhere"
    assert second not in recorder.ingests
    with ctx.db.session() as db:
        keys = {c.id: c.stream_key for c in db.scalars(select(Camera))}
    assert keys[first] is not None and keys[second] is None


def test_p16_item7_a_name_that_later_resolves_to_another_accounts_camera_is_not_connected(
    app: Any, make_user: Any, ctx: AppContext, cameras: Cameras, strict: str,
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """Bob binds a name while it points at a public address, then points it at Alice's
    camera (DNS rebinding): the recorder checks whose stream is there each time it connects."""
    answers = {"cam.bob.example": ["192.0.2.77"]}
    monkeypatch.setattr(outbound, "system_resolver", lambda host, port: answers.get(host, []))
    make_user()
    make_user(email="bob@example.org")
    alice, bob = TestClient(app), TestClient(app)
    sign_in(alice, "alice@example.org")
    sign_in(bob, "bob@example.org")
    url = cameras.url(2)
    mine = alice.post(f"{CAMERAS}/bind/rtsp", json={"url": url, "name": "Alice's"}).json()
    rebound = url.replace("127.0.0.1", "cam.bob.example")
    body = {"url": rebound, "name": "Bob's", "add_offline": True}  # 192.0.2.77: nothing there
    theirs = bob.post(f"{CAMERAS}/bind/rtsp", json=body)
    assert theirs.status_code == 201, theirs.text
    answers["cam.bob.example"] = ["127.0.0.1"]
    recorder.sync()
    wait_for(lambda: (s := recorder.status(mine["id"])) and s.online)
    status = wait_for(lambda: (s := recorder.status(theirs.json()["id"])) and s.problem and s)
    assert status.problem == "camera.bound_elsewhere"
    assert (status.frames, status.codec) == (0, None)
    snapshot = bob.get(f"{CAMERAS}/{theirs.json()['id']}/snapshot")
    assert snapshot.status_code == 404


@pytest.mark.parametrize("field", ["U"])
def test_p16_item6_a_qr_label_with_a_forbidden_address_is_refused(
    client: TestClient, alice: User, strict: str, registered: list[SimulatedCamera], field: str
) -> None:
    identity = registered[0].identity
    payload = f"HWCAM1;S={identity.serial};V={identity.verification_code};{field}=rtsp://169.254.169.254/x"
    answer = client.post(f"{CAMERAS}/bind/qr", json={"payload": payload})
    assert answer.json()["error"]["code"] == "camera.address_forbidden"


def test_p16_item6_the_registry_refuses_a_forbidden_address(ctx: AppContext, strict: str) -> None:
    with ctx.db.session() as db, pytest.raises(ValidationFailed) as refused:
        register_camera(ctx, db, serial="HWCREGISTRY1", code="ABCDEF",
                        rtsp_url="rtsp://169.254.169.254/")  # fmt: skip
    assert refused.value.code == "camera.address_forbidden"


def import_of(tmp_path: Path, *cameras: dict[str, Any]) -> Path:
    data = export_data_json(tables={"users": [{"id": "a" * 32}], "cameras": list(cameras)})
    path = tmp_path / "import.zip"
    path.write_bytes(zip_of({"data.json": data}))
    return path


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://127.0.0.1:{port}/x", "camera.url_invalid"),
        ("file:///etc/passwd", "camera.url_invalid"),
        ("rtsp://127.0.0.1:{port}/x", "camera.address_forbidden"),
        ("rtsp://169.254.169.254/latest", "camera.address_forbidden"),
    ],
)
def test_p16_item6_import_refuses_a_camera_address_the_policy_forbids(
    ctx: AppContext, alice: User, strict: str, recorder: Recorder, listener: Listener,
    tmp_path: Path, url: str, code: str,
) -> None:  # fmt: skip
    address = url.format(port=listener.port)
    path = import_of(tmp_path, {"id": "c1", "name": "Good", "rtsp_url": "rtsp://192.0.2.5/s"},
                     {"id": "c2", "name": "Probe", "rtsp_url": address})  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        import_archive(ctx, user_id=alice.id, path=path)
    assert (refused.value.code, refused.value.details) == (code, {"camera": "Probe"})
    recorder.sync()
    assert camera_count(ctx) == 0  # refused as a whole, before anything was written
    assert not listener.contacted.is_set()


def test_p16_item7_import_leaves_behind_an_address_another_account_holds(
    ctx: AppContext, alice: User, make_user: Any, tmp_path: Path
) -> None:
    with ctx.db.session() as db:
        from hearthwatch.devices.binding import bind_by_url

        owner = db.get(User, alice.id)
        assert owner is not None
        bind_by_url(ctx, db, user=owner, url="rtsp://192.0.2.5/s", username=None, password=None,
                    name="Alice's", add_offline=True)  # fmt: skip
    bob = make_user(email="bob@example.org")
    path = import_of(tmp_path, {"id": "c1", "name": "Taken", "rtsp_url": "rtsp://192.0.2.5/s"})
    summary = import_archive(ctx, user_id=bob.id, path=path)
    assert summary.cameras == 1
    with ctx.db.session() as db:
        moved = db.scalars(select(Camera).where(Camera.owner_id == bob.id)).one()
        assert (moved.rtsp_url, moved.stream_key) == ("", None)


def test_p16_item7_allowed_networks_are_parsed_strictly() -> None:
    entries = parse_allowed_networks("10.0.0.0/8, 127.0.0.1:8554,[::1]:8554")
    assert [(str(e.network), e.port) for e in entries] == [
        ("10.0.0.0/8", None), ("127.0.0.1/32", 8554), ("::1/128", 8554)]  # fmt: skip
    for bad in ("nonsense", "127.0.0.1:0", "10.0.0.0/33"):
        with pytest.raises(ValueError):
            parse_allowed_networks(bad)
    address, user, password = parse_stream_url("rtsp://u:p@Cam.Example:8554/a?b=1")
    assert (address.host, address.port, address.path, user, password) == (
        "cam.example", 8554, "/a?b=1", "u", "p")  # fmt: skip

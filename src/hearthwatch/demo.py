"""`hearthwatch demo`: embedded defaults, simulated cameras already bound, a printed login.

Four simulated cameras (the same ones on every start: their identities are kept in the data
directory) serve RTSP on a free port; they are registered with the service as a maker
would register them, bound to the demo account, and recorded like real cameras. Each shows
its own still scene, which someone crosses about every 80 s (the cameras take turns, so
an event comes every 20 s or so), or at once on command through the simulator's control API.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.admin import create_confirmed_user
from hearthwatch.accounts.models import User
from hearthwatch.accounts.registration import find_user_by_email
from hearthwatch.camsim import (  # the simulator's one entry point (camsim/__init__.py)
    CameraFleet,
    CameraInfo,
    CameraView,
    FleetConfig,
    MotionSchedule,
)
from hearthwatch.clock import clock
from hearthwatch.context import AppContext
from hearthwatch.devices.models import Camera
from hearthwatch.devices.registry import register_camera
from hearthwatch.devices.streams import assign_stream, checked_url
from hearthwatch.server import prepare, run, with_public_url
from hearthwatch.settings import Settings
from hearthwatch.tls import local_certificate

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-hearth-watch-2026"  # noqa: S105 (printed for the local demo)
DEMO_CAMERAS = ("Front door", "Back yard", "Driveway", "Garage")
# What each demo camera looks at (camsim views), so that they can be told apart, and who
# comes by: a courier at the door, someone in the garden, a car, a cyclist by the garage.
DEMO_VIEWS = ("porch", "garden", "driveway", "garage")
DEMO_ACTORS = ("courier", "person", "car", "cyclist")
DEMO_SCENE_SECONDS = 12
# Someone crosses each camera's scene this often; the four take turns (one every 20 s).
DEMO_MOTION = MotionSchedule("every", 80.0)
# A second account with the operator role, to answer the demo's rights requests.
DEMO_OPERATOR_EMAIL = "operator@example.com"


def run_demo(settings: Settings, *, host: str, port: int, tls: bool = False) -> None:
    operators = ",".join(filter(None, (settings.operator_emails, DEMO_OPERATOR_EMAIL)))
    update: dict[str, object] = {
        "mail_backend": "outbox",
        "environment": "development",
        "operator_emails": operators,
    }
    if tls:
        files = local_certificate(settings.data_dir, now=clock.now())
        update |= {"tls_cert": files.cert, "tls_key": files.key}
    settings = with_public_url(settings.model_copy(update=update), host=host, port=port)
    ctx = prepare(settings)
    fleet = CameraFleet(demo_fleet_config(settings.data_dir))
    print("Preparing the simulated cameras (encoded once, then cached)...", flush=True)
    fleet.start()
    # The simulated cameras listen on loopback, which the outbound policy refuses to any
    # other address: allow exactly their port.
    ctx.settings.camera_allowed_networks = simulator_network(fleet)
    try:
        with ctx.db.session() as session:
            user = find_user_by_email(session, DEMO_EMAIL) or create_confirmed_user(
                ctx, session, email=DEMO_EMAIL, password=DEMO_PASSWORD, nickname="Demo"
            )
            if find_user_by_email(session, DEMO_OPERATOR_EMAIL) is None:
                create_confirmed_user(
                    ctx, session, email=DEMO_OPERATOR_EMAIL, password=DEMO_PASSWORD,
                    nickname="Operator",
                )  # fmt: skip
            for name, camera in zip(DEMO_CAMERAS, fleet.cameras, strict=True):
                bind_demo_camera(ctx, session, user, camera, name)
        print(banner(settings, fleet), flush=True)
        print(motion_help(fleet), flush=True)
        run(ctx, host=host, port=port)
    finally:
        fleet.stop()


def demo_fleet_config(data_dir: Path) -> FleetConfig:
    """The demo's simulated cameras: each its own scene with its name on it, and sound.

    Their scenes are still but for the crossings (`DEMO_MOTION`, or on command through the
    control API on a free port): a still scene and a crossing of 6 s encode, on a first
    start, in about the time one looping scene of 12 s took."""
    views = tuple(
        CameraView(view, name, actor)
        for view, name, actor in zip(DEMO_VIEWS, DEMO_CAMERAS, DEMO_ACTORS, strict=True)
    )
    return FleetConfig(
        cameras=len(DEMO_CAMERAS),
        port=0,
        state_file=data_dir / "camsim.json",
        views=views,
        audio=True,
        scene_seconds=DEMO_SCENE_SECONDS,
        motion=DEMO_MOTION,
        control_port=0,
    )


def bind_demo_camera(
    ctx: AppContext, session: Session, user: User, camera: CameraInfo, name: str
) -> None:
    """Register the camera and bind it to the demo account (or refresh its address)."""
    register_camera(
        ctx,
        session,
        serial=camera.serial,
        code=camera.verification_code,
        rtsp_url=camera.main_url,
        sub_rtsp_url=camera.sub_url,
        model="Hearthwatch CamSim",
        firmware_version="1.4.2-sim",
    )
    bound = session.scalars(select(Camera).where(Camera.serial == camera.serial)).first()
    if bound is None:
        bound = Camera(
            owner_id=user.id,
            serial=camera.serial,
            name=name,
            model="Hearthwatch CamSim",
            firmware_version="1.4.2-sim",
            activated_at=ctx.clock.now(),
        )
        session.add(bound)
    bound.rtsp_url = checked_url(ctx, camera.main_url)
    bound.sub_rtsp_url = checked_url(ctx, camera.sub_url)
    assign_stream(ctx, session, bound, bound.rtsp_url)


def simulator_network(fleet: CameraFleet) -> str:
    """The simulator's own address and port, as an allowed camera network."""
    parts = urlsplit(fleet.cameras[0].main_url)
    return f"{parts.hostname}:{parts.port}"


def motion_help(fleet: CameraFleet) -> str:
    """How to make someone cross a demo camera's scene now (an event on demand)."""
    if fleet.control_url is None:
        return ""
    first = fleet.cameras[0]
    serials = "\n".join(
        f"    {name}: {c.serial}" for name, c in zip(DEMO_CAMERAS, fleet.cameras, strict=True)
    )
    return (
        f"  Motion: someone crosses each camera's scene about every"
        f" {DEMO_MOTION.period_s:.0f} s, the cameras taking turns. On demand:\n"
        f"    curl -X POST {fleet.control_url}/cameras/{first.serial}/motion\n"
        f'    (a body such as {{"actor": "car"}} picks who crosses; GET lists the latest)\n'
        f"  Camera serials:\n{serials}\n"
    )


def banner(settings: Settings, fleet: CameraFleet) -> str:
    from hearthwatch.privacy.notice.content import storage_region

    url = settings.public_url.rstrip("/") + "/"
    trust = (
        f"  HTTPS with a self-signed certificate: trust {settings.tls_cert} (curl --cacert)\n"
        if settings.tls_cert is not None
        else ""
    )
    cameras = "\n".join(
        f"    {name}: {c.main_url}" for name, c in zip(DEMO_CAMERAS, fleet.cameras, strict=True)
    )
    return (
        f"\n  Hearthwatch demo is running at {url}\n"
        f"{trust}"
        f"  Sign in as {DEMO_EMAIL} with password {DEMO_PASSWORD}\n"
        f"  Operator (rights requests desk): {DEMO_OPERATOR_EMAIL}, same password\n"
        f"  Mail goes to the local outbox: {url}outbox\n"
        f"  Data directory: {settings.data_dir.resolve()}\n"
        f"  Data region in the privacy notice: {storage_region(settings)}\n"
        f"    (HEARTHWATCH_DATA_REGION names where your server and its storage are)\n"
        f"  Simulated cameras, bound and recording:\n{cameras}\n"
    )

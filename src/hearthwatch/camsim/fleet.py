"""A fleet of simulated cameras served over RTSP from a background thread.

    with CameraFleet(FleetConfig(cameras=4, port=0, seed=1)) as fleet:
        for camera in fleet.cameras:
            print(camera.serial, camera.verification_code, camera.main_url, camera.payload)
        fleet.reboot(fleet.cameras[0].serial, seconds=3)

Each camera has a ``main`` stream (720p or 1080p, 25 fps, 2 s GOP, constant bitrate) and a
``sub`` stream (320x180, 5 fps), both from the cached pre-encoded scene; with ``live`` the
first camera's main stream is encoded as it goes, with the time burned in. Unless told
otherwise every camera has a microphone: both streams carry an AAC audio track, a chime of
its own (see `sound`); `audio=False` or `video_only` makes cameras video only, and
`set_audio` switches one while it runs. Someone crosses each scene in every loop, or, with
another `motion` schedule, the scenes are still but for crossings every so often or on
command (`start_motion`; see `motion`). The cameras and their faults live on the fleet's
event loop thread; every method here may be called from any other thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

from hearthwatch.camsim.camera import FrameSource, SimulatedCamera
from hearthwatch.camsim.control import ControlServer
from hearthwatch.camsim.faults import Fault, apply_fault, parse_fault
from hearthwatch.camsim.fleet_state import CameraRecord, CredentialPolicy, plan_cameras
from hearthwatch.camsim.identity import CameraIdentity
from hearthwatch.camsim.loop_thread import LoopThread
from hearthwatch.camsim.motion import MotionSchedule, MotionScript
from hearthwatch.camsim.rtsp_server import CameraRtspServer
from hearthwatch.camsim.scene import EncodedClip, SceneSpec, load_clip
from hearthwatch.camsim.sound import AudioClip, load_sound, sound_for
from hearthwatch.camsim.sources import LiveSource, ScriptedSource
from hearthwatch.camsim.views import VIEWS, CameraView
from hearthwatch.errors import NotFound
from hearthwatch.protocols import rtsp_url

# Main stream size and bitrate (kbit/s) per resolution name.
RESOLUTIONS: dict[str, tuple[int, int, int]] = {
    "720p": (1280, 720, 2000),
    "1080p": (1920, 1080, 4000),
}
WILDCARD_HOSTS = {"", "0.0.0.0", "::"}  # noqa: S104 - names, not a bind


@dataclass(frozen=True)
class FleetConfig:
    cameras: int = 1
    host: str = "127.0.0.1"
    port: int = 8554  # 0: any free port
    advertise_host: str | None = None  # the host put in URLs and QR codes
    resolution: str = "720p"
    scene_seconds: int = 20
    live: bool = False
    seed: int | None = None
    state_file: Path | None = None
    credentials: CredentialPolicy = field(default_factory=CredentialPolicy)
    control_port: int | None = None  # None: no HTTP control API; 0: any free port
    control_host: str = "127.0.0.1"
    session_timeout_s: float = 60.0
    main_scene: SceneSpec | None = None  # overrides resolution and scene_seconds
    sub_scene: SceneSpec | None = None
    cache_dir: Path | None = None
    audio: bool = True  # an AAC track on every camera's streams
    video_only: frozenset[int] = frozenset()  # indexes (from 0) of cameras without audio
    views: tuple[CameraView, ...] = ()  # what each camera shows (default: all the yard)
    motion: MotionSchedule = field(default_factory=MotionSchedule)  # see `motion`

    def has_audio(self, index: int) -> bool:
        return self.audio and index not in self.video_only

    def main_spec(self, index: int = 0) -> SceneSpec:
        """The main stream's scene of camera `index` (from 0)."""
        if self.main_scene is not None:
            return self._viewed(self.main_scene, index)
        width, height, kbps = RESOLUTIONS[self.resolution]
        spec = SceneSpec(width, height, 25, self.scene_seconds, 2.0, kbps, self._motion())
        return self._viewed(spec, index)

    def sub_spec(self, index: int = 0) -> SceneSpec:
        if self.sub_scene is not None:
            return self._viewed(self.sub_scene, index)
        spec = SceneSpec(320, 180, 5, self.scene_seconds, 2.0, 256, self._motion())
        return self._viewed(spec, index)

    def _viewed(self, spec: SceneSpec, index: int) -> SceneSpec:
        if index >= len(self.views):
            return spec
        view = self.views[index]
        return replace(spec, view=view.view, label=view.label, actor=view.actor)

    def _motion(self) -> tuple[tuple[float, float], ...]:
        # Someone crosses the yard from 30% to 60% of the loop (6 s to 12 s of 20 s).
        return ((self.scene_seconds * 0.3, self.scene_seconds * 0.6),)


@dataclass(frozen=True)
class CameraInfo:
    """What a client needs to know of one running camera."""

    name: str
    serial: str
    verification_code: str
    main_url: str
    sub_url: str
    username: str | None
    password: str | None
    online: bool
    audio: bool = False

    @property
    def identity(self) -> CameraIdentity:
        return CameraIdentity(self.serial, self.verification_code, self.main_url)

    @property
    def payload(self) -> str:
        return self.identity.payload()

    def url(self, stream: str = "main", *, with_credentials: bool = False) -> str:
        """The stream's URL, with ``user:password@`` when asked and the camera has them."""
        url = self.main_url if stream == "main" else self.sub_url
        if not with_credentials or self.username is None or self.password is None:
            return url
        return rtsp_url.with_credentials(url, self.username, self.password)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "serial": self.serial,
            "verification_code": self.verification_code,
            "urls": {"main": self.main_url, "sub": self.sub_url},
            "username": self.username,
            "password": self.password,
            "online": self.online,
            "audio": self.audio,
            "payload": self.payload,
        }


class CameraFleet:
    """N simulated cameras on one RTSP port, run from a background thread."""

    def __init__(self, config: FleetConfig | None = None) -> None:
        self.config = config or FleetConfig()
        self._records: list[CameraRecord] = []
        self._cameras: dict[str, SimulatedCamera] = {}
        self._server: CameraRtspServer | None = None
        self._loop: LoopThread | None = None
        self._control: ControlServer | None = None
        self._clips: dict[SceneSpec, EncodedClip] = {}  # cameras with the same view share one
        self._scripts: dict[str, MotionScript] = {}
        self._scripted: dict[str, dict[str, tuple[SceneSpec, dict[str, EncodedClip]]]] = {}

    def start(self) -> None:
        """Prepare the scenes (encoding them on first use), then serve; returns when ready."""
        if self._loop is not None:
            raise RuntimeError("the fleet is already running")
        config = self.config
        self._records = plan_cameras(
            config.cameras,
            seed=config.seed,
            state_file=config.state_file,
            policy=config.credentials,
        )
        cameras = self._build_cameras()
        self._cameras = {c.serial: c for c in cameras}
        self._server = CameraRtspServer(
            cameras, config.host, config.port, session_timeout_s=config.session_timeout_s
        )
        self._loop = LoopThread("camsim")
        try:
            self._serve()
        except BaseException:
            self.stop()
            raise

    def _serve(self) -> None:
        assert self._loop is not None and self._server is not None
        self._loop.run(self._server.start())
        schedule, count = self.config.motion, self.config.cameras
        for index, record in enumerate(self._records):
            self._scripts[record.serial].begin(schedule.first_after(index, count))
        if self.config.control_port is not None:
            self._control = ControlServer(self, self.config.control_host, self.config.control_port)

    def stop(self) -> None:
        """Stop the control API, close every connection and stop the loop thread."""
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._loop is not None:
            if self._server is not None:
                self._loop.run(self._server.stop())
            self._loop.close()
        self._loop = self._server = None

    def __enter__(self) -> CameraFleet:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def rtsp_port(self) -> int:
        assert self._server is not None, "the fleet is not started"
        return self._server.port

    @property
    def control_url(self) -> str | None:
        return self._control.url if self._control is not None else None

    @property
    def cameras(self) -> list[CameraInfo]:
        return [self._info(record) for record in self._records]

    def camera(self, serial: str) -> CameraInfo:
        return self._info(self._record(serial))

    def apply_fault(self, serial: str, fault: Fault) -> None:
        """Apply `fault` to a camera on the loop thread; returns once it took effect."""
        camera = self._cameras.get(serial)
        if camera is None or self._loop is None:
            raise NotFound(f"no camera {serial!r} is running", code="camsim.camera_not_found")
        self._loop.call(lambda: apply_fault(camera, fault))

    def reboot(self, serial: str, seconds: float = 5.0) -> None:
        self.apply_fault(serial, parse_fault({"kind": "reboot", "seconds": seconds}))

    def drop_connections(self, serial: str) -> None:
        self.apply_fault(serial, parse_fault({"kind": "drop"}))

    def stall(self, serial: str, seconds: float) -> None:
        self.apply_fault(serial, parse_fault({"kind": "stall", "seconds": seconds}))

    def drift(self, serial: str, ppm: float) -> None:
        self.apply_fault(serial, parse_fault({"kind": "drift", "ppm": ppm}))

    def jump_clock(self, serial: str, seconds: float) -> None:
        self.apply_fault(serial, parse_fault({"kind": "jump_clock", "seconds": seconds}))

    def jump_timestamps(self, serial: str, seconds: float) -> None:
        self.apply_fault(serial, parse_fault({"kind": "jump_timestamps", "seconds": seconds}))

    def set_audio(self, serial: str, on: bool) -> CameraInfo:
        """Give a camera's streams an audio track or take it away; its connections drop,
        as a real camera restarts its streams on such a change."""
        camera = self._cameras.get(serial)
        if camera is None or self._loop is None:
            raise NotFound(f"no camera {serial!r} is running", code="camsim.camera_not_found")
        self._loop.call(lambda: camera.set_audio(on))
        return self.camera(serial)

    def session_count(self) -> int:
        """RTSP sessions set up right now, over all cameras (for tests and benchmarks)."""
        assert self._loop is not None and self._server is not None
        server = self._server
        return self._loop.call(lambda: server.session_count)

    def start_motion(
        self, serial: str, actor: str | None = None, *, wait_s: float = 3.0
    ) -> dict[str, Any]:
        """Someone crosses the camera's scene now; returns once every stream being sent has
        shown its first frame (at most `wait_s`), with the wall-clock times it did."""
        script, streams = self._scripts.get(serial), self._scripted.get(serial, {})
        if script is None or self._loop is None:
            raise NotFound(f"no camera {serial!r} is running", code="camsim.camera_not_found")
        actor = actor or script.own_actor
        for spec, clips in streams.values():
            clips[actor] = self._clip(spec.crossing(actor))  # encoded on first use, cached
        camera = self._cameras[serial]
        sending = self._loop.call(lambda: _sending(camera, set(streams)))
        crossing = script.request(actor)
        script.wait_for_onsets(crossing, sending, wait_s)
        return {"camera": serial, **script.describe(crossing)}

    def motion(self, serial: str) -> dict[str, Any]:
        """The camera's motion schedule and its latest crossings, newest first."""
        script = self._scripts.get(serial)
        if script is None:
            raise NotFound(f"no camera {serial!r} is running", code="camsim.camera_not_found")
        return {
            "camera": serial,
            "schedule": str(script.schedule),
            "actor": script.own_actor,
            "crossings": script.recent(),
        }

    def _clip(self, spec: SceneSpec) -> EncodedClip:
        if spec not in self._clips:
            self._clips[spec] = load_clip(spec, self.config.cache_dir)
        return self._clips[spec]

    def _build_cameras(self) -> list[SimulatedCamera]:
        config = self.config
        cameras = []
        for index, record in enumerate(self._records):
            live = config.live and index == 0
            main = config.main_spec(index)
            script = self._script(index)
            self._scripts[record.serial] = script
            # A live main stream paints its own loop: crossings show on the sub-stream only.
            streams: dict[str, FrameSource] = {"main": LiveSource(main)} if live else {}
            for name, spec in (("main", main), ("sub", config.sub_spec(index))):
                streams.setdefault(name, self._scripted_source(record.serial, name, spec, script))
            identity = CameraIdentity(record.serial, record.verification_code)
            camera = SimulatedCamera(
                record.name, streams, identity, record.username, record.password
            )
            camera.sound = self._sound(index)
            camera.audio_on = config.has_audio(index)
            cameras.append(camera)
        return cameras

    def _script(self, index: int) -> MotionScript:
        spec = self.config.main_spec(index)
        return MotionScript(spec.actor or VIEWS[spec.view].actor, self.config.motion)

    def _scripted_source(
        self, serial: str, stream: str, spec: SceneSpec, script: MotionScript
    ) -> ScriptedSource:
        """A stream of the background scene (the loop, or the quiet scene) with crossings
        spliced in; for a still scene the camera's own crossing is encoded now, so that the
        first one needs no wait."""
        clips: dict[str, EncodedClip] = {}
        if script.schedule.still:
            clips[script.own_actor] = self._clip(spec.crossing(script.own_actor))
        self._scripted.setdefault(serial, {})[stream] = (spec, clips)
        background = self._clip(spec.quiet() if script.schedule.still else spec)
        return ScriptedSource(stream, background, script, clips)

    def _sound(self, index: int) -> AudioClip:
        # Loaded even for a camera without audio, so that it can be switched on later.
        return load_sound(sound_for(self.config.main_spec(index), index), self.config.cache_dir)

    def _record(self, serial: str) -> CameraRecord:
        for record in self._records:
            if record.serial == serial:
                return record
        raise NotFound(f"no camera {serial!r} is running", code="camsim.camera_not_found")

    def _info(self, record: CameraRecord) -> CameraInfo:
        camera = self._cameras[record.serial]
        return CameraInfo(
            record.name,
            record.serial,
            record.verification_code,
            self._url(record.serial, "main"),
            self._url(record.serial, "sub"),
            record.username,
            record.password,
            camera.online,
            camera.audio is not None,
        )

    def _url(self, serial: str, stream: str) -> str:
        host = self.config.advertise_host or self.config.host
        if host in WILDCARD_HOSTS:
            host = "127.0.0.1"
        return rtsp_url.StreamAddress("rtsp", host, self.rtsp_port, f"/{serial}/{stream}").url


def _sending(camera: SimulatedCamera, streams: set[str]) -> set[str]:
    """Which of `streams` the camera is sending right now (to at least one viewer)."""
    return {
        name
        for name, broadcaster in camera.broadcasters.items()
        if name in streams and broadcaster.task is not None and not broadcaster.task.done()
    }

"""The recorder: one ingest per bound camera, kept in step with the database.

Every `SYNC_SECONDS` it reads the cameras, starts ingests for new ones, stops those that
were unbound, restarts those whose address, credentials or transport changed, and switches
recording on or off (P14: with recording off, the ingest serves live view and status, and
stores nothing). The transport that worked for a camera in auto mode is stored on it as
soon as it works, so the next start asks over it first (media/connection.py).

A camera whose data is restricted in every use (P21: the camera, or its owner's whole
account) has no ingest at all: nothing is recorded or shown live until the restriction is
lifted or runs out, and the next pass starts it again. A camera being removed is stopped
at once (`forget`), before its rows and files go, so no segment lands after them.

Live sub-streams (issue 12 item 4): a camera whose main stream is H.265 and that has a
sub-stream gets a second, live-only ingest of it (nothing recorded), for browsers that
cannot play H.265 (WebRTC never carries it). It runs for as long as the main stream is
H.265, rather than from a viewer's first request: a viewer then starts on the cached
keyframe at once instead of waiting for a cold connection and a GOP; a sub-stream is small
(copied, never decoded), and an H.264 camera never gets one, so it costs them nothing.

Motion detection (issue 14): each camera with detection enabled gets a detector
(events/detector.py) tapping the packets of its sub-stream, whose ingest then runs whatever
the main stream's codec (a sub-stream is what detection decodes: small and cheap), or of the
main stream (keyframes only) when there is no sub-stream. Settings are read at each pass,
so a change applies within one. A camera in privacy mode is held like a restricted one: no
ingest, no detector (its open event closes), no live view, until it is switched off.
Events a crash left open are closed when the recorder starts.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.devices.binding import stream_url
from hearthwatch.devices.models import Camera
from hearthwatch.devices.streams import assign_stream, check_stream_holder, stream_key_at
from hearthwatch.errors import HearthwatchError
from hearthwatch.events.detection import DetectionSettings, settings_of_all
from hearthwatch.events.detector import CameraDetector
from hearthwatch.events.lifecycle import close_abandoned
from hearthwatch.media import retention
from hearthwatch.media.connection import ConnectionPolicy
from hearthwatch.media.ingest import CameraIngest
from hearthwatch.media.live import LiveHub
from hearthwatch.media.segmenter import FinishedSegment
from hearthwatch.media.status import PRIVACY_MODE, RESTRICTED, STREAM_TAKEN, IngestStatus
from hearthwatch.media.store import MediaVault, SegmentWriter
from hearthwatch.privacy.limits.service import held_cameras
from hearthwatch.protocols.rtsp_url import StreamAddress
from hearthwatch.security.outbound import camera_policy

log = logging.getLogger("hearthwatch.recorder")
HEVC = "hevc"  # the ingest's name for H.265

SYNC_SECONDS = 2.0
RETENTION_EVERY_S = 60.0
# Orphans (a file stored, its index row never written) come only from a crash between the
# two, so the full listing they need runs soon after start and then a few times a day.
ORPHANS_FIRST_S = 120.0
ORPHANS_EVERY_S = 6 * 3600.0
TAKEN_RETRY_S = 60.0  # a camera whose stream another account holds, asked about again
LAST_SEEN_EVERY_S = 30.0  # the live status comes from the ingest; the row is for offline views


@dataclass(frozen=True)
class _Wanted:
    owner_id: str
    url: str
    record: bool
    transport: str  # the owner's choice: auto, tcp or udp
    learned: str | None = field(default=None, compare=False)  # what worked last (auto)
    sub_url: str | None = None  # the live-only sub-stream's address, credentials included
    main_codec: str | None = field(default=None, compare=False)  # as last stored
    detection: DetectionSettings | None = field(default=None, compare=False)  # None: off


@dataclass(frozen=True)
class _Cameras:
    wanted: dict[str, _Wanted]
    held: dict[str, str]  # camera id -> the problem code that keeps it from streaming


class Recorder:
    def __init__(self, ctx: AppContext, vault: MediaVault) -> None:
        self.ctx, self.vault = ctx, vault
        self.ingests: dict[str, CameraIngest] = {}
        self.sub_ingests: dict[str, CameraIngest] = {}  # live-only: H.265 cameras, detection
        self.detectors: dict[str, CameraDetector] = {}
        self._wanted: dict[str, _Wanted] = {}
        self._held: dict[str, str] = {}
        self._removed: set[str] = set()
        self._retry_taken: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        try:
            close_abandoned(self.ctx)  # before any detector opens one of its own
        except Exception:  # a stale open event must not keep the recorder from starting
            log.exception("closing events left open failed")
        self.sync()
        self._thread = threading.Thread(target=self._loop, name="recorder", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        with self._lock:
            ingests = [*self.ingests.values(), *self.sub_ingests.values()]
            self.ingests, self.sub_ingests = {}, {}
            detectors, self.detectors = list(self.detectors.values()), {}
        for detector in detectors:
            detector.stop(timeout=0)
        for detector in detectors:
            detector.stop()  # each closes its open event
        # Every ingest is told first, then waited for: one blocked in a read of a silent
        # camera (up to the socket time-out) no longer delays the next one's stop.
        for ingest in ingests:
            ingest.stop(timeout=0)
        for ingest in ingests:
            ingest.stop()

    def status(self, camera_id: str) -> IngestStatus | None:
        ingest = self.ingests.get(camera_id)
        if ingest is None and camera_id in self._held:
            return IngestStatus(problem=self._held[camera_id])
        return ingest.status if ingest else None

    def forget(self, camera_id: str) -> None:
        """Stop the camera's ingest and wait for it: the camera is being removed. Nothing it
        was cutting is stored, and no later pass starts it again."""
        with self._lock:
            self._removed.add(camera_id)
            ingest = self.ingests.pop(camera_id, None)
            sub = self.sub_ingests.pop(camera_id, None)
            detector = self.detectors.pop(camera_id, None)
        if detector is not None:
            detector.stop()
        if sub is not None:
            sub.stop(timeout=0)
        if ingest is not None:
            ingest.record = False
            ingest.stop()

    def hub(self, camera_id: str) -> LiveHub | None:
        ingest = self.ingests.get(camera_id)
        return ingest.hub if ingest else None

    def sub_stream(self, camera_id: str) -> tuple[LiveHub, IngestStatus] | None:
        """The live-only sub-stream's hub and status, while the camera has one running."""
        ingest = self.sub_ingests.get(camera_id)
        return (ingest.hub, ingest.status) if ingest else None

    def wants_sub_stream(self, camera_id: str) -> bool:
        """Whether the camera has a sub-stream (run for live view while the main is H.265)."""
        want = self._wanted.get(camera_id)
        return want is not None and want.sub_url is not None

    def _loop(self) -> None:
        next_sweep = time.monotonic() + RETENTION_EVERY_S
        next_seen = time.monotonic() + LAST_SEEN_EVERY_S
        next_orphans = time.monotonic() + ORPHANS_FIRST_S
        while not self._stop.wait(SYNC_SECONDS):
            try:
                self.sync()
                if time.monotonic() >= next_seen:
                    next_seen = time.monotonic() + LAST_SEEN_EVERY_S
                    self._note_last_seen()
                if time.monotonic() >= next_sweep:
                    next_sweep = time.monotonic() + RETENTION_EVERY_S
                    orphans = time.monotonic() >= next_orphans
                    if orphans:
                        next_orphans = time.monotonic() + ORPHANS_EVERY_S
                    self.apply_retention(orphans=orphans)
            except Exception:  # the recorder must outlive any one bad pass
                log.exception("recorder pass failed")

    def apply_retention(self, *, orphans: bool = True) -> retention.SweepReport:
        now_us = int(time.time() * 1_000_000)
        free = getattr(self.vault.blobs, "free_fraction", None)
        report = retention.sweep(self.ctx, now_us=now_us, free_fraction=free)
        if orphans:
            report.orphans = retention.remove_orphans(self.ctx, now_us=now_us)
        if report.deleted or report.orphans:
            log.info("retention sweep", extra=report.__dict__)
        return report

    def sync(self) -> None:
        """Make the running ingests match the cameras in the database."""
        cameras = self._read_cameras()
        with self._lock:
            self._removed &= set(cameras.wanted) | set(cameras.held)  # gone: nothing to skip
            wanted = {k: v for k, v in cameras.wanted.items() if k not in self._removed}
            for camera_id in set(self.ingests) - set(wanted):
                self.ingests.pop(camera_id).stop(timeout=0)
            for camera_id, want in wanted.items():
                self._apply(camera_id, want)
                self._apply_sub(camera_id, want)
            for camera_id in set(self.sub_ingests) - set(wanted):
                self.sub_ingests.pop(camera_id).stop(timeout=0)
            self._apply_detectors(wanted)
            self._wanted, self._held = wanted, cameras.held

    def _apply(self, camera_id: str, want: _Wanted) -> None:
        ingest = self.ingests.get(camera_id)
        before = self._wanted.get(camera_id, want)
        if ingest is not None and (before.url, before.transport) == (want.url, want.transport):
            ingest.record = want.record
            return
        if ingest is not None:
            ingest.stop(timeout=0)
        ingest = CameraIngest(
            camera_id,
            want.url,
            want.record,
            self._store(want.owner_id, camera_id),
            functools.partial(camera_policy, self.ctx.settings),
            functools.partial(self._vet_target, want.owner_id),
            segment_seconds=self.ctx.settings.segment_seconds,
            connection=ConnectionPolicy(
                want.transport,
                want.learned,
                functools.partial(self._remember_transport, camera_id),
            ),
        )
        self.ingests[camera_id] = ingest
        ingest.start()

    def _apply_sub(self, camera_id: str, want: _Wanted) -> None:
        """Run the sub-stream's live-only ingest while the main stream is H.265, or while
        motion is detected on the camera (the sub-stream is what is analysed)."""
        ingest, main = self.sub_ingests.get(camera_id), self.ingests[camera_id]
        codec = main.status.codec or want.main_codec
        url = want.sub_url if codec == HEVC or want.detection is not None else None
        if ingest is not None and ingest.url == url:
            return
        if ingest is not None:
            self.sub_ingests.pop(camera_id).stop(timeout=0)
        if url is None:
            return
        ingest = CameraIngest(
            camera_id,
            url,
            False,  # live only: the recording is the main stream's
            _nothing_stored,
            functools.partial(camera_policy, self.ctx.settings),
            functools.partial(self._vet_target, want.owner_id),
            connection=ConnectionPolicy(want.transport),
        )
        self.sub_ingests[camera_id] = ingest
        ingest.start()

    def _apply_detectors(self, wanted: dict[str, _Wanted]) -> None:
        """One detector per camera with detection on, tapping its sub-stream's ingest if it
        has one (and it works), else its main stream's (keyframes only); new settings handed
        over. A detector whose source changes is replaced (its open event closes)."""
        detecting = {camera_id for camera_id, want in wanted.items() if want.detection}
        for camera_id in set(self.detectors) - detecting:
            self._drop_detector(camera_id)
        for camera_id in detecting:
            want, main = wanted[camera_id], self.ingests[camera_id]
            sub = self.sub_ingests.get(camera_id)
            assert want.detection is not None
            if sub is not None and _failing(sub) and main.status.online:
                sub = None  # a sub-stream that fails while the main works: keyframes meanwhile
            source = sub if sub is not None else main
            detector = self.detectors.get(camera_id)
            if detector is not None and source.tap == detector.offer:
                detector.settings = want.detection
                continue
            if detector is not None:
                self._drop_detector(camera_id)
            detector = CameraDetector(
                self.ctx,
                owner_id=want.owner_id,
                camera_id=camera_id,
                settings=want.detection,
                keyframes_only=sub is None,
                main_hub=functools.partial(self.hub, camera_id),
            )
            self.detectors[camera_id] = detector
            detector.start()
            source.tap = detector.offer

    def _drop_detector(self, camera_id: str) -> None:
        """Stop the camera's detector (its open event closes in its own thread)."""
        detector = self.detectors.pop(camera_id)
        for ingest in (self.ingests.get(camera_id), self.sub_ingests.get(camera_id)):
            if ingest is not None and ingest.tap == detector.offer:
                ingest.tap = None
        detector.stop(timeout=0)

    def _remember_transport(self, camera_id: str, transport: str) -> None:
        """Store the transport that worked (from the ingest's thread, once per change)."""
        try:
            with self.ctx.db.session() as session:
                changed = update(Camera).where(Camera.id == camera_id)
                session.execute(changed.values(rtsp_transport_used=transport))
        except Exception:  # remembering is an optimisation: the ingest goes on
            log.exception("storing a camera's transport failed", extra={"camera": camera_id})

    def _vet_target(self, owner_id: str, address: StreamAddress, host: str) -> None:
        """Before each connection: the stream at the address the name resolves to now is
        not another account's (a name bound while it pointed elsewhere is refused)."""
        check_stream_holder(self.ctx, owner_id=owner_id, key=stream_key_at(self.ctx, address, host))

    def _store(self, owner_id: str, camera_id: str) -> SegmentWriter:
        return SegmentWriter(self.vault, owner_id, camera_id)

    def _read_cameras(self) -> _Cameras:
        with self.ctx.db.session() as session:
            cameras = list(session.scalars(select(Camera).order_by(Camera.activated_at)))
            held = dict.fromkeys(held_cameras(session, at=self.ctx.clock.now()), RESTRICTED)
            for camera in cameras:
                if camera.id not in held and camera.privacy_mode:
                    held[camera.id] = PRIVACY_MODE
                if camera.id not in held and not self._has_stream(session, camera):
                    held[camera.id] = STREAM_TAKEN
            detection = settings_of_all(session, [c for c in cameras if c.id not in held])
            wanted = {
                c.id: _Wanted(
                    c.owner_id,
                    stream_url(self.ctx, c),
                    c.records,
                    c.rtsp_transport,
                    c.rtsp_transport_used,
                    stream_url(self.ctx, c, sub=True) if c.sub_rtsp_url else None,
                    c.video_codec,
                    detection[c.id] if detection[c.id].enabled else None,
                )
                for c in cameras
                if c.id not in held and c.rtsp_url
            }
            return _Cameras(wanted, held)

    def _has_stream(self, session: Session, camera: Camera) -> bool:
        """Cameras bound before streams had an identity get theirs now, the earliest bound
        first; one whose stream another account already holds is not connected to (and
        asked about again now and then: a name is resolved for it, so not every pass)."""
        if camera.stream_key is not None or not camera.rtsp_url:
            return True
        if self._retry_taken.get(camera.id, 0.0) > time.monotonic():
            return False
        try:  # a refusal changes nothing: no savepoint needed
            assign_stream(self.ctx, session, camera, camera.rtsp_url)
        except HearthwatchError as err:
            if err.code != "camera.bound_elsewhere":
                return True  # an address the policy refuses: the ingest shows that problem
            self._retry_taken[camera.id] = time.monotonic() + TAKEN_RETRY_S
            return False
        return True

    def _note_last_seen(self) -> None:
        """Store when each camera was last seen and what it sends: a camera offline for a
        known reason (a format we do not record) still shows the codec it was found with."""
        seen = {cid: i.status for cid, i in self.ingests.items() if i.status.codec}
        if not seen:
            return
        with self.ctx.db.session() as session:
            for camera in session.scalars(select(Camera).where(Camera.id.in_(seen))):
                status = seen[camera.id]
                if status.last_frame_at is not None:
                    camera.last_seen_at = datetime.fromtimestamp(status.last_frame_at, UTC)
                camera.video_codec, camera.video_fps = status.codec, status.fps
                camera.video_width, camera.video_height = status.width, status.height


def _failing(ingest: CameraIngest) -> bool:
    """Whether the ingest's stream is down for a known problem (not merely connecting)."""
    return ingest.status.problem is not None and not ingest.status.online


def _nothing_stored(segment: FinishedSegment) -> None:
    """A live-only ingest's segments (never called: it does not record)."""

"""Everything a request or command needs, built once from the settings and passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from hearthwatch.clock import Clock, clock
from hearthwatch.db import Database
from hearthwatch.mail import Mailer, make_mailer
from hearthwatch.media.live_streams import LiveSources
from hearthwatch.media.store import MediaVault
from hearthwatch.privacy.audit.receipts import ReceiptSigner
from hearthwatch.security.datakeys import DataKeys
from hearthwatch.security.keys import Keyring, load_or_create_master_key
from hearthwatch.security.passwords import PasswordPolicy
from hearthwatch.security.sealed_columns import ColumnSealer, install
from hearthwatch.security.throttle import BackOff, Throttle
from hearthwatch.settings import Settings
from hearthwatch.storage import make_blob_store


class RunningRecorder(LiveSources, Protocol):
    """What requests and commands ask of the recorder running in this process
    (`media.recorder.Recorder`): a protocol, so that the context, which nearly every module
    imports, does not import the recorder, which imports devices, retention and limits."""

    def stop(self) -> None: ...
    def sync(self) -> None: ...
    def forget(self, camera_id: str) -> None: ...


class EventSink(Protocol):
    """Who hears of events as they happen (issue 14): the alert dispatcher the commands wire
    in (`notify/`), handed to the detectors in `events/` through the context, so that events
    never import the notifications built on top of them. Called from a detector's thread; it
    must return at once (the work goes to the sink's own thread or the job queue)."""

    def event_opened(self, event_id: str) -> None: ...
    def event_updated(self, event_id: str) -> None: ...
    def event_closed(self, event_id: str) -> None: ...


@dataclass
class AppContext:
    settings: Settings
    db: Database
    mailer: Mailer
    passwords: PasswordPolicy
    keyring: Keyring
    vault: MediaVault
    clock: Clock = clock
    recorder: RunningRecorder | None = None
    event_sink: EventSink | None = None  # set where the recorder runs (server.py, demo.py)
    login_throttle: Throttle = field(default_factory=lambda: Throttle(limit=30, window_s=60))
    code_throttle: Throttle = field(default_factory=lambda: Throttle(limit=10, window_s=60))
    # Wrong passwords per (account, client address): growing delays, never a lock-out.
    login_backoff: BackOff = field(default_factory=BackOff)

    @property
    def csrf_key(self) -> bytes:
        return self.keyring.derive("csrf")

    @cached_property
    def receipts(self) -> ReceiptSigner:
        """Signs the receipts users keep (consent changes, erasures, completed requests)."""
        return ReceiptSigner(self.keyring)

    def close(self) -> None:
        if self.recorder is not None:
            self.recorder.stop()
        self.db.dispose()
        self.vault.keys.db.dispose()


def build_context(settings: Settings, *, mailer: Mailer | None = None) -> AppContext:
    """Wire the service from its settings; tests may hand in their own mailer."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    master_key = load_or_create_master_key(settings.data_dir, settings.master_key)
    keyring = Keyring(master_key)
    db = Database(settings.resolved_database_url)
    vault = MediaVault(
        db=db,
        blobs=make_blob_store(settings),
        keys=DataKeys(
            Database(settings.resolved_keyring_url),
            keyring,
            copies_dir=settings.data_dir / "keyring-copies",
        ),
    )
    install(db, ColumnSealer(vault.keys, keyring))
    return AppContext(
        settings=settings,
        db=db,
        vault=vault,
        mailer=mailer or make_mailer(settings),
        passwords=PasswordPolicy(
            min_score=settings.min_password_score,
            time_cost=settings.argon2_time_cost,
            memory_kib=settings.argon2_memory_kib,
        ),
        keyring=keyring,
        login_throttle=Throttle(limit=settings.login_rate_per_minute, window_s=60),
        code_throttle=Throttle(limit=max(5, settings.login_rate_per_minute // 3), window_s=60),
        login_backoff=BackOff(
            free=settings.login_failures_before_lock, cap_s=settings.login_lock_minutes * 60
        ),
    )

"""Every kind of resource the resolver decides on, declared as data (one row per kind).

A row says which table holds the resource, which column names its owning account, what a
refusal looks like (the same "not found" as a missing one: ids cannot be probed), which
records count as gone although still stored (a revoked session), what the owner may do,
and what each role may do to anyone's. Share grants, household members and user-approved
support grants will add columns here; no route or service decides on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hearthwatch.access.principal import Role
from hearthwatch.accounts.models import ApiToken, BrowserSession
from hearthwatch.devices.models import Camera
from hearthwatch.events.models import Event
from hearthwatch.homes.models import ArmingSchedule
from hearthwatch.media.models import Segment
from hearthwatch.notify.models import PushSubscription, Webhook
from hearthwatch.privacy.consent.models import ConsentRecord
from hearthwatch.privacy.erasure.models import ErasureReceipt
from hearthwatch.privacy.export.models import DataExport
from hearthwatch.privacy.limits.models import ProcessingLimit
from hearthwatch.privacy.requests.models import RightsRequest


class Kind(StrEnum):
    CAMERA = "camera"
    RECORDING = "recording"  # one stored segment of a camera's video
    EVENT = "event"  # something a camera detected (motion), with its thumbnail and span
    EXPORT = "export"
    RIGHTS_REQUEST = "rights_request"
    ERASURE_RECEIPT = "erasure_receipt"
    CONSENT_CHANGE = "consent_change"  # one entry of the consent ledger, with its receipt
    PROCESSING_LIMIT = "processing_limit"
    SESSION = "session"
    API_TOKEN = "api_token"  # noqa: S105 (the name of a kind, not a secret)
    ARMING_SCHEDULE = "arming_schedule"  # an entry of a home's schedule (owner: the home's)
    PUSH_SUBSCRIPTION = "push_subscription"  # a browser that turned alerts by push on
    WEBHOOK = "webhook"  # an address a user's alerts are POSTed to


class Action(StrEnum):
    VIEW = "view"  # see the resource (a device and its status, a record)
    WATCH_LIVE = "watch_live"
    PLAYBACK = "playback"  # recorded video, snapshots, clips
    CONTROL = "control"  # PTZ, intercom, device commands
    CONFIGURE = "configure"  # rename, recording mode, retention, restricting its use
    UNBIND = "unbind"  # remove the device and erase its video
    CHANGE = "change"  # act on a record: verify, revoke, lift, delete, erase
    HANDLE = "handle"  # an operator working a rights request (never the person's view)


CAMERA_ACTIONS = frozenset(
    {
        Action.VIEW,
        Action.WATCH_LIVE,
        Action.PLAYBACK,
        Action.CONTROL,
        Action.CONFIGURE,
        Action.UNBIND,
    }
)
RECORD_ACTIONS = frozenset({Action.VIEW, Action.CHANGE})


@dataclass(frozen=True)
class Rule:
    model: type[Any]
    owner_column: str
    missing: tuple[str, str]  # (message, code) of the one refusal, as for a missing record
    owner_actions: frozenset[Action] = RECORD_ACTIONS
    role_actions: Mapping[Role, frozenset[Action]] = field(default_factory=dict)
    gone: Callable[[Any], bool] = lambda record: False  # stored but no longer there for use

    def owner_of(self, record: Any) -> str | None:
        owner: str | None = getattr(record, self.owner_column)
        return owner


def _revoked(record: Any) -> bool:
    return record.revoked_at is not None


def _lifted(record: Any) -> bool:
    return record.lifted_at is not None


RULES: Mapping[Kind, Rule] = {
    Kind.CAMERA: Rule(Camera, "owner_id", ("No such camera.", "camera.not_found"), CAMERA_ACTIONS),
    Kind.RECORDING: Rule(Segment, "owner_id", ("No such recording.", "erasure.segment_not_found")),
    Kind.EVENT: Rule(Event, "owner_id", ("No such event.", "event.not_found")),
    Kind.EXPORT: Rule(DataExport, "user_id", ("No such export.", "privacy.export_not_found")),
    Kind.RIGHTS_REQUEST: Rule(
        RightsRequest,
        "user_id",
        ("No such request.", "privacy.request_not_found"),
        role_actions={Role.OPERATOR: frozenset({Action.HANDLE})},
    ),
    Kind.ERASURE_RECEIPT: Rule(
        ErasureReceipt, "owner_id", ("No such receipt.", "erasure.receipt_not_found")
    ),
    Kind.CONSENT_CHANGE: Rule(
        ConsentRecord, "user_id", ("There is no such consent change.", "consent.not_found")
    ),
    Kind.PROCESSING_LIMIT: Rule(
        ProcessingLimit,
        "user_id",
        ("No such active limit.", "privacy.limit_not_found"),
        gone=_lifted,
    ),
    Kind.SESSION: Rule(
        BrowserSession,
        "user_id",
        ("No such active session.", "session.not_found"),
        gone=_revoked,
    ),
    Kind.API_TOKEN: Rule(ApiToken, "user_id", ("No such token.", "token.not_found"), gone=_revoked),
    Kind.ARMING_SCHEDULE: Rule(
        ArmingSchedule, "owner_id", ("No such schedule entry.", "homes.schedule_not_found")
    ),
    Kind.PUSH_SUBSCRIPTION: Rule(
        PushSubscription, "user_id", ("No such push subscription.", "notify.subscription_not_found")
    ),
    Kind.WEBHOOK: Rule(Webhook, "user_id", ("No such webhook.", "notify.webhook_not_found")),
}

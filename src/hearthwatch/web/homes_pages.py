"""/home/arming: the home's arming mode (Home, Away, Night, Off) as one big switch, which
cameras alert in each mode, the home's time zone, and the schedule that switches modes.

Plain forms that work without JavaScript; `static/arming.js` offers the browser's own time
zone. Every rule is the homes service's (`homes/service.py`), as for the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from hearthwatch.access.resolver import Action, Kind, owned, visible_cameras
from hearthwatch.accounts.signin import Caller
from hearthwatch.api.deps import ContextDep
from hearthwatch.context import AppContext
from hearthwatch.homes import service
from hearthwatch.homes.models import BY_SCHEDULE, ArmingSchedule, Home
from hearthwatch.homes.schemas import WEEKDAYS, day_names, days_mask
from hearthwatch.web.deps import Again, CheckedForm, WebRoute, shown_again, viewer_from
from hearthwatch.web.forms import FormProblem, PostedForm
from hearthwatch.web.rendering import redirect, render
from hearthwatch.web.viewer import WebDb

router = APIRouter(prefix="/home/arming", route_class=WebRoute)

PAGE = "/home/arming"
ArmingViewer = Annotated[Caller, viewer_from(PAGE)]


@dataclass(frozen=True)
class ModeShown:
    key: str
    label: str
    explained: str


MODES_SHOWN: tuple[ModeShown, ...] = (
    ModeShown("home", "Home", "Someone is in: only the cameras you choose alert."),
    ModeShown("away", "Away", "Nobody is in: the cameras you choose alert (all, unless changed)."),
    ModeShown("night", "Night", "Everyone is asleep: the cameras you choose alert."),
    ModeShown("off", "Off", "No camera alerts (unless you choose some)."),
)
LABELS = {mode.key: mode.label for mode in MODES_SHOWN}
DAY_LABELS = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))
ZONES = sorted(service.known_zones())
NOTICES = {
    "cameras": "Saved: those cameras alert in that mode.",
    "home": "Your home's settings are saved.",
    "schedule_added": "The schedule entry is added.",
    "schedule_removed": "The schedule entry is removed.",
}
FIELDS = {
    "homes.schedule_days_invalid": "days",
    "homes.schedule_time_invalid": "at",
    "homes.mode_unknown": "mode",
    "homes.timezone_unknown": "timezone",
}


def days_text(mask: int) -> str:
    """A schedule entry's weekdays in words: "Every day", "Mon to Fri", or "Mon, Wed"."""
    days = day_names(mask)
    if len(days) == len(WEEKDAYS):
        return "Every day"
    if days == list(WEEKDAYS[:5]):
        return "Mon to Fri"
    return ", ".join(DAY_LABELS[day] for day in days)


def _changed_by(home: Home, viewer: Caller) -> str:
    if home.mode_changed_by == BY_SCHEDULE:
        return "the schedule"
    return "you" if home.mode_changed_by == viewer.user.id else "someone else"


def _page(
    request: Request,
    ctx: AppContext,
    db: Session,
    viewer: Caller,
    problem: FormProblem | None = None,
    status: int = 200,
) -> Response:
    home = service.home_of(db, user_id=viewer.user.id, now=ctx.clock.now())
    done = request.query_params.get("done", "")
    notice = f"Armed: {LABELS[home.arming_mode]}." if done == "mode" else NOTICES.get(done)
    return render(
        request, ctx, "arming.html", viewer=viewer, section="arming", status=status,
        problem=problem, notice=notice, home=home, modes=MODES_SHOWN, labels=LABELS,
        changed_by=_changed_by(home, viewer), cameras=visible_cameras(db, viewer.user),
        chosen=service.mode_cameras(db, home), schedules=service.schedules_of(db, home),
        day_labels=DAY_LABELS, days_text=days_text, zones=ZONES,
    )  # fmt: skip


def _home(ctx: AppContext, db: Session, viewer: Caller) -> Home:
    return service.home_of(db, user_id=viewer.user.id, now=ctx.clock.now())


@router.get("")
def arming_page(request: Request, ctx: ContextDep, db: WebDb, viewer: ArmingViewer) -> Response:
    return _page(request, ctx, db, viewer)


@router.post("/mode")
def set_mode(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ArmingViewer, form: CheckedForm
) -> Response:
    """One press of the switch: `mode` is home, away, night or off."""
    with shown_again(_again(request, ctx, db, viewer), FIELDS):
        home = _home(ctx, db, viewer)
        service.set_mode(db, home, mode=form.value("mode"), by=viewer.user.id,
                         now=ctx.clock.now())  # fmt: skip
    return redirect(PAGE, done="mode")


@router.post("/modes/{mode}")
def choose_cameras(
    mode: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: ArmingViewer,
    form: CheckedForm,
) -> Response:
    """The cameras ticked (`camera-<id>` fields) alert in `mode`; the others do not."""
    chosen = [name.removeprefix("camera-") for name in form.fields if name.startswith("camera-")]
    with shown_again(_again(request, ctx, db, viewer), FIELDS):
        home = _home(ctx, db, viewer)
        service.choose_cameras(db, home, user_id=viewer.user.id, mode=mode, camera_ids=chosen)
    return redirect(PAGE, done="cameras")


@router.post("/home")
def update_home(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ArmingViewer, form: CheckedForm
) -> Response:
    """The home's name and time zone."""
    with shown_again(_again(request, ctx, db, viewer), FIELDS):
        home = _home(ctx, db, viewer)
        name = form.value("name")[:64] or None
        service.update_home(db, home, name=name, timezone=form.value("timezone") or None)
    return redirect(PAGE, done="home")


@router.post("/schedules")
def add_schedule(
    request: Request, ctx: ContextDep, db: WebDb, viewer: ArmingViewer, form: CheckedForm
) -> Response:
    """A schedule entry: the ticked weekdays (`day-mon` ...), a time and a mode."""
    with shown_again(_again(request, ctx, db, viewer), FIELDS):
        home = _home(ctx, db, viewer)
        entry = service.ScheduleEntry(_days(form), form.value("at"), form.value("mode"))
        service.add_schedule(db, home, entry, now=ctx.clock.now())
    return redirect(PAGE, done="schedule_added")


def _days(form: PostedForm) -> int:
    return days_mask([day for day in WEEKDAYS if form.value(f"day-{day}")])


@router.post("/schedules/{schedule_id}/delete")
def remove_schedule(
    schedule_id: str,
    request: Request,
    ctx: ContextDep,
    db: WebDb,
    viewer: ArmingViewer,
    form: CheckedForm,
) -> Response:
    """Remove an entry; anyone else's is "page not found", as a missing one."""
    schedule: ArmingSchedule = owned(
        db, Kind.ARMING_SCHEDULE, schedule_id, user_id=viewer.user.id, action=Action.CHANGE
    )
    service.remove_schedule(db, schedule)
    return redirect(PAGE, done="schedule_removed")


def _again(request: Request, ctx: AppContext, db: Session, viewer: Caller) -> Again:
    return lambda problem, status: _page(request, ctx, db, viewer, problem, status)

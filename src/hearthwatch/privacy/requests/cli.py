"""`hearthwatch privacy requests ...`: the operator's side of rights requests (P25-P27).

The scheduler in the recording process runs the reminders every hour (at most one mail a
day per request) to HEARTHWATCH_PRIVACY_OPERATOR_EMAIL: every open request due within the
reminder window or overdue. `remind` does the same by hand. Each reminder is audited.

A complaint (P27) is answered within 30 days: `extend` refuses it with
`privacy.complaint_not_extendable`, as the API and the desk do.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError
from hearthwatch.privacy.requests import operator as requests_operator
from hearthwatch.privacy.requests import service as requests
from hearthwatch.privacy.requests.models import RightsRequest
from hearthwatch.settings import Settings


def register(commands: Any) -> None:
    group = commands.add_parser("requests", help="rights requests and complaints")
    sub = group.add_subparsers(title="request commands")
    listing = sub.add_parser("list", help="requests by due date")
    listing.add_argument("--open", action="store_true", help="only open requests")
    listing.add_argument("--json", action="store_true", help="print JSON")
    listing.set_defaults(run=_run(_list))
    show = sub.add_parser("show", help="one request with its steps (the viewing is audited)")
    show.add_argument("id", help="the request's id (see `privacy requests list`)")
    show.add_argument("--operator", default=_default_operator(), help="who is looking")
    show.set_defaults(run=_run(_show))
    _action(sub, "start", "start working on a verified request", _start)
    _action(sub, "complete", "answer a request", _complete, text="--resolution")
    _action(sub, "refuse", "refuse a request, with the reason", _refuse, text="--reason")
    extend = _action(
        sub, "extend", "extend by up to 2 months in all (never a complaint)", _extend,
        text="--reason",
    )  # fmt: skip
    extend.add_argument(
        "--months", type=int, choices=(1, 2), required=True, help="how many months to add"
    )
    charge = _action(sub, "charge", "ask a fee for a repeated request", _charge, text="--reason")
    charge.add_argument(
        "--fee-cents", type=int, required=True, help="the fee, in cents, at cost (P26)"
    )
    remind = sub.add_parser("remind", help="mail the operator what is due soon or overdue")
    remind.set_defaults(run=_run(_remind))


def _action(
    sub: Any, name: str, help_text: str, work: Callable[..., Any], text: str | None = None
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = sub.add_parser(name, help=help_text)
    parser.add_argument("id", help="the request's id (see `privacy requests list`)")
    parser.add_argument("--operator", default=_default_operator(), help="who is acting")
    if text:
        parser.add_argument(text, required=True, help="shown to the requester and kept")
    parser.set_defaults(run=_run(work))
    return parser


def _default_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def _run(work: Callable[[AppContext, Session, argparse.Namespace], int]) -> Any:
    def run(settings: Settings, args: argparse.Namespace) -> int:
        from hearthwatch.context import build_context

        ctx = build_context(settings)
        try:
            with ctx.db.session() as db:
                return work(ctx, db, args)
        except HearthwatchError as err:
            print(f"hearthwatch: {err.code}: {err.message}", file=sys.stderr)
            return 1
        finally:
            ctx.close()

    return run


def _line(r: RightsRequest) -> str:
    flag = f" (repeat of {r.repeat_of})" if r.repeat_of else ""
    return f"{r.id}  {r.kind:<13} {r.status:<17} due {r.due_at:%Y-%m-%d}{flag}"


def _list(ctx: AppContext, db: Session, args: argparse.Namespace) -> int:
    found = requests.list_all(db, open_only=args.open)
    if args.json:
        print(json.dumps([_summary(r) for r in found]))
    else:
        print("\n".join(_line(r) for r in found) or "no requests")
    return 0


def _summary(r: RightsRequest) -> dict[str, Any]:
    return {
        "id": r.id, "kind": r.kind, "status": r.status, "due_at": r.due_at.isoformat(),
        "received_at": r.received_at.isoformat(), "repeat_of": r.repeat_of,
    }  # fmt: skip


def _show(ctx: AppContext, db: Session, args: argparse.Namespace) -> int:
    opened = requests_operator.view(ctx, db, request_id=args.id, operator=args.operator)
    r = opened.entry.request
    print(_line(r))
    print(f"person: {opened.entry.person}")
    print(f"details: {r.details}")
    for step in opened.steps:
        print(f"  {step.at:%Y-%m-%d %H:%M} {step.status:<17} by {step.by}  {step.note or ''}")
    return 0


def _done(r: RightsRequest) -> int:
    print(_line(r))
    return 0


def _start(ctx: AppContext, db: Session, args: argparse.Namespace) -> int:
    return _done(requests.start(ctx, db, request_id=args.id, operator=args.operator))


def _complete(ctx: AppContext, db: Session, args: argparse.Namespace) -> int:
    made = requests.complete(
        ctx, db, request_id=args.id, operator=args.operator, resolution=args.resolution
    )
    return _done(made)


def _refuse(ctx: AppContext, db: Session, args: argparse.Namespace) -> int:
    made = requests.refuse(ctx, db, request_id=args.id, operator=args.operator, reason=args.reason)
    return _done(made)


def _extend(ctx: AppContext, db: Session, args: argparse.Namespace) -> int:
    made = requests.extend(
        ctx, db, request_id=args.id, operator=args.operator, months=args.months, reason=args.reason
    )
    return _done(made)


def _charge(ctx: AppContext, db: Session, args: argparse.Namespace) -> int:
    made = requests.charge(
        ctx, db, request_id=args.id, operator=args.operator, fee_cents=args.fee_cents,
        reason=args.reason,
    )  # fmt: skip
    return _done(made)


def _remind(ctx: AppContext, db: Session, args: argparse.Namespace) -> int:
    reminders = requests.remind(ctx, db)
    for r in reminders:
        print(
            f"{r.request_id}  {r.kind:<13} {'OVERDUE' if r.overdue else 'due'} {r.due_at:%Y-%m-%d}"
        )
    print(f"{len(reminders)} request(s) need an answer")
    return 0

"""`hearthwatch privacy minors ...`: accounts waiting for a guardian's consent (P4).

    list     accounts on hold, soonest deadline first (addresses masked)
    clear    the holder showed they are 16 or older: lift the hold
    sweep    delete every account whose consent did not come in time
    reports  reports of a child's account waiting for review, with the holder's answer
    dismiss  a report does not hold up: it ends, the holder is told
    confirm  a report holds up: the account is put on hold until a guardian consents

A report restricts nothing until it is confirmed (`privacy/minors/review.py`).

The server runs the sweep by itself (the scheduler's `privacy.minors` job, every 15
minutes); the command is for a server that is stopped.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from hearthwatch.errors import HearthwatchError
from hearthwatch.privacy.minors.models import GuardianConsent
from hearthwatch.security.masking import mask_email
from hearthwatch.settings import Settings


def register(commands: Any) -> None:
    group = commands.add_parser("minors", help="accounts waiting for a guardian's consent")
    sub = group.add_subparsers(title="minors commands")
    sub.add_parser("list", help="accounts on hold").set_defaults(run=run_list)
    clear = sub.add_parser("clear", help="the holder showed they are 16+: lift the hold")
    clear.add_argument("account_id", help="the held account's id (see `privacy minors list`)")
    clear.add_argument("--operator", default=_default_operator(), help="who is acting")
    clear.add_argument("--reason", help="how they showed it (kept in the audit log)")
    clear.set_defaults(run=run_clear)
    sub.add_parser("sweep", help="delete accounts past their deadline").set_defaults(run=run_sweep)
    sub.add_parser("reports", help="reports waiting for review").set_defaults(run=run_reports)
    for name, help_text in (
        ("dismiss", "the report does not hold up: end it, tell the holder"),
        ("confirm", "the account is a child's: put it on hold until a guardian consents"),
    ):
        decide = sub.add_parser(name, help=help_text)
        decide.add_argument("report_id", help="the report's id (see `privacy minors reports`)")
        decide.add_argument("--operator", default=_default_operator(), help="who is acting")
        decide.add_argument("--reason", required=True, help="why (kept in the audit log)")
        decide.set_defaults(run=run_decide, decision=name)


def _default_operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.minors import service as minors

    ctx = build_context(settings)
    try:
        with ctx.db.session() as db:
            lines = [_line(c) for c in minors.pending(db)]
    finally:
        ctx.close()
    print("\n".join(lines) or "no account waits for consent")
    return 0


def _line(c: GuardianConsent) -> str:
    guardian = mask_email(c.guardian_email) if c.guardian_email else "(not named yet)"
    return (
        f"{c.user_id}  {c.reason:<8}  guardian {guardian}  deleted {c.deadline_at:%Y-%m-%d %H:%M}"
    )


def run_clear(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.minors import service as minors

    ctx = build_context(settings)
    try:
        with ctx.db.session() as db:
            minors.clear_as_adult(
                ctx, db, user_id=args.account_id, operator=args.operator, note=args.reason
            )
    except HearthwatchError as err:
        print(f"hearthwatch: {err.code}: {err.message}", file=sys.stderr)
        return 1
    finally:
        ctx.close()
    print(f"hold lifted for {args.account_id}")
    return 0


def run_sweep(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.minors import service as minors

    ctx = build_context(settings)
    try:
        deleted = minors.sweep(ctx)
    finally:
        ctx.close()
    print(f"{deleted} account(s) without consent deleted")
    return 0


def run_reports(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.minors import review as minors_review

    ctx = build_context(settings)
    try:
        with ctx.db.session() as db:
            lines = [_report_line(r) for r in minors_review.open_reports(db)]
    finally:
        ctx.close()
    print("\n".join(lines) or "no report waits for review")
    return 0


def _report_line(report: Any) -> str:
    answer = f'answered: "{report.answer}"' if report.answer else "no answer yet"
    return (
        f"{report.report_id}  account {report.account_id} ({report.account})  "
        f"reported {report.reported_at:%Y-%m-%d %H:%M}  {answer}"
    )


def run_decide(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.mail import deferred
    from hearthwatch.privacy.minors import review as minors_review

    decide = minors_review.confirm if args.decision == "confirm" else minors_review.dismiss
    ctx = build_context(settings)
    try:
        with ctx.db.session() as db:
            mails = decide(
                ctx, db, report_id=args.report_id, operator=args.operator, reason=args.reason
            )
        deferred.send_all(ctx.mailer, mails)  # once the decision is committed
    except HearthwatchError as err:
        print(f"hearthwatch: {err.code}: {err.message}", file=sys.stderr)
        return 1
    finally:
        ctx.close()
    print(f"report {args.report_id} {args.decision}ed")
    return 0

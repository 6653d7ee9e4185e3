"""`hearthwatch privacy retention run` and `privacy close-account`."""

from __future__ import annotations

import argparse
import json
from typing import Any

from hearthwatch.settings import Settings


def register(commands: Any) -> None:
    retention = commands.add_parser("retention", help="retention of personal data")
    retention_commands = retention.add_subparsers(title="retention commands")
    run = retention_commands.add_parser(
        "run", help="apply every retention rule once, now (recordings included)"
    )
    run.add_argument("--json", action="store_true", help="print what was done as JSON")
    run.set_defaults(run=run_retention)
    close = commands.add_parser(
        "close-account", help="close an account: sign-in refused, data erased after 6 months"
    )
    which = close.add_mutually_exclusive_group(required=True)
    which.add_argument("--email", help="the account's sign-in address")
    which.add_argument("--account", metavar="ID", help="the account's id (see `user list`)")
    close.add_argument("--operator", default="cli", help="your name, for the audit log")
    close.set_defaults(run=run_close_account)


def run_retention(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.media import retention as recordings
    from hearthwatch.privacy.retention import service as retention

    ctx = build_context(settings)
    try:
        now_us = int(ctx.clock.now().timestamp() * 1_000_000)
        report = retention.sweep(ctx)
        report.add("segments", recordings.sweep(ctx, now_us=now_us).by_age)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        deleted = ", ".join(f"{t} {n}" for t, n in sorted(report.deleted.items())) or "nothing"
        print(
            f"retention sweep: deleted {deleted}; accounts erased: "
            f"{report.closed_accounts_erased} closed, {report.inactive_accounts_erased} inactive; "
            f"inactivity warnings sent: {report.inactivity_warnings_sent}; "
            f"IP addresses truncated: {report.ips_truncated}"
        )
    return 0


def run_close_account(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.accounts.admin_cli import find_account
    from hearthwatch.context import build_context
    from hearthwatch.errors import HearthwatchError
    from hearthwatch.privacy.audit import service as audit
    from hearthwatch.privacy.retention.closure import close_account, deletion_date

    ctx = build_context(settings)
    try:
        with ctx.db.session() as db:
            account_id = find_account(db, email=args.email, account_id=args.account).id
            user = close_account(
                ctx, db, user_id=account_id, actor=audit.actor_operator(args.operator)
            )
            closed_at = user.closed_at
    except HearthwatchError as err:
        print(f"hearthwatch: {err.message}")
        return 2
    finally:
        ctx.close()
    assert closed_at is not None
    erased = deletion_date(closed_at).isoformat()
    print(f"account {account_id} closed at {closed_at.isoformat()}; erased from {erased}")
    return 0

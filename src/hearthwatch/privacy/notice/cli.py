"""`hearthwatch privacy notice publish|check|export`: the versioned privacy notice."""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path
from typing import Any

from hearthwatch.settings import Settings


def register(commands: Any) -> None:
    notice = commands.add_parser("notice", help="the versioned privacy notice")
    notice_commands = notice.add_subparsers(title="notice commands")
    publish = notice_commands.add_parser(
        "publish", help="publish the notice generated from the data map if it changed"
    )
    publish.add_argument(
        "--effective-in-days",
        type=_days,
        default=None,
        help="announcement period of a material change (default: the setting, 30 days)",
    )
    publish.set_defaults(run=run_notice_publish)
    check = notice_commands.add_parser(
        "check", help="exit 1 when the published notice and the data map disagree"
    )
    check.set_defaults(run=run_notice_check)
    export = notice_commands.add_parser(
        "export", help="print or write the notice the data map generates (no database needed)"
    )
    export.add_argument(
        "--format", choices=("markdown", "json"), default="markdown", help="file format"
    )
    export.add_argument("--output", type=Path, help="write to this file instead of printing")
    export.add_argument(
        "--defaults",
        action="store_true",
        help="use the shipped default settings, not this installation's (as docs/ does)",
    )
    export.set_defaults(run=run_notice_export)


def _days(text: str) -> int:
    value = int(text)
    if not 1 <= value <= 365:
        raise argparse.ArgumentTypeError("give a number of days from 1 to 365")
    return value


def run_notice_publish(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.audit import service as audit
    from hearthwatch.privacy.notice import service as notice

    ctx = build_context(settings)
    announce = timedelta(days=args.effective_in_days) if args.effective_in_days else None
    try:
        with ctx.db.session() as db:
            result = notice.publish(ctx, db, announce=announce, actor=audit.actor_operator("cli"))
    finally:
        ctx.close()
    if result.version is None:
        print("the published notice already matches the data map; nothing to publish")
        return 0
    kind = "material change, announced to every user" if result.material else "minor change"
    print(
        f"published version {result.version.number} ({kind}), "
        f"effective {result.version.effective_at:%Y-%m-%d %H:%M} UTC"
    )
    for change in result.changes:
        print(f"  - {change}")
    return 0


def run_notice_check(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.notice import service as notice

    ctx = build_context(settings)
    try:
        with ctx.db.session() as db:
            current = notice.is_current(settings, db)
    finally:
        ctx.close()
    print("the published notice matches the data map" if current else "the notice is out of date")
    return 0 if current else 1


def run_notice_export(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.privacy.notice import export as notice_export
    from hearthwatch.privacy.notice.content import generate

    used = notice_export.default_settings() if args.defaults else settings
    text = notice_export.render(generate(used), args.format)
    if args.output is None:
        print(text, end="")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote the privacy notice to {args.output}")
    return 0

"""`hearthwatch backup create|restore` (see `privacy.backup` for the format and why the
keyring is never included). Kept apart so that building the CLI loads nothing heavy."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def add_backup_command(commands: Any) -> None:
    """`hearthwatch backup create --to DIR` and `hearthwatch backup restore --from DIR`."""
    group = commands.add_parser(
        "backup", help="back up and restore the database and blob store (never the keyring)"
    ).add_subparsers(title="backup commands")
    make = group.add_parser("create", help="write a backup into an empty folder")
    make.add_argument("--to", required=True, type=Path, metavar="DIR")
    make.set_defaults(run=_run_create)
    back = group.add_parser(
        "restore", help="restore a backup into an empty database (erased data stays erased)"
    )
    back.add_argument("--from", dest="source", required=True, type=Path, metavar="DIR")
    back.set_defaults(run=_run_restore)


def _run_create(settings: Any, args: Any) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.errors import HearthwatchError
    from hearthwatch.privacy import backup

    ctx = build_context(settings)
    try:
        report = backup.create(ctx, to=args.to)
    except HearthwatchError as err:
        print(f"hearthwatch: {err.message}")
        return 2
    finally:
        ctx.close()
    print(
        f"backup written to {report.path}: {report.accounts} account(s), "
        f"{report.objects} object(s); the keyring is not included (see manifest.json)"
    )
    return 0


def _run_restore(settings: Any, args: Any) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.db.migrate import upgrade
    from hearthwatch.errors import HearthwatchError
    from hearthwatch.privacy import backup

    ctx = build_context(settings)
    try:
        upgrade(settings.resolved_database_url)
        report = backup.restore(ctx, path=args.source)
    except HearthwatchError as err:
        print(f"hearthwatch: {err.message}")
        return 2
    finally:
        ctx.close()
    print(
        f"restored {report.accounts} account(s), {report.rows} row(s), {report.objects} "
        f"object(s); left out {len(report.skipped_accounts)} erased account(s) and "
        f"{report.skipped_objects} unreadable object(s)"
    )
    return 0

"""`hearthwatch backup create|restore|keyring` (see `privacy.backup` for the format and
`security.keyring_copies` for why a keyring copy never outlives an erasure). Kept apart so
that building the CLI loads nothing heavy."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def add_backup_command(commands: Any) -> None:
    """`hearthwatch backup create --to DIR`, `restore --from DIR`, `keyring`."""
    group = commands.add_parser(
        "backup",
        help="back up and restore the database, blob store and a sealed keyring copy",
    ).add_subparsers(title="backup commands")
    make = group.add_parser("create", help="write a backup into an empty folder")
    make.add_argument(
        "--to", required=True, type=Path, metavar="DIR", help="folder to write the backup into"
    )
    make.set_defaults(run=_run_create)
    back = group.add_parser(
        "restore", help="restore a backup into an empty database (erased data stays erased)"
    )
    back.add_argument(
        "--from",
        dest="source",
        required=True,
        type=Path,
        metavar="DIR",
        help="folder of a backup made by `backup create`",
    )
    back.add_argument(
        "--keyring-copy",
        type=Path,
        metavar="FILE",
        help="the keyring copy to take the keys from (default: the backup's own, else the "
        "copy folder's)",
    )
    back.set_defaults(run=_run_restore)
    keyring = group.add_parser(
        "keyring", help="renew the keyring copy in <data dir>/keyring-copies now"
    )
    keyring.set_defaults(run=_run_keyring)


def _run_create(settings: Any, args: Any) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.errors import HearthwatchError
    from hearthwatch.privacy.erasure import backup

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
        f"{report.objects} object(s), and a sealed keyring copy (see manifest.json)"
    )
    return 0


def _run_restore(settings: Any, args: Any) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.db.migrate import upgrade
    from hearthwatch.errors import HearthwatchError
    from hearthwatch.privacy.erasure import backup

    ctx = build_context(settings)
    try:
        upgrade(settings.resolved_database_url)
        report = backup.restore(ctx, path=args.source, keyring_copy=args.keyring_copy)
    except HearthwatchError as err:
        print(f"hearthwatch: {err.message}")
        return 2
    finally:
        ctx.close()
    print(
        f"restored {report.accounts} account(s), {report.rows} row(s), {report.objects} "
        f"object(s) with the keys of {report.keys_from}; left out "
        f"{len(report.skipped_accounts)} erased account(s) and "
        f"{report.skipped_objects} unreadable object(s)"
    )
    return 0


def _run_keyring(settings: Any, args: Any) -> int:
    from hearthwatch.context import build_context

    ctx = build_context(settings)
    try:
        copies = ctx.vault.keys.copies
        epoch = copies.refresh() if copies is not None else None
        folder = copies.folder if copies is not None else None
    finally:
        ctx.close()
    if epoch is None:
        print("hearthwatch: this installation keeps no keyring copies")
        return 2
    print(f"keyring copy renewed in {folder} (copy key {epoch[:8]}...)")
    return 0

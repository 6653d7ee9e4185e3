"""`hearthwatch privacy verify-erasure` and `hearthwatch privacy erasure-resume`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from hearthwatch.settings import Settings


def register(commands: Any) -> None:
    verify = commands.add_parser(
        "verify-erasure",
        help="check that nothing of an erased account or camera is readable; exit 1 if it is",
    )
    subject = verify.add_mutually_exclusive_group(required=True)
    subject.add_argument("--account", metavar="ID", help="an erased account's id")
    subject.add_argument("--camera", metavar="ID", help="an erased camera's id")
    verify.add_argument(
        "--backup",
        metavar="DIR",
        type=Path,
        action="append",
        help="also check a backup made before the erasure (repeat for each backup)",
    )
    verify.add_argument(
        "--look-for",
        metavar="TEXT",
        action="append",
        help="a trace of the person (e-mail, nickname, real name, camera address) that no "
        "file of the data directory or the backups may hold; repeat for each",
    )
    verify.add_argument(
        "--keyring-copy",
        metavar="FILE",
        type=Path,
        action="append",
        help="also try a keyring copy kept elsewhere (repeat for each)",
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(run=run_verify_erasure)
    resume = commands.add_parser(
        "erasure-resume", help="finish physical deletions that a stop interrupted"
    )
    resume.set_defaults(run=run_erasure_resume)


def run_verify_erasure(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.errors import HearthwatchError
    from hearthwatch.privacy.erasure.verify import verify

    backups = args.backup if isinstance(args.backup, list) else [args.backup] * bool(args.backup)
    ctx = build_context(settings)
    try:
        check = verify(
            ctx,
            account_id=args.account,
            camera_id=args.camera,
            backups=backups,
            look_for=getattr(args, "look_for", None) or [],
            keyring_copies=getattr(args, "keyring_copy", None) or [],
        )
    except HearthwatchError as err:
        print(f"hearthwatch: {err.message}")
        return 2
    finally:
        ctx.close()
    if args.json:
        print(json.dumps(check.as_dict()))
    elif check.ok:
        print(
            f"{check.subject}: nothing readable (checked {', '.join(check.places)}; "
            f"{check.unreadable_objects} object(s) left that no key opens)"
        )
    else:
        print(f"{check.subject}: READABLE DATA FOUND")
        for finding in check.readable:
            print(f"  - {finding}")
    return 0 if check.ok else 1


def run_erasure_resume(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.erasure.service import resume_pending

    ctx = build_context(settings)
    try:
        done = resume_pending(ctx)
    finally:
        ctx.close()
    print(f"finished {done} pending deletion(s)")
    return 0

"""`hearthwatch privacy import ARCHIVE --email ADDRESS`: move someone's data in (P23).

The archive is a "Download my data" ZIP from any Hearthwatch service. With an address that
has no account yet, one is created with a random password the operator never sees: the
person sets their own through "Forgot password".
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
from pathlib import Path
from typing import Any

from hearthwatch.settings import Settings


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "import", help="import a 'Download my data' archive into an account (new or existing)"
    )
    parser.add_argument("archive", type=Path, help="the ZIP file")
    parser.add_argument("--email", required=True, help="the account to import into")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run_import)


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.accounts.admin import create_confirmed_user
    from hearthwatch.accounts.registration import find_user_by_email
    from hearthwatch.context import build_context
    from hearthwatch.db.migrate import upgrade
    from hearthwatch.errors import HearthwatchError
    from hearthwatch.privacy.export.portability_import import import_archive

    if not args.archive.is_file():
        print(f"hearthwatch: no such file: {args.archive}", file=sys.stderr)
        return 2
    ctx = build_context(settings)
    upgrade(settings.resolved_database_url)
    try:
        with ctx.db.session() as session:
            user = find_user_by_email(session, args.email)
            created = user is None
            if user is None:
                password = secrets.token_urlsafe(24)
                user = create_confirmed_user(ctx, session, email=args.email, password=password)
            user_id = user.id
        summary = import_archive(ctx, user_id=user_id, path=args.archive)
    except HearthwatchError as err:
        print(f"hearthwatch: {err.code}: {err.message}", file=sys.stderr)
        return 1
    finally:
        ctx.close()
    result = {
        "account_id": user_id,
        "account_created": created,
        "profile_fields": summary.profile_fields,
        "cameras": summary.cameras,
        "segments": summary.segments,
    }
    if args.json:
        print(json.dumps(result))
    else:
        made = " (new account: set its password with 'Forgot password')" if created else ""
        print(
            f"imported into {args.email}{made}: {summary.cameras} cameras, "
            f"{summary.segments} recorded segments, profile: "
            f"{', '.join(summary.profile_fields) or 'nothing'}"
        )
    return 0

"""`hearthwatch privacy marketing send`: mail everyone who agreed to marketing mail."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from hearthwatch.settings import Settings


def register(commands: Any) -> None:
    marketing = commands.add_parser("marketing", help="marketing mail (consenting users only)")
    send = marketing.add_subparsers(title="marketing commands").add_parser(
        "send", help="mail everyone who agreed to marketing mail, with an unsubscribe link"
    )
    send.add_argument("--subject", required=True, help="the mail's subject line")
    send.add_argument("--body-file", required=True, type=Path, help="plain-text body")
    send.set_defaults(run=run_marketing_send)


def run_marketing_send(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.consent import marketing

    body = args.body_file.read_text(encoding="utf-8")
    if "public_url" not in settings.model_fields_set:
        # Only `serve` knows its own address: a command run beside it must be told (P28).
        print(f"hearthwatch: the unsubscribe links point at {settings.public_url}; set "
              "HEARTHWATCH_PUBLIC_URL to the address the service is reached at",
              file=sys.stderr)  # fmt: skip
    ctx = build_context(settings)
    try:
        with ctx.db.session() as db:
            result = marketing.send_campaign(ctx, db, subject=args.subject, body=body)
    finally:
        ctx.close()
    print(f"sent {result.sent} marketing mails; {result.skipped} accounts did not consent")
    return 0

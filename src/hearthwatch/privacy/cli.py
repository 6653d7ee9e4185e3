"""`hearthwatch privacy ...`: the operator's privacy tools.

Each area adds its own commands through a `register(commands)` function listed in
`COMMAND_MODULES`, so the areas stay in their own modules.
"""

from __future__ import annotations

import argparse
import importlib
import json
from typing import Any

from hearthwatch.settings import Settings

# Modules with a `register(commands: argparse._SubParsersAction) -> None` function.
COMMAND_MODULES: tuple[str, ...] = (
    "hearthwatch.privacy.cli",
    "hearthwatch.privacy.retention.cli",
    "hearthwatch.privacy.requests.cli",
    "hearthwatch.privacy.oversight.cli",
    "hearthwatch.privacy.erasure.cli",
    "hearthwatch.privacy.export.cli",
    "hearthwatch.privacy.consent.cli",
    "hearthwatch.privacy.notice.cli",
    "hearthwatch.privacy.minors.cli",
)


def add_privacy_command(commands: Any) -> None:
    privacy = commands.add_parser("privacy", help="privacy tools: audit log, erasure, retention")
    privacy_commands = privacy.add_subparsers(title="privacy commands")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(privacy_commands)


def register(commands: Any) -> None:
    audit = commands.add_parser("audit", help="the tamper-evident audit log").add_subparsers(
        title="audit commands"
    )
    verify = audit.add_parser(
        "verify", help="check every entry's hash and link; exit 1 when anything was altered"
    )
    verify.add_argument(
        "--expect-head", metavar="HASH", help="a head hash noted earlier that must still be there"
    )
    verify.add_argument("--json", action="store_true", help="print the result as JSON")
    verify.set_defaults(run=run_audit_verify)


def run_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.audit import service as audit

    ctx = build_context(settings)
    try:
        with ctx.db.session() as db:
            result = audit.verify(db, expect_head=args.expect_head)
    finally:
        ctx.close()
    if args.json:
        print(
            json.dumps(
                {
                    "ok": result.ok,
                    "entries": result.entries,
                    "head_hash": result.head_hash,
                    "problems": list(result.problems),
                }
            )
        )
    elif result.ok:
        print(f"audit log intact: {result.entries} entries, head {result.head_hash}")
    else:
        print(f"audit log ALTERED ({result.entries} entries read):")
        for problem in result.problems:
            print(f"  - {problem}")
    return 0 if result.ok else 1

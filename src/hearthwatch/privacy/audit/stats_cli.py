"""`hearthwatch privacy stats`: aggregated usage statistics with small groups suppressed."""

from __future__ import annotations

import argparse
import json
from typing import Any

from hearthwatch.settings import Settings


def register(commands: Any) -> None:
    stats = commands.add_parser(
        "stats", help="aggregated usage statistics (consenting people only; small groups hidden)"
    )
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(run=run_stats)


def run_stats(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.audit.statistics import as_json, usage_statistics

    ctx = build_context(settings)
    try:
        with ctx.db.session() as db:
            report = usage_statistics(ctx, db)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps(as_json(report)))
        return 0
    hidden = f"fewer than {report.min_group}"
    print(f"People counted: {report.people if report.people is not None else hidden}")
    for figure in report.figures:
        print(f"\n{figure.title}")
        if not figure.groups:
            print("  (not shown: too few people per group)")
        for group in figure.groups:
            # A hidden group may be large: it is hidden so that a small one cannot be derived.
            print(f"  {group.label:<16} {'hidden' if group.suppressed else group.count}")
    return 0

"""`hearthwatch privacy check` and `privacy stats`: the operator's reports on the whole
installation (the privacy check; usage statistics with small groups suppressed)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from hearthwatch.settings import Settings


def register(commands: Any) -> None:
    check = commands.add_parser(
        "check",
        help="report records past retention, undeclared columns and processing without a "
        "legal basis; exit 1 when anything is found",
    )
    check.add_argument("--json", action="store_true", help="print the findings as JSON")
    check.set_defaults(run=run_check)
    stats = commands.add_parser(
        "stats", help="aggregated usage statistics (consenting people only; small groups hidden)"
    )
    stats.add_argument("--json", action="store_true", help="print JSON")
    stats.set_defaults(run=run_stats)


def run_check(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.oversight.check import check

    ctx = build_context(settings)
    try:
        result = check(ctx)
    finally:
        ctx.close()
    if args.json:
        print(json.dumps(result.as_dict()))
        return 0 if result.ok else 1
    if result.ok:
        print("privacy check: nothing past retention, every column declared, every basis given")
        return 0
    print(f"privacy check: {len(result.findings)} finding(s)")
    for finding in result.findings:
        counts = f" ({finding.count}, oldest {finding.oldest or '-'})" if finding.count else ""
        print(f"  - [{finding.code or finding.kind}] {finding.subject}: {finding.message}{counts}")
        for example in finding.examples:
            print(f"      e.g. {example}")
    return 1


def run_stats(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.oversight.statistics import as_json, usage_statistics

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

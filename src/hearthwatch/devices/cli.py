"""`hearthwatch devices provision FILE`: tell the service which cameras exist (P5).

    hearthwatch camsim --cameras 4 --json > cameras.json      # or its printout, or a CSV
    hearthwatch devices provision cameras.json

Then each camera binds by its QR code or by serial and verification code. The list is
checked whole first (devices/provision.py): one wrong line imports nothing and is reported
with its line number and a stable code; importing the same list again changes nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hearthwatch.errors import HearthwatchError
from hearthwatch.settings import Settings

if TYPE_CHECKING:  # the registry pulls in the database layer: loaded only when run
    from hearthwatch.devices.provision import ProvisionReport

EPILOG = (
    "Formats: what `hearthwatch camsim` prints, with or without --json; its --state file "
    "(with --address-template); lines of QR payloads (HWCAM1;S=...;V=...;U=rtsp://...); CSV "
    "with the header serial,verification_code,rtsp_url[,sub_rtsp_url,username,password,model,"
    "firmware_version]."
)


def add_devices_command(subparsers: Any) -> None:
    """Register `devices provision` on the `hearthwatch` command's subparsers."""
    devices = subparsers.add_parser("devices", help="the cameras the service knows").add_subparsers(
        title="devices commands"
    )
    parser = devices.add_parser(
        "provision",
        help="import serials and codes so cameras bind by QR code or serial",
        description="Import a list of cameras (serial, verification code, stream address) "
        "into the registry, so their owners can bind them by QR code or by serial.",
        epilog=EPILOG,
    )
    arg = parser.add_argument
    arg("file", help="the list to import, or - to read standard input")
    arg("--dry-run", action="store_true", help="check the list and report; store nothing")
    arg("--address-template", metavar="URL",
        help="stream address for entries without one; {serial} is replaced "
        "(e.g. rtsp://192.168.1.20:8554/{serial}/main)")  # fmt: skip
    arg("--sub-address-template", metavar="URL", help="the same for the sub-stream")
    arg("--model", help="model of the cameras whose entry names none (default: none)")
    arg("--firmware-version", help="their firmware version (default: none)")
    arg("--operator", default="cli", help="who imports, as written in the audit log (default: cli)")
    arg("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(run=run_provision)


def run_provision(settings: Settings, args: argparse.Namespace) -> int:
    try:
        data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as err:
        print(f"hearthwatch: cannot read {args.file}: {err.strerror or err}", file=sys.stderr)
        return 2
    from hearthwatch.context import build_context
    from hearthwatch.db.migrate import upgrade
    from hearthwatch.devices import provision
    from hearthwatch.privacy.audit import service as audit

    defaults = provision.Defaults(
        args.address_template, args.sub_address_template, args.model, args.firmware_version
    )
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    ctx = build_context(settings)
    try:
        with ctx.db.session() as session:
            report = provision.provision(
                ctx, session, data=data, actor=audit.actor_operator(args.operator),
                defaults=defaults, dry_run=args.dry_run,
            )  # fmt: skip
    except HearthwatchError as err:
        _print_refusal(err, as_json=args.json)
        return 1
    finally:
        ctx.close()
    _print_report(report, as_json=args.json)
    return 0


def _print_report(report: ProvisionReport, *, as_json: bool) -> None:
    summary = report.summary()
    if as_json:
        body = {"format": report.format, "dry_run": report.dry_run, **summary}
        print(json.dumps({**body, "cameras": report.outcomes}))
        return
    verb = "would provision" if report.dry_run else "provisioned"
    counts = ", ".join(f"{count} {kind}" for kind, count in summary.items())
    print(f"{verb} {len(report.outcomes)} camera(s) from {report.format}: {counts}")
    for serial, outcome in report.outcomes.items():
        print(f"  {serial}  {outcome}")


def _print_refusal(err: HearthwatchError, *, as_json: bool) -> None:
    details = err.details if isinstance(err.details, dict) else {}
    problems: list[dict[str, Any]] = details.get("problems", [])
    if as_json:
        print(json.dumps(err.to_body()))
        return
    if not problems:
        print(f"hearthwatch: {err.code}: {err.message}", file=sys.stderr)
        return
    print(f"hearthwatch: {err.code}: nothing was imported", file=sys.stderr)
    for problem in problems:
        print(f"  {_where(problem)}: {problem['code']}: {problem['message']}", file=sys.stderr)
    count = int(details.get("count", len(problems)))
    if count > len(problems):
        print(f"  ... and {count - len(problems)} more", file=sys.stderr)


def _where(problem: dict[str, Any]) -> str:
    if problem.get("line"):
        return f"line {problem['line']}"
    return f"camera {problem['entry']}" if problem.get("entry") else "file"

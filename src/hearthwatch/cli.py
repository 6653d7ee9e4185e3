"""The `hearthwatch` command: serve, demo, migrate and account administration."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from hearthwatch import __version__
from hearthwatch.settings import Settings


def main(argv: Sequence[str] | None = None) -> int:
    # Start-up makes a few hundred thousand objects that live as long as the process
    # (modules, ORM mappers, models, routes), and the garbage collector would walk them
    # again and again while they are made: about a sixth of a server's start. It stays off
    # until start-up is done: a server turns it back on once its start-up heap is frozen
    # (`server.freeze_startup_heap`), any other command before it runs.
    gc.disable()
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not hasattr(args, "run"):
            parser.print_help()
            return 2
        try:
            settings = Settings()
        except ValidationError as err:
            print(f"hearthwatch: invalid settings:\n{err}", file=sys.stderr)
            return 2
        if not getattr(args, "serves", False):
            gc.enable()
        result: int = args.run(settings, args)
        return result
    finally:
        gc.enable()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hearthwatch",
        description="Self-hostable camera and smart-device cloud with privacy built in.",
    )
    parser.add_argument("--version", action="version", version=f"hearthwatch {__version__}")
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", help="run the web app and API")
    _add_listen_arguments(serve, default_port=8080)
    serve.add_argument("--no-migrate", action="store_true", help="do not upgrade the schema")
    serve.add_argument(
        "--workers", type=_positive_int, default=1, help="worker processes (default: 1)"
    )
    serve.set_defaults(run=run_serve, serves=True)

    demo = commands.add_parser(
        "demo", help="run with embedded defaults and a demo account (local mail outbox)"
    )
    _add_listen_arguments(demo, default_port=8080)
    demo.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a self-signed certificate for this machine (made in the data dir)",
    )
    demo.set_defaults(run=run_demo, serves=True)

    migrate = commands.add_parser("migrate", help="upgrade the database schema")
    migrate.add_argument("--revision", default="head", help="target revision (default: head)")
    migrate.set_defaults(run=run_migrate)

    from hearthwatch.accounts.admin_cli import add_user_command

    add_user_command(commands)

    from hearthwatch.camsim import add_camsim_command  # the simulator's one entry point

    add_camsim_command(commands)
    from hearthwatch.privacy.cli import add_privacy_command

    add_privacy_command(commands)
    from hearthwatch.privacy.erasure.backup_cli import add_backup_command

    add_backup_command(commands)
    from hearthwatch.devices.cli import add_devices_command

    add_devices_command(commands)
    _show_defaults(parser)
    return parser


class _HelpWithDefaults(argparse.HelpFormatter):
    """Each option's help ends with its default, unless it has none worth naming (no value,
    a flag) or its text names it already."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        if (
            not action.option_strings
            or default in (None, False, argparse.SUPPRESS)
            or "default" in text
            or isinstance(action, argparse._VersionAction)
        ):
            return text
        return f"{text} (default: %(default)s)"


def _show_defaults(parser: argparse.ArgumentParser) -> None:
    """Give the parser and every subcommand's parser the formatter that shows defaults."""
    parser.formatter_class = _HelpWithDefaults
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                _show_defaults(child)


def _add_listen_arguments(parser: argparse.ArgumentParser, *, default_port: int) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)"
    )
    parser.add_argument("--port", type=int, default=default_port, help="port to listen on")


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run_serve(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.server import serve
    from hearthwatch.tls import CannotServe

    try:
        serve(
            settings,
            host=args.host,
            port=args.port,
            migrate=not args.no_migrate,
            workers=args.workers,
        )
    except CannotServe as err:
        print(f"hearthwatch: cannot serve: {err}", file=sys.stderr)
        return 2
    return 0


def run_demo(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.demo import run_demo as demo
    from hearthwatch.tls import CannotServe

    try:
        demo(settings, host=args.host, port=args.port, tls=args.tls)
    except CannotServe as err:
        print(f"hearthwatch: cannot serve: {err}", file=sys.stderr)
        return 2
    return 0


def run_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.db.migrate import upgrade

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url, args.revision)
    if args.revision == "head":  # rows from before P38's sealed columns (start-up does it too)
        from hearthwatch.context import build_context
        from hearthwatch.security.sealed_rows import seal_plaintext_rows

        ctx = build_context(settings)
        try:
            seal_plaintext_rows(ctx.db)
        finally:
            ctx.close()
    print(f"database at revision {args.revision}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())

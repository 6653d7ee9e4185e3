"""`hearthwatch user create|list|delete|reset-password`: accounts from the server's shell.

A password is asked on the terminal (twice, not echoed, judged by the same strength rules
as sign-up before it is repeated), or read from standard input with `--password-stdin`
for scripts. The operator typed the address they act on, so it is printed back in full;
`user list` shows addresses masked (P45): it is a view of other people's accounts, and
`--email` finds one account by its address.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.errors import HearthwatchError, NotFound
from hearthwatch.settings import Settings

PASSWORD_TRIES = 3


class NoTerminal(Exception):
    """No terminal to ask on, and `--password-stdin` was not given."""


def add_user_command(commands: Any) -> None:
    user = commands.add_parser("user", help="account administration").add_subparsers(
        title="user commands", metavar="COMMAND"
    )
    create = user.add_parser("create", help="create a confirmed account that can sign in at once")
    create.add_argument("--email", required=True, help="the new account's sign-in address")
    create.add_argument("--nickname", help="the name shown instead of the address (optional)")
    _password_source(create)
    create.set_defaults(run=run_create)

    listing = user.add_parser("list", help="list accounts: id, masked address, state, created")
    listing.add_argument("--email", help="show only the account with this address")
    listing.set_defaults(run=run_list)

    delete = user.add_parser(
        "delete",
        help="erase an account now, with all its cameras, recordings and data (cannot be undone)",
    )
    _account_choice(delete)
    delete.add_argument(
        "--yes", action="store_true", help="do not ask to type the address again to confirm"
    )
    delete.set_defaults(run=run_delete)

    reset = user.add_parser(
        "reset-password",
        help="set a new password; unlocks the account and signs it out everywhere",
    )
    _account_choice(reset)
    _password_source(reset)
    reset.set_defaults(run=run_reset_password)


def _password_source(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (one line) instead of asking on the terminal",
    )


def _account_choice(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--email", help="the account's sign-in address")
    which.add_argument("--account", metavar="ID", help="the account's id (see `user list`)")


# --- commands -------------------------------------------------------------------------------


def run_create(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.accounts.admin import create_confirmed_user
    from hearthwatch.accounts.registration import find_user_by_email

    def create(ctx: AppContext, db: Session) -> int:
        if find_user_by_email(db, args.email) is not None:
            return _fail("account.exists", "An account with this e-mail already exists.")
        hints = (args.email.split("@")[0], args.nickname or "")
        password = _new_password(ctx, hints, from_stdin=args.password_stdin)
        user = create_confirmed_user(
            ctx, db, email=args.email, password=password, nickname=args.nickname
        )
        print(f"created {user.email} ({user.id})")
        return 0

    return _with_context(settings, create)


def run_list(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.security.masking import mask_email

    def show(ctx: AppContext, db: Session) -> int:
        users = [find_account(db, email=args.email)] if args.email else _all_users(db)
        print(f"{'ID':32}  {'ADDRESS':24}  {'STATE':11}  CREATED")
        for user in users:
            state = account_state(user)
            print(
                f"{user.id:32}  {mask_email(user.email):24}  {state:11}  {user.created_at:%Y-%m-%d}"
            )
        print(f"{len(users)} account{'s' * (len(users) != 1)}")
        return 0

    return _with_context(settings, show)


def run_delete(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.privacy.erasure import service as erasure

    def delete(ctx: AppContext, db: Session) -> int:
        user = find_account(db, email=args.email, account_id=args.account)
        address, user_id = user.email, user.id
        if not args.yes and not _confirmed_by_typing(address):
            return _fail("cli.not_confirmed", "Not deleted: the address typed did not match.")
        erasure.erase_account_data(ctx, db, user=user)
        print(f"deleted {address} ({user_id}): keys destroyed, data erased; receipt mailed")
        return 0

    result = _with_context(settings, delete)
    if result == 0:
        _finish_erasures(settings)
    return result


def run_reset_password(settings: Settings, args: argparse.Namespace) -> int:
    from hearthwatch.accounts import recovery

    def reset(ctx: AppContext, db: Session) -> int:
        user = find_account(db, email=args.email, account_id=args.account)
        password = _new_password(ctx, recovery.password_hints(user), from_stdin=args.password_stdin)
        recovery.set_password_by_operator(ctx, db, user=user, new_password=password)
        print(f"new password set for {user.email} ({user.id}); every session signed out")
        return 0

    return _with_context(settings, reset)


# --- shared steps ---------------------------------------------------------------------------


def find_account(db: Session, *, email: str | None = None, account_id: str | None = None) -> User:
    """The account with this address or id, else `account.not_found`."""
    from hearthwatch.accounts.registration import find_user_by_email

    user = find_user_by_email(db, email) if email else db.get(User, account_id or "")
    if user is None:
        raise NotFound("No account has this address or id.", code="account.not_found")
    return user


def account_state(user: User) -> str:
    if user.closed_at is not None:
        return "closed"
    if user.compromised_at is not None:
        return "locked"
    return "active" if user.email_confirmed_at else "unconfirmed"


def _all_users(db: Session) -> list[User]:
    return list(db.scalars(select(User).order_by(User.created_at, User.id)))


def _with_context(settings: Settings, step: Callable[[AppContext, Session], int]) -> int:
    """Run `step` in one transaction on a migrated database; domain errors exit 1."""
    from hearthwatch.context import build_context
    from hearthwatch.db.migrate import upgrade
    from hearthwatch.security.sealed_rows import seal_plaintext_rows

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    ctx = build_context(settings)
    try:
        seal_plaintext_rows(ctx.db)  # an address from before P38 must be found (and stay unique)
        with ctx.db.session() as db:
            return step(ctx, db)
    except NoTerminal as err:
        print(f"hearthwatch: {err}", file=sys.stderr)
        return 2
    except HearthwatchError as err:
        return _fail(err.code, err.message)
    finally:
        ctx.close()


def _finish_erasures(settings: Settings) -> None:
    from hearthwatch.context import build_context
    from hearthwatch.privacy.erasure import service as erasure

    ctx = build_context(settings)
    try:
        erasure.resume_pending(ctx)  # the recordings' files, now that the keys are gone
    finally:
        ctx.close()


def _fail(code: str, message: str) -> int:
    print(f"hearthwatch: {code}: {message}", file=sys.stderr)
    return 1


# --- asking on the terminal -----------------------------------------------------------------


def has_terminal() -> bool:
    """Whether a person can be asked: standard input or the process's terminal is a tty."""
    if sys.stdin.isatty():
        return True
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return False
    return True


def _new_password(ctx: AppContext, hints: tuple[str, ...], *, from_stdin: bool) -> str:
    """A strong password, from standard input or asked twice on the terminal."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\n")
        ctx.passwords.require_strong(password, hints)
        return password
    if not has_terminal():
        raise NoTerminal(
            "no terminal to ask for the password on: give --password-stdin and pipe it in"
        )
    for _ in range(PASSWORD_TRIES):
        password = getpass.getpass("New password: ")
        try:
            ctx.passwords.require_strong(password, hints)
        except HearthwatchError as err:
            print(f"{err.message}", file=sys.stderr)
            continue
        if getpass.getpass("Repeat it: ") == password:
            return password
        print("The two passwords differ.", file=sys.stderr)
    from hearthwatch.errors import ValidationFailed

    raise ValidationFailed(
        f"No usable password after {PASSWORD_TRIES} tries.", code="auth.password_not_set"
    )


def _confirmed_by_typing(address: str) -> bool:
    if not sys.stdin.isatty():
        raise NoTerminal("no terminal to confirm on: give --yes to delete without asking")
    print(f"This erases {address} and everything it holds, for good.", file=sys.stderr)
    return input("Type the address to confirm: ").strip().lower() == address.lower()

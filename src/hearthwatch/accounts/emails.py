"""Accounts' e-mail addresses for lists (operator pages, mailings), opened in bulk.

The addresses are sealed with each account's data key (P38): a list fetches the keys of
all its accounts in one keyring query (`warm`) before opening them.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from hearthwatch.accounts.models import User
from hearthwatch.security.sealed_columns import open_value, warm


def emails_by_id(db: Session, user_ids: Collection[str]) -> dict[str, str]:
    """The addresses of these accounts (an account that is gone is left out)."""
    if not user_ids:
        return {}
    return _emails(db, User.id.in_(user_ids))


def emails_where(db: Session, where: ColumnElement[bool] = true()) -> dict[str, str]:
    """The addresses of every account `where` selects, by account id."""
    return _emails(db, where)


def _emails(db: Session, where: ColumnElement[bool]) -> dict[str, str]:
    rows = list(db.execute(select(User.id, User._email).where(where).order_by(User.id)))
    warm(db, (user_id for user_id, _ in rows))
    return {
        user_id: str(open_value(db, raw, column="users.email", account_id=user_id))
        for user_id, raw in rows
    }

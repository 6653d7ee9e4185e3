"""The user's own view of their credentials: active sessions and personal API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hearthwatch.access.principal import owner
from hearthwatch.access.resolver import Action, Kind, listable, owned
from hearthwatch.accounts.models import ApiToken, BrowserSession, User
from hearthwatch.accounts.signin import TOKEN_PREFIX
from hearthwatch.context import AppContext
from hearthwatch.errors import ValidationFailed
from hearthwatch.security.secrets import hash_secret, new_secret

MAX_TOKENS = 50


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str


def active_sessions(ctx: AppContext, session: Session, *, user: User) -> list[BrowserSession]:
    now = ctx.clock.now()
    return list(
        session.scalars(
            select(BrowserSession)
            .where(
                listable(Kind.SESSION, owner(user.id)),
                BrowserSession.revoked_at.is_(None),
                BrowserSession.expires_at > now,
            )
            .order_by(BrowserSession.last_seen_at.desc())
        )
    )


def revoke_session(ctx: AppContext, session: Session, *, user: User, session_id: str) -> None:
    record = owned(session, Kind.SESSION, session_id, user_id=user.id, action=Action.CHANGE)
    record.revoked_at = ctx.clock.now()


def create_token(
    ctx: AppContext, session: Session, *, user: User, name: str, expires_in_days: int | None
) -> NewToken:
    """A new personal API token; the secret is shown once and only its hash is kept."""
    if len(active_tokens(ctx, session, user=user)) >= MAX_TOKENS:
        raise ValidationFailed(
            f"You already have {MAX_TOKENS} tokens; revoke one first.", code="token.limit_reached"
        )
    now = ctx.clock.now()
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken(
        user_id=user.id,
        name=name.strip(),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        secret_hash=hash_secret(secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(token)
    session.flush()
    return NewToken(token, secret)


def active_tokens(ctx: AppContext, session: Session, *, user: User) -> list[ApiToken]:
    now = ctx.clock.now()
    tokens = session.scalars(
        select(ApiToken)
        .where(listable(Kind.API_TOKEN, owner(user.id)), ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc())
    )
    return [t for t in tokens if t.expires_at is None or t.expires_at > now]


def revoke_token(ctx: AppContext, session: Session, *, user: User, token_id: str) -> None:
    token = owned(session, Kind.API_TOKEN, token_id, user_id=user.id, action=Action.CHANGE)
    token.revoked_at = ctx.clock.now()

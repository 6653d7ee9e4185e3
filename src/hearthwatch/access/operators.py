"""The operator role: the people who answer rights requests and complaints (P25-P27).

An account is an operator when its confirmed e-mail address is listed in
``HEARTHWATCH_OPERATOR_EMAILS`` or is ``HEARTHWATCH_PRIVACY_OPERATOR_EMAIL`` (where the
reminders go). The role reaches the request workflow and nothing else: it gives no right to
anyone's devices, recordings or account (P16), and every time an operator opens someone's
request that access is written to the audit log.
"""

from __future__ import annotations

from hearthwatch.accounts.models import User
from hearthwatch.errors import PermissionDenied
from hearthwatch.settings import Settings


def addresses(settings: Settings) -> frozenset[str]:
    """Every e-mail address that holds the operator role (lower case)."""
    listed = {a for a in settings.operator_emails.split(",") if a}
    if settings.privacy_operator_email:
        listed.add(settings.privacy_operator_email.strip().lower())
    return frozenset(listed)


def is_operator(settings: Settings, user: User) -> bool:
    return user.email_confirmed_at is not None and user.email.lower() in addresses(settings)


def require_operator(settings: Settings, user: User) -> str:
    """The operator's name in steps and the audit log; refused for everyone else."""
    if not is_operator(settings, user):
        raise PermissionDenied(
            "Only the service's operators can do this.",
            code="operator.required",
        )
    return actor_name(user)


def actor_name(user: User) -> str:
    """Operators acting through the web app or API are named by account id, not address."""
    return account_actor(user.id)


def account_actor(user_id: str) -> str:
    return f"account-{user_id}"

"""Who is asking: an account and the roles it holds, as the resolver sees it.

A principal is built once per request (or per job) from the account and the settings, so
the resolver never reads the settings itself and a test can hand in any mix of roles.
Roles are not rights to anyone's data: they open the workflows listed for them in
`access/resources.py` and nothing else (P16: staff hold no standing access to video).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from hearthwatch.access.operators import account_actor, is_operator
from hearthwatch.accounts.models import User
from hearthwatch.errors import PermissionDenied
from hearthwatch.settings import Settings


class Role(StrEnum):
    OPERATOR = "operator"  # answers rights requests, complaints and reports of children


# What a caller without the role is told: a stable code per role, never a 404 (the route
# exists for everyone; only the role is missing).
ROLE_REFUSALS = {
    Role.OPERATOR: ("Only the service's operators can do this.", "operator.required"),
}


@dataclass(frozen=True)
class Principal:
    user_id: str
    roles: frozenset[Role] = frozenset()

    @property
    def name(self) -> str:
        """How the principal is named in steps and the audit log (never by address)."""
        return account_actor(self.user_id)


def principal_for(settings: Settings, user: User) -> Principal:
    """The account with every role the settings give it."""
    roles = {Role.OPERATOR} if is_operator(settings, user) else set()
    return Principal(user_id=user.id, roles=frozenset(roles))


def owner(user_id: str) -> Principal:
    """An account acting on its own data, with no role (services and jobs that know the
    account but not the settings; roles never widen what an owner may do)."""
    return Principal(user_id=user_id)


def require_role(who: Principal, role: Role) -> Principal:
    """`who` if it holds `role`; otherwise 403 with the role's stable code."""
    if role not in who.roles:
        message, code = ROLE_REFUSALS[role]
        raise PermissionDenied(message, code=code)
    return who

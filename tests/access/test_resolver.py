"""The resolver's decisions themselves: owners, strangers, roles and records that are gone."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from hearthwatch.access.principal import Principal, Role, require_role
from hearthwatch.access.resolver import Action, Kind, rights
from hearthwatch.access.resources import CAMERA_ACTIONS, RULES
from hearthwatch.errors import PermissionDenied

OWNER = Principal("a" * 32)
STRANGER = Principal("b" * 32)
OPERATOR = Principal("c" * 32, frozenset({Role.OPERATOR}))


def record(kind: Kind, owner: str, **columns: object) -> SimpleNamespace:
    return SimpleNamespace(**{RULES[kind].owner_column: owner, **columns})


@pytest.mark.parametrize("kind", list(Kind))
def test_p16_only_the_owner_holds_rights_to_a_resource(kind: Kind) -> None:
    found = record(kind, OWNER.user_id, revoked_at=None, lifted_at=None)
    assert rights(OWNER, kind, found) == RULES[kind].owner_actions
    assert rights(STRANGER, kind, found) == frozenset()


@pytest.mark.parametrize("kind", [k for k in Kind if k is not Kind.RIGHTS_REQUEST])
def test_p16_the_operator_role_gives_no_right_to_anyones_resource(kind: Kind) -> None:
    found = record(kind, OWNER.user_id, revoked_at=None, lifted_at=None)
    assert rights(OPERATOR, kind, found) == frozenset()


def test_p25_an_operator_handles_a_rights_request_but_does_not_read_it_as_the_person() -> None:
    request = record(Kind.RIGHTS_REQUEST, OWNER.user_id)
    assert rights(OPERATOR, Kind.RIGHTS_REQUEST, request) == {Action.HANDLE}
    assert Action.HANDLE not in rights(OWNER, Kind.RIGHTS_REQUEST, request)


def test_an_owner_holds_every_camera_action_and_no_record_action() -> None:
    camera = record(Kind.CAMERA, OWNER.user_id)
    assert rights(OWNER, Kind.CAMERA, camera) == CAMERA_ACTIONS
    assert Action.HANDLE not in CAMERA_ACTIONS


@pytest.mark.parametrize(
    ("kind", "column"),
    [
        (Kind.SESSION, "revoked_at"),
        (Kind.API_TOKEN, "revoked_at"),
        (Kind.PROCESSING_LIMIT, "lifted_at"),
    ],
)
def test_a_revoked_or_lifted_record_is_gone_even_for_its_owner(kind: Kind, column: str) -> None:
    ended = record(kind, OWNER.user_id, **{column: "2026-09-21T00:00:00Z"})
    assert rights(OWNER, kind, ended) == frozenset()


def test_a_missing_role_is_refused_with_its_stable_code() -> None:
    assert require_role(OPERATOR, Role.OPERATOR) is OPERATOR
    with pytest.raises(PermissionDenied) as refused:
        require_role(STRANGER, Role.OPERATOR)
    assert refused.value.code == "operator.required"

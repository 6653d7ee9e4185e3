"""Issue 14 item 6: `camera_alerts`, which the alert dispatcher asks before alerting anyone,
follows the home's mode and the cameras chosen for it."""

from __future__ import annotations

from typing import Any

import pytest

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.homes import service
from hearthwatch.homes.arming import camera_alerts
from tests.factories import add_camera


@pytest.fixture
def owner(make_user: Any) -> User:
    user: User = make_user()
    return user


def alerts(ctx: AppContext, camera_id: str) -> bool:
    with ctx.db.session() as db:
        return camera_alerts(db, camera_id)


def arm(ctx: AppContext, owner: User, mode: str, chosen: list[str] | None = None) -> None:
    with ctx.db.session() as db:
        home = service.home_of(db, user_id=owner.id, now=ctx.clock.now())
        service.set_mode(db, home, mode=mode, by=owner.id, now=ctx.clock.now())
        if chosen is not None:
            service.choose_cameras(db, home, user_id=owner.id, mode=mode, camera_ids=chosen)


def test_issue14_item6_every_camera_alerts_before_a_home_exists(
    ctx: AppContext, owner: User
) -> None:
    assert alerts(ctx, add_camera(ctx, owner.id))


@pytest.mark.parametrize(("mode", "expected"), [("away", True), ("night", True), ("home", False),
                                                ("off", False)])  # fmt: skip
def test_issue14_item6_a_mode_nobody_configured_alerts_as_its_default(
    ctx: AppContext, owner: User, mode: str, expected: bool
) -> None:
    camera = add_camera(ctx, owner.id)
    arm(ctx, owner, mode)
    assert alerts(ctx, camera) is expected


def test_issue14_item6_only_the_cameras_chosen_for_the_current_mode_alert(
    ctx: AppContext, owner: User
) -> None:
    porch, hall = add_camera(ctx, owner.id, "Porch"), add_camera(ctx, owner.id, "Hall")
    arm(ctx, owner, "home", chosen=[porch])
    assert (alerts(ctx, porch), alerts(ctx, hall)) == (True, False)
    arm(ctx, owner, "away", chosen=[hall])
    assert (alerts(ctx, porch), alerts(ctx, hall)) == (False, True)
    arm(ctx, owner, "home")  # back: the choice for Home was kept
    assert (alerts(ctx, porch), alerts(ctx, hall)) == (True, False)


def test_issue14_item6_a_camera_added_later_takes_the_modes_default(
    ctx: AppContext, owner: User
) -> None:
    first = add_camera(ctx, owner.id, "Porch")
    arm(ctx, owner, "away", chosen=[])
    later = add_camera(ctx, owner.id, "Garage")
    assert (alerts(ctx, first), alerts(ctx, later)) == (False, True)


def test_issue14_item6_another_accounts_mode_does_not_arm_my_camera(
    ctx: AppContext, owner: User, make_user: Any
) -> None:
    mine = add_camera(ctx, owner.id)
    arm(ctx, make_user("bob@example.org"), "off")
    assert alerts(ctx, mine)


def test_issue14_item6_a_camera_that_is_gone_does_not_alert(ctx: AppContext) -> None:
    assert not alerts(ctx, "0" * 32)

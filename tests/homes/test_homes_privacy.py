"""Homes in the privacy engine: the home's name, zone, mode, camera choices and schedule are
in the person's export (P17) and go with their account (P19); another account's stay."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.homes import service
from hearthwatch.homes.models import ArmingSchedule, Home, HomeModeCamera
from hearthwatch.privacy.retention.service import erase_account
from tests.factories import add_camera, build_export, open_export


def furnished_home(ctx: AppContext, user: User) -> str:
    """A home in Berlin at Night, one camera chosen for Home, one schedule entry."""
    camera = add_camera(ctx, user.id, "Porch")
    now = ctx.clock.now()
    with ctx.db.session() as db:
        home = service.home_of(db, user_id=user.id, now=now)
        service.update_home(db, home, name="Cabin", timezone="Europe/Berlin")
        service.set_mode(db, home, mode="night", by=user.id, now=now)
        service.choose_cameras(db, home, user_id=user.id, mode="home", camera_ids=[camera])
        service.add_schedule(db, home, service.ScheduleEntry(0b1, "07:00", "away"), now=now)
        return home.id


def rows_of(ctx: AppContext, home_id: str) -> tuple[int, int, int]:
    with ctx.db.session() as db:
        return (
            db.scalar(select(func.count()).select_from(Home).where(Home.id == home_id)) or 0,
            db.scalar(select(func.count()).where(HomeModeCamera.home_id == home_id)) or 0,
            db.scalar(select(func.count()).where(ArmingSchedule.home_id == home_id)) or 0,
        )


def test_p17_the_export_holds_the_home_and_its_schedule(ctx: AppContext, make_user: Any) -> None:
    alice, bob = make_user(), make_user("bob@example.org")
    home_id = furnished_home(ctx, alice)
    furnished_home(ctx, bob)
    with open_export(ctx, build_export(ctx, alice)) as archive:
        tables = json.loads(archive.read("data.json"))["tables"]
    (home,) = tables["homes"]
    assert (home["id"], home["name"], home["timezone"], home["arming_mode"]) == (
        home_id, "Cabin", "Europe/Berlin", "night",
    )  # fmt: skip
    assert home["mode_changed_by"] == alice.id
    (chosen,) = [row for row in tables["home_mode_cameras"] if row["alerts"]]
    assert (chosen["home_id"], chosen["mode"]) == (home_id, "home")
    (entry,) = tables["arming_schedules"]
    assert (entry["days"], entry["at"], entry["mode"], entry["enabled"]) == (
        1,
        "07:00",
        "away",
        True,
    )


def test_p19_the_home_goes_with_the_account(ctx: AppContext, make_user: Any) -> None:
    alice, bob = make_user(), make_user("bob@example.org")
    hers, his = furnished_home(ctx, alice), furnished_home(ctx, bob)
    assert rows_of(ctx, hers) == (1, 1, 1)
    erase_account(ctx, alice.id, reason="test")
    assert rows_of(ctx, hers) == (0, 0, 0)
    assert rows_of(ctx, his) == (1, 1, 1)

"""The event list stays fast at millions of events (issue 14 item 5): every page, however
deep and however filtered, is one range of an index, newest first, never a scan of the
events table and never a sort of all that match (bench/event_list.py times it)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hearthwatch.access.principal import owner
from hearthwatch.context import AppContext
from hearthwatch.events import service
from hearthwatch.events.service import EventQuery, ZoneRef, encode_cursor

USER = "a" * 32
CAMERA = "b" * 32
T0 = 1_790_000_000_000_000
CURSOR = encode_cursor(T0, "c" * 32)

CASES = {
    "all": (EventQuery(), "ix_events_owner_start"),
    "deep": (EventQuery(cursor=CURSOR), "ix_events_owner_start"),
    "camera": (EventQuery(camera_ids=(CAMERA,), cursor=CURSOR), "ix_events_camera_start"),
    "zone": (EventQuery(zone=ZoneRef(CAMERA, "gate"), cursor=CURSOR), "ix_event_zones_zone"),
    "unseen": (EventQuery(unseen_only=True, cursor=CURSOR), "ix_events_owner_start"),
    "window": (
        EventQuery(from_us=T0 - 10**9, to_us=T0 + 10**9, cursor=CURSOR),
        "ix_events_owner_start",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_p14_every_page_is_one_index_range(ctx: AppContext, case: str) -> None:
    if ctx.db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is read in SQLite's words (PostgreSQL's: bench --explain)")
    query, index = CASES[case]
    statement = service.page_statement(owner(USER), query, T0 - 10**8).limit(51)
    with ctx.db.engine.connect() as connection:
        compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
        plan = " | ".join(
            str(row[-1]) for row in connection.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
        )
    assert f"USING INDEX {index}" in plan, plan
    assert "SCAN events" not in plan and "SCAN event_zones" not in plan, plan
    assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan  # a sort of every match
    if case == "window":
        # One upper bound for the range, the tighter: the cursor's, not the window's end.
        assert str(T0 + 10**9) not in str(compiled)

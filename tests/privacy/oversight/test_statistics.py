"""Usage statistics leave only in aggregate, small groups suppressed (P44, issue 4 item 16),
and no suppressed group can be worked out from what is shown: not by subtracting the
visible groups from the total, nor by a reader who knows the suppression rule."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from hearthwatch.accounts.models import User
from hearthwatch.context import AppContext
from hearthwatch.privacy.consent import service as consent
from hearthwatch.privacy.oversight.statistics import (
    Group,
    as_json,
    protected_groups,
    usage_statistics,
)
from tests import factories

Shown = tuple[int | None, tuple[Group, ...]]


def publish(counts: Mapping[str, int], k: int) -> Shown:
    """What a report shows of one figure: the total (hidden below k) and its groups."""
    total = sum(counts.values())
    return (total if total >= k else None), protected_groups(counts, k)


def distributions() -> Iterator[tuple[int, dict[str, int]]]:
    """Figures of every shape: hand-picked edge cases, then random ones."""
    yield 3, {"1": 3, "0": 1}  # the reviewer's case: 4 people, 1 hidden, 4 - 3 = 1
    yield 10, {"on": 1, "off": 40}
    yield 3, {"a": 3, "b": 2, "c": 3, "d": 2, "e": 6}
    yield 4, {"a": 8, "b": 8, "c": 3}
    yield 3, {"a": 1, "b": 1, "c": 1, "d": 1}
    yield 2, {"a": 1, "b": 1}
    rng = random.Random(44)
    for _ in range(400):
        k = rng.choice((2, 3, 5, 10))
        sizes = (1, 2, k - 1, k, k + 1, 2 * k, rng.randint(1, 4 * k))
        yield k, {f"g{n}": max(1, rng.choice(sizes)) for n in range(rng.randint(1, 6))}


def hidden_and_visible(shown: Shown) -> tuple[list[str], dict[str, int]]:
    _, groups = shown
    hidden = [g.label for g in groups if g.count is None]
    return hidden, {g.label: g.count for g in groups if g.count is not None}


def test_p44_no_hidden_group_follows_from_the_total() -> None:
    for k, counts in distributions():
        assert_nothing_small_derivable(k, counts)


def assert_nothing_small_derivable(k: int, counts: dict[str, int]) -> None:
    total, groups = shown = publish(counts, k)
    hidden, visible = hidden_and_visible(shown)
    case = f"{counts}, k={k}"
    assert all(counts[label] >= k for label in visible), case  # nothing small is shown
    if total is None or all(n < k for n in counts.values()):
        assert groups == (), case  # nothing to show: not even the names of the groups
        return
    assert {g.label for g in groups} == set(counts), case
    if hidden:
        left = total - sum(visible.values())  # all a reader can subtract
        assert len(hidden) >= 2, f"{case}: one hidden group is the total minus the rest"
        assert left >= k, f"{case}: the hidden groups together are a group below k"
        assert left > len(hidden), f"{case}: n people in n listed groups, one in each"
        assert all(counts[label] != left for label in hidden), case


def candidates(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Every way `total` people can fill `parts` listed groups (each holds someone)."""
    for cuts in itertools.combinations(range(1, total), parts - 1):
        bounds = (0, *cuts, total)
        yield tuple(b - a for a, b in itertools.pairwise(bounds))


def suspected(counts: dict[str, int], k: int) -> dict[str, set[int]]:
    """For each hidden group, every count that a reader who knows the rule cannot rule out:
    every filling of the hidden groups that the rule would have shown exactly so."""
    shown = publish(counts, k)
    hidden, visible = hidden_and_visible(shown)
    possible: dict[str, set[int]] = {label: set() for label in hidden}
    if not hidden or shown[0] is None:
        return possible
    for filling in candidates(shown[0] - sum(visible.values()), len(hidden)):
        if publish({**visible, **dict(zip(hidden, filling, strict=True))}, k) == shown:
            for label, count in zip(hidden, filling, strict=True):
                possible[label].add(count)
    return possible


@pytest.mark.parametrize(
    ("k", "groups", "largest"), [(2, 3, 6), (3, 4, 6), (4, 3, 9), (5, 3, 10), (10, 2, 25)]
)
def test_p44_a_reader_who_knows_the_rule_cannot_pin_a_hidden_group(
    k: int, groups: int, largest: int
) -> None:
    """Every figure of `groups` groups of 1 to `largest` people: each hidden group could
    hold at least two different counts, as far as anyone reading the report can tell."""
    for sizes in itertools.product(range(1, largest + 1), repeat=groups):
        counts = {f"g{n}": size for n, size in enumerate(sizes)}
        for label, possible in suspected(counts, k).items():
            assert len(possible) >= 2, f"{counts}, k={k}: {label} must hold {possible}"


def test_p44_a_figure_of_only_small_groups_shows_none_of_them() -> None:
    assert protected_groups({"2027-01": 1, "2027-02": 1, "2027-03": 1}, 3) == ()
    assert protected_groups({"on": 2, "off": 1}, 5) == ()
    assert protected_groups({"on": 12, "off": 30}, 10) == (Group("off", 30), Group("on", 12))


def add_camera(ctx: AppContext, owner: User, serial: str) -> None:
    factories.add_camera(ctx, owner.id, serial, serial=serial, recording_mode="continuous")


def test_p44_the_report_hides_a_small_group_together_with_its_cover(
    ctx: AppContext, make_user: Any
) -> None:
    """Ten consenting people: six without a camera, three with one, one with two. The one
    with two (below k=3) is hidden, and so are the three, who would give the one away."""
    ctx.settings.stats_min_group = 3
    people = [make_user(f"p{n}@example.org") for n in range(10)]
    with ctx.db.session() as db:
        for person in people:
            consent.grant(ctx, db, user_id=person.id, purpose="product_analytics",
                          channel=consent.Channel.WEB)  # fmt: skip
    for serial, person in enumerate([*people[:3], people[3], people[3]]):
        add_camera(ctx, person, f"S{serial}")
    with ctx.db.session() as db:
        shown = as_json(usage_statistics(ctx, db))
    assert shown["people"] == 10
    figures: Any = shown["figures"]
    assert figures["cameras_per_account"]["groups"] == {"0": 6, "1": None, "2-4": None}
    assert figures["recording"]["groups"] == {"not recording": 6, "recording": 4}
    for figure in figures.values():
        counts = list(figure["groups"].values())
        hidden = counts.count(None)
        left = 10 - sum(c for c in counts if c is not None)
        assert hidden == 0 or (hidden >= 2 and left >= 3), figure

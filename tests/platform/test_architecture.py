"""The architecture contracts of pyproject.toml ([tool.importlinter]) hold, here as in `make lint`.

They say that routers and pages sit on top, that the storage floor knows no domain, that the
product never imports the camera simulator, and that no module imports itself back through
others. The last is our own contract type (tests/platform/import_contracts.py), tested on
small graphs below as well.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from tests.platform.import_contracts import AcyclicModulesContract

ROOT = Path(__file__).resolve().parents[2]


def test_architecture_contracts_hold() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint_imports), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    graph.add_module("pkg")
    for line, (importer, imported) in enumerate(imports, start=1):
        graph.add_import(
            importer=importer,
            imported=imported,
            line_number=line,
            line_contents=f"import {imported}",
        )
    return graph


def _contract(**options: object) -> AcyclicModulesContract:
    return AcyclicModulesContract(
        name="no circles",
        session_options={"root_packages": ["pkg"]},
        contract_options={"modules": ["pkg", "pkg.**"], **options},
    )


def test_acyclic_modules_kept_without_a_circle() -> None:
    graph = _graph(("pkg.a", "pkg.b"), ("pkg.b", "pkg.c"), ("pkg.a", "pkg.c"))
    assert _contract().check(graph, verbose=False).kept


@pytest.mark.parametrize("via", [[], ["pkg.x"], ["pkg.x", "pkg.y", "pkg.z"]])
def test_acyclic_modules_shows_the_circle_with_its_lines(via: list[str]) -> None:
    ring = ["pkg.a", *via, "pkg.b"]
    imports = list(zip(ring, [*ring[1:], ring[0]], strict=True))
    graph = _graph(("pkg.a", "pkg.outside"), *imports)
    check = _contract().check(graph, verbose=False)
    assert not check.kept
    assert check.metadata["groups"] == [sorted(ring)]
    (circle,) = check.metadata["circles"]
    assert [(importer, imported) for importer, imported, _ in circle] == imports
    assert [lines for _, _, lines in circle] == [str(n) for n in range(2, len(ring) + 2)]


def test_acyclic_modules_finds_each_separate_circle() -> None:
    graph = _graph(("pkg.a", "pkg.b"), ("pkg.b", "pkg.a"), ("pkg.c", "pkg.d"), ("pkg.d", "pkg.c"))
    check = _contract().check(graph, verbose=False)
    assert sorted(check.metadata["groups"]) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]
    assert sorted(circle[0][0] for circle in check.metadata["circles"]) == ["pkg.a", "pkg.c"]


def test_acyclic_modules_names_every_module_of_a_tangle() -> None:
    # Two circles sharing pkg.a: one group of four modules, shown by its shortest circle.
    graph = _graph(
        ("pkg.a", "pkg.b"),
        ("pkg.b", "pkg.a"),
        ("pkg.a", "pkg.c"),
        ("pkg.c", "pkg.d"),
        ("pkg.d", "pkg.a"),
    )
    check = _contract().check(graph, verbose=False)
    assert check.metadata["groups"] == [["pkg.a", "pkg.b", "pkg.c", "pkg.d"]]
    (circle,) = check.metadata["circles"]
    assert [(importer, imported) for importer, imported, _ in circle] == [
        ("pkg.a", "pkg.b"),
        ("pkg.b", "pkg.a"),
    ]


def test_acyclic_modules_sets_ignored_imports_aside() -> None:
    graph = _graph(("pkg.a", "pkg.b"), ("pkg.b", "pkg.a"))
    check = _contract(ignore_imports=["pkg.b -> pkg.a"]).check(graph, verbose=False)
    assert check.kept
    assert check.ignored_import_count == 1


def test_acyclic_modules_looks_only_at_the_modules_named() -> None:
    graph = _graph(("pkg.a", "pkg.sim.b"), ("pkg.sim.b", "pkg.a"), ("pkg.c", "pkg.a"))
    contract = AcyclicModulesContract(
        name="no circles",
        session_options={"root_packages": ["pkg"]},
        contract_options={"modules": ["pkg.a", "pkg.c"]},
    )
    assert contract.check(graph, verbose=False).kept

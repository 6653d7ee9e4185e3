"""The product never imports its test double, and protocols/ imports nothing of either.

Every module under src/hearthwatch is read as source (its syntax tree, every import in it:
at the top, inside functions, under TYPE_CHECKING, and `importlib.import_module` with a
literal name), so a lazy import cannot slip past the way it would past `sys.modules`.

The simulator's one entry point is its package, `hearthwatch.camsim`: the CLI registers
`hearthwatch camsim` with it and the demo launcher starts a fleet with it. Those two
modules may import that package and nothing below it; no other product module may import
the simulator at all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import hearthwatch

PACKAGE = Path(hearthwatch.__file__).parent
SIMULATOR = "hearthwatch.camsim"
ENTRY_POINTS = {"hearthwatch.cli", "hearthwatch.demo"}  # may import SIMULATOR, the package only
# What protocols/ may import of hearthwatch: itself, and the one exception tree.
PROTOCOLS_MAY_IMPORT = ("hearthwatch.protocols", "hearthwatch.errors")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_names(source: str, module: str, *, is_package: bool = False) -> Iterator[str]:
    """Every module name `source` (the module `module`) imports, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                yield first.value


def _is_import_module(func: ast.expr) -> bool:
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in ("import_module", "__import__")


def simulator_imports(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """The names of the simulator `source` imports that its module may not."""
    found = {
        name
        for name in imported_names(source, module, is_package=is_package)
        if name == SIMULATOR or name.startswith(SIMULATOR + ".")
    }
    if module in ENTRY_POINTS:
        found.discard(SIMULATOR)
        found -= {f"{SIMULATOR}.{name}" for name in _facade_names()}
    return found


def _facade_names() -> set[str]:
    tree = ast.parse((PACKAGE / "camsim" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


def product_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        name = module_name(path)
        if name != SIMULATOR and not name.startswith(SIMULATOR + "."):
            yield name, path


def test_the_product_never_imports_the_simulator() -> None:
    offenders = {
        name: sorted(found)
        for name, path in product_modules()
        if (found := simulator_imports(path.read_text(), name, is_package=path.stem == "__init__"))
    }
    assert offenders == {}


def test_the_entry_points_exist_and_use_the_simulator_only_through_its_package() -> None:
    for name in ENTRY_POINTS:
        path = PACKAGE / f"{name.rpartition('.')[2]}.py"
        names = set(imported_names(path.read_text(), name))
        assert SIMULATOR in names, f"{name} no longer needs an exception: remove it"


def test_protocols_import_nothing_of_the_product_or_the_simulator() -> None:
    offenders = {}
    for path in sorted((PACKAGE / "protocols").rglob("*.py")):
        name = module_name(path)
        found = imported_names(path.read_text(), name, is_package=path.stem == "__init__")
        ours = {n for n in found if n == "hearthwatch" or n.startswith("hearthwatch.")}
        if bad := sorted(n for n in ours if not n.startswith(PROTOCOLS_MAY_IMPORT)):
            offenders[name] = bad
    assert offenders == {}


@pytest.mark.parametrize(
    ("source", "module", "found"),
    [
        ("import hearthwatch.camsim.fleet", "hearthwatch.media.x", {SIMULATOR + ".fleet"}),
        ("from hearthwatch import camsim", "hearthwatch.media.x", {SIMULATOR}),
        ("from hearthwatch.camsim import h264", "hearthwatch.x", {SIMULATOR, SIMULATOR + ".h264"}),
        ("from ..camsim.identity import A", "hearthwatch.devices.b",
         {SIMULATOR + ".identity", SIMULATOR + ".identity.A"}),
        ("from . import camsim", "hearthwatch.demo", set()),  # the entry point's own package
        ("from .camsim import fleet", "hearthwatch.x", {SIMULATOR, SIMULATOR + ".fleet"}),
        ("def f():\n    from hearthwatch.camsim import scene", "hearthwatch.web.p",
         {SIMULATOR, SIMULATOR + ".scene"}),
        ("if TYPE_CHECKING:\n    import hearthwatch.camsim", "hearthwatch.web.p", {SIMULATOR}),
        ("importlib.import_module('hearthwatch.camsim.fleet')", "hearthwatch.x",
         {SIMULATOR + ".fleet"}),
        ("from hearthwatch.camsim.fleet import CameraFleet", "hearthwatch.demo",
         {SIMULATOR + ".fleet", SIMULATOR + ".fleet.CameraFleet"}),
        ("from hearthwatch.camsim import CameraFleet", "hearthwatch.demo", set()),
        ("from hearthwatch.camsimulator import x", "hearthwatch.x", set()),
        ("from hearthwatch.protocols import h264", "hearthwatch.x", set()),
    ],
)  # fmt: skip
def test_the_check_sees_every_way_of_importing(source: str, module: str, found: set[str]) -> None:
    """The check itself: it must catch what it is there to catch (and nothing else)."""
    assert simulator_imports(source, module) == found

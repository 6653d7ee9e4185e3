"""An import-linter contract type of our own: no module imports itself back through others.

import-linter's own `acyclic_siblings` forbids cycles between packages (a package imports
its sibling if any module in it does); Hearthwatch's domains still lean on each other at
that level (accounts and privacy, devices and media), so what pyproject.toml holds the
code to is the finer promise: no import circle between modules. Imports inside functions
and under `TYPE_CHECKING` count, as they do for every contract (grimp sees them all): a
circle hidden in a function is still a circle, one refactor away from an ImportError.

Registered in pyproject.toml (`contract_types`); `lint-imports` runs from the repository
root, which it puts on the path, so `tests.platform.import_contracts` imports.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grimp
from importlinter.application import contract_utils, output
from importlinter.application.contract_utils import AlertLevel
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck
from importlinter.domain.helpers import module_expressions_to_modules


class AcyclicModulesContract(Contract):
    """Fails for every strongly connected group of modules among `modules` (expressions such
    as `mypackage.**`), showing one circle through it with the lines that import."""

    type_name = "acyclic_modules"

    modules = fields.SetField(subfield=fields.ModuleExpressionField())
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(AlertLevel, default=AlertLevel.ERROR)

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        expressions = sorted(self.modules)  # type: ignore[call-overload]
        checked = {m.name for m in module_expressions_to_modules(graph, expressions)}
        groups = list(_groups(graph, checked))
        return ContractCheck(
            kept=not groups,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={
                "groups": groups,
                "circles": [_with_lines(graph, _circle_through(graph, g)) for g in groups],
            },
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        for group, circle in zip(check.metadata["groups"], check.metadata["circles"], strict=True):
            output.print_error(f"{len(group)} modules import each other in circles:")
            for module in group:
                output.print_error(f"  {module}", bold=False)
            output.print_error("One of the circles:")
            for importer, imported, lines in circle:
                output.print_error(f"- {importer} -> {imported} (l. {lines})", bold=False)
            output.new_line()


def _groups(graph: grimp.ImportGraph, modules: set[str]) -> Iterator[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    for root in sorted(modules):
        if root in index:
            continue
        work = [(root, _next_of(graph, root, modules))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, targets = work[-1]
            target = next(targets, None)
            if target is None:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    group = _pop_group(stack, on_stack, module)
                    if len(group) > 1:
                        yield sorted(group)
            elif target not in index:
                index[target] = low[target] = len(index)
                stack.append(target)
                on_stack.add(target)
                work.append((target, _next_of(graph, target, modules)))
            elif target in on_stack:
                low[module] = min(low[module], index[target])


def _next_of(graph: grimp.ImportGraph, module: str, modules: set[str]) -> Iterator[str]:
    return iter(sorted(graph.find_modules_directly_imported_by(module) & modules))


def _pop_group(stack: list[str], on_stack: set[str], root: str) -> list[str]:
    group: list[str] = []
    while True:
        module = stack.pop()
        on_stack.discard(module)
        group.append(module)
        if module == root:
            return group


def _circle_through(graph: grimp.ImportGraph, group: list[str]) -> list[str]:
    """The shortest circle from the group's first module back to itself, within the group."""
    first, members = group[0], set(group)
    best: list[str] | None = None
    for step in sorted(graph.find_modules_directly_imported_by(first) & members):
        back = graph.find_shortest_chain(importer=step, imported=first)
        if back is not None and set(back) <= members and (best is None or len(back) < len(best)):
            best = [first, *back[:-1]]
    return best or group  # the group's modules, should no chain stay within it


def _with_lines(graph: grimp.ImportGraph, circle: list[str]) -> list[tuple[str, str, Any]]:
    """Each import of the circle with the line numbers it is made on."""
    steps = zip(circle, [*circle[1:], circle[0]], strict=True)
    return [(a, b, _lines(graph, a, b)) for a, b in steps]


def _lines(graph: grimp.ImportGraph, importer: str, imported: str) -> str:
    details = graph.get_import_details(importer=importer, imported=imported)
    return ", ".join(str(d["line_number"]) for d in details) or "?"

"""No import cycles in bot/ (deferred imports count too: a cycle is a layering mistake either way)."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.settings import ROOT


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports (absolute imports, anywhere in the file)."""
    mods = {".".join(p.relative_to(package.parent).with_suffix("").parts).removesuffix(".__init__"): p
            for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for module, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            graph[module] |= {n for n in names if n in mods and n != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one module."""
    order: list[str] = []
    seen: set[str] = set()
    for start in graph:  # iterative DFS post-order, then components on the reversed graph (Kosaraju)
        if start in seen:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        seen.add(start)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                order.append(node)
                stack.pop()
            elif child not in seen:
                seen.add(child)
                stack.append((child, iter(sorted(graph[child]))))
    reverse: dict[str, set[str]] = {m: set() for m in graph}
    for m, targets in graph.items():
        for t in targets:
            reverse[t].add(m)
    found, assigned = [], set()
    for root in reversed(order):
        if root in assigned:
            continue
        component, todo = set(), [root]
        while todo:
            m = todo.pop()
            if m not in assigned:
                assigned.add(m)
                component.add(m)
                todo.extend(reverse[m] - assigned)
        if len(component) > 1:
            found.append(component)
    return found


def test_no_import_cycles_in_bot() -> None:
    assert cycles(import_graph(ROOT / "bot")) == []


def test_a_cycle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]

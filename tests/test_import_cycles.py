"""No import cycles in bot/ (deferred imports count too: a cycle is a layering mistake either way)."""

from __future__ import annotations

import ast
from pathlib import Path

from bot.settings import ROOT


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports (absolute imports, anywhere in the file, for type checkers too)."""
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
    assert cycles(import_graph(ROOT / "bot")) == []  # imports for type checkers count: a cycle either way


def test_a_cycle_is_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def room(module: str) -> str:
    """The package a module lives in (``bot.dialog.inbox`` → ``dialog``); top-level modules are their own room."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def package_edges(graph: dict[str, set[str]]) -> set[tuple[str, str]]:
    """(importer's package, imported package) for every import between two packages of ``bot``."""
    return {(room(a), room(b)) for a, targets in graph.items() for b in targets if room(a) != room(b)}


# Directions a layer must never take (ARCHITECTURE: telegram → dialog/knowledge → inference/store).
FORBIDDEN = {("dialog", "jobs"), ("dialog", "ops"), ("dialog", "telegram"), ("dialog", "cli"),
             ("knowledge", "dialog"), ("knowledge", "jobs"), ("knowledge", "telegram"), ("store", "dialog"),
             ("store", "knowledge"), ("telegram", "store"), ("integrations", "dialog"), ("metrics", "ops")}


def test_packages_point_one_way() -> None:
    edges = package_edges(import_graph(ROOT / "bot"))  # imports for type checkers count too
    two_way = sorted({tuple(sorted(e)) for e in edges if (e[1], e[0]) in edges})
    assert two_way == [], f"package-level two-way ties: {two_way}"
    assert sorted(edges & FORBIDDEN) == []


def test_a_two_way_tie_between_packages_is_found() -> None:
    graph = {"bot.dialog.media": {"bot.jobs.queues"}, "bot.jobs.queues": {"bot.dialog.jobs"}, "bot.dialog.jobs": set()}
    edges = package_edges(graph)
    assert ("dialog", "jobs") in edges and ("jobs", "dialog") in edges, "no module cycle, still a package tie"
    assert cycles(graph) == []


def constructed_clients(path: Path) -> set[str]:
    """Backend client classes a module constructs (a call of the class name)."""
    clients = {"QdrantClient", "Redis", "KaitenClient", "N8nClient", "CalDAVCalendar", "LLMClient",
               "WhisperTranscriber", "DAVClient", "AsyncOpenAI", "OpenAI"}
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in clients or (name == "from_url" and isinstance(func, ast.Attribute)
                                   and isinstance(func.value, ast.Name) and func.value.id == "Redis"):
                found.add(name if name != "from_url" else "Redis")
    return found


def test_backend_clients_are_built_only_by_the_container_and_their_adapters() -> None:
    allowed = {"bot/container.py"}
    adapters = ("bot/integrations/", "inference/", "bot/jobs/queues.py")  # an adapter builds its own session
    offenders = {}
    for path in [*(ROOT / "bot").rglob("*.py")]:
        relative = str(path.relative_to(ROOT))
        if relative in allowed or relative.startswith(adapters):
            continue
        if found := constructed_clients(path):
            offenders[relative] = sorted(found)
    assert offenders == {}

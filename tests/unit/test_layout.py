"""The house rules of app/: no import circles, Redis only in the store, the API on top."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
ENTRY_POINTS = {"app.cli", "app.demo"}
"""Start the relay: they may build the API; nothing else below it may import it."""
MAX_LINES = 300


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(APP.rglob("*.py"))}


def _runtime_nodes(tree: ast.Module) -> Iterator[ast.AST]:
    """Every node except what sits under ``if TYPE_CHECKING:`` (never imported at run time)."""
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The app modules (and third-party top names) a module imports at run time."""
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names
                         if f"{node.module}.{a.name}" in known)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: {i for i in imports_of(path, known) if i in known and i != name}
            for name, path in mods.items()}


def test_no_import_circles_in_app() -> None:
    """No module of app/ reaches itself through the modules it imports."""
    edges = graph()
    circles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                circles.append([*trail[trail.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert circles == []


def test_only_the_store_talks_to_redis() -> None:
    """Every ``import redis`` of app/ is inside app/store/."""
    mods = modules()
    users = {name for name, path in mods.items()
             if any(i == "redis" or i.startswith("redis.") for i in imports_of(path, set()))}
    assert users and all(u.startswith("app.store.") for u in users), users


def test_nothing_below_the_api_imports_it() -> None:
    """Only app/api/ itself and the entry points import app.api."""
    offenders = {name: sorted(i for i in deps if i.startswith("app.api"))
                 for name, deps in graph().items()
                 if not name.startswith("app.api") and name not in ENTRY_POINTS}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_modules_stay_small() -> None:
    """Every Python module of app/ has at most 300 lines."""
    long = {name: n for name, path in modules().items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert long == {}

"""The import graph of app/, engine/ and descent/: no circles (counting imports inside functions and under
`if TYPE_CHECKING:`), and an engine that imports nothing of the web layer.

Read from the source with `ast` (nothing is imported), so an import hidden anywhere in a module counts.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "engine", "descent")
WEB = ("app", "fastapi", "pydantic", "starlette", "uvicorn", "httpx", "websockets")


def module_name(path: Path) -> str:
    """app/live/player.py -> app.live.player; app/live/__init__.py -> app.live."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    """Every module of the three packages by dotted name."""
    found = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}
    assert {"app.main", "engine.run", "descent.ops"} <= found.keys()  # the walk found the packages
    return found


def imported(path: Path, name: str, known: set[str] | None = None) -> set[str]:
    """Every dotted name a module imports, wherever the import statement stands (a module, a function, a
    TYPE_CHECKING block). `from a.b import c` is a.b.c when that is a module of `known`, else a.b."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from .x import y
                parts = package.split(".")
                anchor = parts[: len(parts) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if known is not None and sub in known else base)
    return out


def graph() -> dict[str, set[str]]:
    """Module -> the modules of the three packages it imports (itself excluded)."""
    mods = modules()
    known = set(mods)
    return {name: {m for m in imported(path, name, known) if m in mods and m != name} for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One circle (a -> b -> ... -> a) through each strongly connected group of modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group: set[str] = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return [circle(edges, g) for g in groups]


def circle(edges: dict[str, set[str]], group: set[str]) -> list[str]:
    """A shortest path from the group's first module back to itself, inside the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(edges[v] & group):
                if w == start:
                    return [*paths[v], start]
                if w not in paths:
                    paths[w] = [*paths[v], w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"no circle in {sorted(group)}")


def test_the_cycle_finder_finds_cycles() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"} - {"e"}}
    assert cycles(edges) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_imports_in_functions_and_type_checking_blocks_count(tmp_path: Path) -> None:
    source = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.live.player import Player\n"
              "def f():\n    import engine.run\n    from . import sibling\n")
    path = tmp_path / "mod.py"
    path.write_text(source, encoding="utf-8")
    got = imported(path, "app.live.mod", {"app.live.player", "engine.run", "app.live.sibling"})
    assert got == {"typing", "app.live.player", "engine.run", "app.live.sibling"}


def test_no_import_circles() -> None:
    found = cycles(graph())
    assert not found, "import circles:\n" + "\n".join(" -> ".join(c) for c in found)


@pytest.mark.parametrize("name", sorted(n for n in modules() if n.split(".")[0] == "engine"))
def test_the_engine_imports_nothing_of_the_web_layer(name: str) -> None:
    path = modules()[name]
    bad = sorted(m for m in imported(path, name) if m.split(".")[0] in WEB)
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


# The live session's layers, as the README lists them: each module imports only modules after it.
LIVE = ("socket_loop", "handlers", "player", "play_loop", "client", "feed", "grids", "netview", "pacing", "replays",
        "stepping")


def test_the_live_session_depends_one_way() -> None:
    edges = graph()
    assert {n.split(".")[-1] for n in edges if n.startswith("app.live.")} == set(LIVE)  # every module has a layer
    for i, name in enumerate(LIVE):
        uses = {m.split(".")[-1] for m in edges[f"app.live.{name}"] if m.startswith("app.live.")}
        assert uses <= set(LIVE[i + 1:]), f"app/live/{name}.py imports {sorted(uses - set(LIVE[i + 1:]))}"
    outside = {m for n, deps in edges.items() if n.startswith("app.live.") for m in deps}
    assert not {m for m in outside if m.startswith(("app.routes", "app.classroom"))}  # no route, no classroom

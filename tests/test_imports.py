"""The package's import graph has no cycle (module-level and deferred imports alike), and the code a
grading kernel imports (nndebug.kernel) depends on nothing else of the kit."""
from __future__ import annotations

import ast
from pathlib import Path

from nndebug import config

PACKAGE = config.ROOT / "nndebug"


def module_name(path: Path) -> str:
    parts = path.relative_to(config.ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The kit modules ``path`` imports (``from package import name`` counts the submodule name)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                found.add(sub if sub in modules else node.module)
    return {m for m in found if m in modules}


def graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {name: imports(path, set(files)) - {name} for name, path in files.items()}


def cycle(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle, as a path, or [] (packages importing their own submodules aside)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt.startswith(node + ".") or node.startswith(nxt + "."):
                continue  # a package and its own submodules
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return []

    for start in sorted(edges):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_no_import_cycle_in_the_package() -> None:
    assert cycle(graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_the_kernel_side_imports_nothing_else_of_the_kit() -> None:
    edges = graph()
    for name in (n for n in edges if n.startswith("nndebug.kernel")):
        assert all(m == "nndebug" or m.startswith("nndebug.kernel") for m in edges[name]), (name, edges[name])


# The layers, lowest first. A module imports only from its own package or a lower layer: the settings, the
# course layer (what every stage shares about the course), the stages in pipeline order, the tools on top
# of them, and the CLI. nndebug.kernel (what a grading kernel imports) sits at the bottom, importing nothing;
# nndebug.deadline (due dates) beside it, below the settings that check one. nndebug.variants (per-student
# variants) sits on the verifier and under the autograder that grades with them.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("nndebug", "nndebug.kernel", "nndebug.deadline"),
    ("nndebug.settings",),
    ("nndebug.config",),
    ("nndebug.course",),
    ("nndebug.mnist",),
    ("nndebug.pretrained",),
    ("nndebug.release",),
    ("nndebug.publish",),
    ("nndebug.collect",),
    ("nndebug.rubric",),
    ("nndebug.verify",),
    ("nndebug.variants",),
    ("nndebug.similarity",),
    ("nndebug.autograde",),
    ("nndebug.outbound",),
    ("nndebug.tools",),
    ("nndebug.commands", "nndebug.__main__"),
)


def layer(module: str) -> tuple[int, str]:
    """(rank, package) of ``module``: the layer of the longest package name it falls under."""
    ranked = [(len(name), rank, name) for rank, names in enumerate(LAYERS) for name in names
              if module == name or module.startswith(name + ".")]
    if not ranked:
        raise AssertionError(f"{module} is in no layer: add its package to LAYERS in tests/test_imports.py")
    _, rank, name = max(ranked)
    return rank, name


def climbs(edges: dict[str, set[str]]) -> list[str]:
    """Every import of a module of another package at the same or a higher layer."""
    found = []
    for module, targets in sorted(edges.items()):
        rank, package = layer(module)
        for target in sorted(targets):
            to_rank, to_package = layer(target)
            if to_package != package and to_rank >= rank and to_package != "nndebug":
                found.append(f"{module} (layer {rank}) imports {target} (layer {to_rank})")
    return found


def test_every_import_goes_down_the_layers() -> None:
    assert climbs(graph()) == []


def test_the_course_layer_imports_only_the_settings() -> None:
    edges = graph()
    for name in (n for n in edges if n.startswith("nndebug.course")):
        outside = {m for m in edges[name] if not m.startswith("nndebug.course")}
        assert outside <= {"nndebug", "nndebug.config", "nndebug.settings"}, (name, outside)


def test_the_layer_check_sees_a_climb() -> None:
    assert climbs({"nndebug.course.colab": {"nndebug.publish.tree"}}) == [
        "nndebug.course.colab (layer 3) imports nndebug.publish.tree (layer 7)"]
    assert climbs({"nndebug.verify.fixes": {"nndebug.rubric"}}) == []

"""The package's import graph: no cycle at run time, and the layers only look down.

Imports are read from the source with `ast` (nothing is imported). Imports under
`if TYPE_CHECKING:` are for the type checker only and are left aside; every other
import counts, inside functions too, so a loop cannot be dodged by importing late.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

PACKAGE = Path(__file__).resolve().parents[1] / "graph_registry"
CLI_ENTRY = "graph_registry.cli.main"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    _module_name(path): path for path in sorted(PACKAGE.rglob("*.py")) if "_web" not in path.relative_to(PACKAGE).parts
}


def _type_checking_only(tree: ast.Module) -> set[int]:
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                hidden.update(id(inner) for inner in ast.walk(child))
    return hidden


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        base = module.split(".") if MODULES[module].name == "__init__.py" else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join([*base, node.module] if node.module else base)
    else:
        source = node.module or ""
    for alias in node.names:
        submodule = f"{source}.{alias.name}"
        yield submodule if submodule in MODULES else source


def _imports(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    hidden = _type_checking_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in hidden:
            found.update(target for target in _targets(module, node) if target in MODULES and target != module)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _cycles() -> list[list[str]]:
    graph = GRAPH
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def _reaching(prefix: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} -> {target}"
        for module, targets in GRAPH.items()
        if module == prefix or module.startswith(prefix + ".")
        for target in targets
        if any(target == layer or target.startswith(layer + ".") for layer in forbidden)
    )


def test_the_walk_sees_the_package() -> None:
    assert "graph_registry.storage.database" in MODULES
    assert "graph_registry.storage.database" in GRAPH["graph_registry.bootstrap"]


def test_no_import_cycle_at_run_time() -> None:
    assert _cycles() == []


def test_the_client_never_imports_the_api() -> None:
    assert _reaching("graph_registry.client", ("graph_registry.api",)) == []


def test_only_the_cli_entry_module_imports_the_api() -> None:
    reaching = _reaching("graph_registry.cli", ("graph_registry.api",))
    assert [edge for edge in reaching if not edge.startswith(CLI_ENTRY + " ")] == []


def test_storage_imports_neither_services_nor_api() -> None:
    assert _reaching("graph_registry.storage", ("graph_registry.services", "graph_registry.api")) == []


def test_the_domain_imports_neither_strawberry_nor_neo4j_nor_layers_above() -> None:
    outside = ("graph_registry.services", "graph_registry.api", "graph_registry.storage", "graph_registry.cli")
    assert _reaching("graph_registry.domain", outside) == []
    for module, path in MODULES.items():
        if module.startswith("graph_registry.domain"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = {
                alias.name.split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
            } | {
                (node.module or "").split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and not node.level
            }
            assert not names & {"strawberry", "neo4j"}, module


def test_a_cycle_is_seen() -> None:
    """The check itself: a made-up loop is reported."""
    GRAPH["graph_registry.errors"].add("graph_registry.storage.database")
    try:
        assert _cycles() != []
    finally:
        GRAPH["graph_registry.errors"].discard("graph_registry.storage.database")


def test_no_module_of_the_package_is_imported_inside_a_function() -> None:
    """Late imports are how loops used to be dodged: every import of the package is at module level."""
    late = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom) and any(
                        target.startswith("graph_registry") for target in _targets(module, node)
                    ):
                        late.append(f"{module}:{node.lineno}")
    assert late == []

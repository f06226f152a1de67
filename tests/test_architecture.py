"""The shape of the package: feature packages depend on each other without cycles, and
the central modules reach the features' models only through the content-type registry."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lerend_netwerk"
# The shared layer every feature may use (forms, edge checks, the registry itself).
SHARED = {"core"}
# Modules that loop over the registry instead of importing the features' models.
CENTRAL = (
    "search/documents.py",
    "search/outbox.py",
    "search/details.py",
    "search/service.py",
    "themes/service.py",
    "content_io/schema.py",
    "content_io/service.py",
    "content_io/document.py",
    "indicators/service.py",
    "indicators/figures.py",
    "indicators/sections.py",
    "api/routes.py",
    "api/openapi.py",
    "core/templating.py",
    "mail/digest.py",
    "auth/service.py",
)


def _runtime_imports(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import that runs (not those under `if TYPE_CHECKING:`)."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and getattr(child.test, "id", "") == "TYPE_CHECKING":
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.append((child.lineno, child.module))
            elif isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            visit(child)

    visit(tree)
    return found


def _packages() -> set[str]:
    return {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}


def package_graph() -> dict[str, dict[str, list[str]]]:
    """package -> imported package -> where ("agenda/service.py:39")."""
    packages = _packages()
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if len(parts) < 2:
            continue
        for line, module in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            names = module.split(".")
            inside = names[0] == "lerend_netwerk" and len(names) > 1 and names[1] in packages
            if inside and names[1] != parts[0]:
                graph[parts[0]][names[1]].append(f"{'/'.join(parts)}:{line}")
    return graph


def strongly_connected(graph: dict[str, dict[str, list[str]]], nodes: set[str]) -> list[set[str]]:
    """The groups of packages that import each other, directly or round about (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[set[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, {}):
            if other not in nodes:
                continue
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(nodes):
        if node not in index:
            connect(node)
    return groups


def _describe(graph, group: set[str]) -> str:
    return "; ".join(
        f"{a} -> {b} ({', '.join(graph[a][b][:3])})"
        for a in sorted(group)
        for b in sorted(graph.get(a, {}))
        if b in group
    )


def test_no_import_cycle_between_feature_packages():
    graph = package_graph()
    features = _packages() - SHARED
    cycles = strongly_connected(graph, features)
    assert not cycles, "\n".join(_describe(graph, group) for group in cycles)


def test_the_cycle_check_finds_a_cycle():
    graph = {"a": {"b": ["a.py:1"]}, "b": {"c": ["b.py:1"]}, "c": {"a": ["c.py:1"]}, "d": {}}
    assert strongly_connected(graph, {"a", "b", "c", "d"}) == [{"a", "b", "c"}]


def _content_packages() -> set[str]:
    """The packages that declare content types (`content_type.py`)."""
    return {p.parent.name for p in PACKAGE.glob("*/content_type.py")}


def test_central_modules_import_no_features_models():
    """Nor their services: a kind's search, figures, menu entry and API part reach these
    modules through its ContentType."""
    features = _content_packages()
    offending = []
    for name in CENTRAL:
        own = name.split("/")[0]
        tree = ast.parse((PACKAGE / name).read_text(encoding="utf-8"))
        for line, module in _runtime_imports(tree):
            names = module.split(".")
            if (
                len(names) > 2
                and names[0] == "lerend_netwerk"
                and names[1] in features - {own}
                and names[2] in ("models", "service", "content_type")
            ):
                offending.append(f"{name}:{line} imports {module}")
    assert not offending, "\n".join(offending)


def test_every_content_type_is_registered_in_create_app():
    """A feature's content_type.py is read by nobody unless create_app registers it."""
    source = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    for package in _content_packages():
        assert f"lerend_netwerk.{package}.content_type import" in source, package


def _literal_paths(source: str) -> list[int]:
    """The lines of the keyword arguments `url_prefix="/…"` in a module's source: a path
    written twice, once in the route and once here."""
    return [
        node.value.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.keyword)
        and node.arg == "url_prefix"
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]


def test_content_types_write_no_path_of_their_pages():
    """A kind's addresses come from the URL map (its endpoint's route), never from a
    prefix written in its content_type.py (a network's folder is a name of networks/)."""
    offending = [
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in sorted(PACKAGE.glob("*/content_type.py"))
        for line in _literal_paths(path.read_text(encoding="utf-8"))
    ]
    assert not offending, "\n".join(offending)


def test_the_path_check_finds_a_written_prefix():
    source = (PACKAGE / "themes" / "content_type.py").read_text(encoding="utf-8")
    assert _literal_paths(source) == []
    written = source.replace('label="Thema",', 'label="Thema", url_prefix="/themas/",', 1)
    assert len(_literal_paths(written)) == 1

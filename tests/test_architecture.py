"""The shape of the code: one access-check pattern, services that do not speak HTTP."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lerend_netwerk"
# The modules that translate between HTTP and the rules may abort; nothing else.
HTTP_MODULES = {"access.py"}


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _is_view_module(path: Path) -> bool:
    return path.name == "routes.py"


def imported_names(tree: ast.AST, module: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == module:
            names.update(alias.name for alias in node.names)
    return names


def calls_abort(tree: ast.AST) -> list[int]:
    """Lines that call flask's abort, by name or as flask.abort."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id == "abort") or (
            isinstance(func, ast.Attribute) and func.attr == "abort"
        ):
            lines.append(node.lineno)
    return lines


def test_no_view_module_uses_flask_login_required():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if "login_required" in imported_names(ast.parse(path.read_text()), "flask_login")
    ]
    assert offenders == [], "views use lerend_netwerk.access (member_required, …)"


def test_no_service_calls_abort():
    offenders = []
    for path in _modules():
        if _is_view_module(path) or str(path.relative_to(PACKAGE)) in HTTP_MODULES:
            continue
        for line in calls_abort(ast.parse(path.read_text())):
            offenders.append(f"{path.relative_to(PACKAGE)}:{line}")
    assert offenders == [], "services raise NotFoundError/ForbiddenError (core/errors.py)"


@pytest.mark.parametrize(
    "source, expected",
    [
        ("from flask import abort\ndef f():\n    abort(404)\n", [3]),
        ("import flask\ndef f():\n    flask.abort(403)\n", [3]),
        ("def f():\n    raise NotFoundError()\n", []),
    ],
)
def test_the_abort_check_sees_both_spellings(source, expected):
    assert calls_abort(ast.parse(source)) == expected


def test_the_import_check_sees_login_required():
    tree = ast.parse("from flask_login import current_user, login_required\n")
    assert "login_required" in imported_names(tree, "flask_login")

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


# Flask-SQLAlchemy's helpers that abort(404) themselves.
ABORTING_HELPERS = {"abort", "get_or_404", "one_or_404", "first_or_404"}


def calls_abort(tree: ast.AST) -> list[int]:
    """Lines that call flask's abort (by name or as flask.abort) or an *_or_404 helper."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (isinstance(func, ast.Name) and func.id in ABORTING_HELPERS) or (
            isinstance(func, ast.Attribute) and func.attr in ABORTING_HELPERS
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
        ("def f():\n    return db.one_or_404(select(X))\n", [2]),
        ("def f():\n    return db.get_or_404(X, 1)\n", [2]),
        ("def f():\n    raise NotFoundError()\n", []),
    ],
)
def test_the_abort_check_sees_both_spellings(source, expected):
    assert calls_abort(ast.parse(source)) == expected


def test_the_import_check_sees_login_required():
    tree = ast.parse("from flask_login import current_user, login_required\n")
    assert "login_required" in imported_names(tree, "flask_login")


def test_blueprints_install_nothing_when_registered():
    """Listeners and receivers are wired in create_app, not as a side effect of a blueprint."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in _modules()
        if _is_view_module(path)
        and (".record_once(" in path.read_text() or "@bp.record" in path.read_text())
    ]
    assert offenders == []


@pytest.mark.parametrize("package", ["agenda", "auth", "contributions"])
def test_features_tell_mail_through_signals(package):
    """Features send signals (lerend_netwerk.signals); only mail queues mail."""
    for path in (PACKAGE / package).rglob("*.py"):
        tree = ast.parse(path.read_text())
        modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "lerend_netwerk.mail.outbox" not in modules, path.name


def test_the_factory_connects_the_mail_receivers(app):
    from lerend_netwerk import signals
    from lerend_netwerk.mail import receivers

    wired = {
        signals.registration_changed: receivers.on_registration_changed,
        signals.meeting_changed: receivers.on_meeting_changed,
        signals.account_mail: receivers.on_account_mail,
        signals.contribution_reviewed: receivers.on_contribution_reviewed,
    }
    for signal, receiver in wired.items():
        assert receiver in list(signal.receivers_for(object())), signal.name

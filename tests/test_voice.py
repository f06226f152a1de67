"""One voice: the platform says "je" and "jouw", never the formal "u" and "uw"."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "lerend_netwerk"
FORMAL = re.compile(r"(?<![\w\\'-])(u|uw|uwe|uzelf)(?![\w'-])", re.I)


def formal_words(text: str) -> list[str]:
    return [match.group(0) for match in FORMAL.finditer(text)]


def python_strings(path: Path):
    """The string literals of a module (its UI texts, flash messages, mail subjects)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def test_the_check_recognises_the_formal_voice():
    assert formal_words("Wilt u uw e-mailadres bevestigen?") == ["u", "uw"]
    assert formal_words("U ziet hoe het werkt. Uzelf ook.") == ["U", "Uzelf"]
    assert formal_words("Je ziet hoe duale studenten uur na uur werken, u-bocht, \\u00e9") == []


def test_templates_and_content_use_je():
    files = [
        *PACKAGE.rglob("*.html"),
        *PACKAGE.rglob("*.txt"),
        *PACKAGE.rglob("*.js"),
        *(ROOT / "content").rglob("*.md"),
        *(ROOT / "content").rglob("*.yaml"),
        *(ROOT / "content").rglob("*.yml"),
    ]
    assert len(files) > 50
    found = {
        str(path.relative_to(ROOT)): words
        for path in files
        if path.name != "common_passwords.txt"
        if (words := formal_words(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_python_texts_use_je():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text[:80]!r}"
        for path in PACKAGE.rglob("*.py")
        for line, text in python_strings(path)
        if formal_words(text)
    ]
    assert found == []

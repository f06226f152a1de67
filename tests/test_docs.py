"""The documentation a newcomer has is complete and stays inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from lerend_netwerk.content_io.schema import kinds

ROOT = Path(__file__).resolve().parent.parent
# Keys of the contract's additions, documented as part of the format.
ADDITIONS = {
    "sessions": {"published", "uid", "sequence", "guests"},
    "practices": {"published"},
    "reports": {"published"},
    "recommendations": {"published"},
}


def sections(text: str) -> dict[str, str]:
    """The kind sections of docs/content-format.md: '### `dir/` — ...' up to the next."""
    parts = re.split(r"^### `([a-z]+)/`.*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def documented_keys(section: str) -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))


def test_content_format_documents_every_key_of_every_kind():
    text = (ROOT / "docs" / "content-format.md").read_text(encoding="utf-8")
    found = sections(text)
    assert set(found) == {kind.name for kind in kinds()}
    for kind in kinds():
        keys = set(kind.keys) | ADDITIONS.get(kind.name, set())
        assert documented_keys(found[kind.name]) == keys, kind.name
        for field in kind.fields:
            for choice in field.choices:
                assert f"`{choice}`" in found[kind.name], (kind.name, field.key, choice)


def test_readme_and_docs_point_at_nothing_outside_the_repository():
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]:
        text = path.read_text(encoding="utf-8")
        # Code spans and blocks show Markdown; they link nowhere.
        prose = re.sub(r"```.*?```|`[^`\n]*`", "", text, flags=re.S)
        for target in re.findall(r"\]\(([^)#]+)[^)]*\)", prose):
            if re.match(r"[a-z]+:", target):
                continue
            resolved = (path.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), (path.name, target)
            assert resolved.exists(), (path.name, target)
        assert "../shared" not in text and "CONTRACT.md" not in text, path.name


def test_readme_states_what_a_newcomer_needs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Python ≥ 3.11" in readme
    assert "PostgreSQL" in readme and "Chromium" in readme
    assert "docs/content-format.md" in readme
    assert re.search(r"takes about \d+ minutes", readme)

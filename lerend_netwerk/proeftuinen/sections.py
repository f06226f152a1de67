"""Template sections in a Markdown body: `## ` headings in a fixed order.

A visit report's body (the contract's content format) is a sequence of `## <section>`
headings in the order of REPORT_SECTIONS. The same functions serve other templates
(the good-practice template of contributions) by passing another `sections` tuple.

The canonical form written by `join_sections`:

    [intro\\n\\n]## Section A\\n\\ntext A\\n\\n## Section B\\n\\ntext B

- Sections are written in template order; a section present with empty text is
  written as a bare heading, an absent one is left out.
- Text before the first template heading (an introduction) is kept under the key
  PREAMBLE ("").
- A `## ` heading that is not a template section, a template heading repeated, or a
  heading inside a fenced code block is ordinary text of the section it stands in,
  so nothing in a body is ever lost.

Round trips: `join_sections(split_sections(body)) == body` for every body in canonical
form, and `split_sections(join_sections(d)) == d` for every dict whose values have no
leading or trailing blank lines or trailing whitespace.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from lerend_netwerk.core.markdown_sections import heading_keys, section_key
from lerend_netwerk.proeftuinen.models import REPORT_SECTIONS

PREAMBLE = ""


def field_name(section: str) -> str:
    """A form field name for a section: "Thema's voor intervisie" -> themas_voor_intervisie."""
    return re.sub(r"[^a-z0-9]+", "_", section.lower().replace("'", "").replace("’", "")).strip("_")


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _clean(text: str) -> str:
    return text.strip("\n").rstrip()


def split_sections(body: str | None, sections: Iterable[str] = REPORT_SECTIONS) -> dict[str, str]:
    """The body's text per template section (plus PREAMBLE when there is an intro)."""
    names = {section_key(name): name for name in sections}
    result: dict[str, str] = {}
    current = PREAMBLE
    lines: list[str] = []

    def flush() -> None:
        text = _clean("\n".join(lines))
        if current != PREAMBLE or text:
            result[current] = text

    body_lines = _normalise_newlines(body or "").split("\n")
    for line, key in zip(body_lines, heading_keys(body_lines), strict=True):
        if key in names and names[key] not in result and names[key] != current:
            flush()
            current = names[key]
            lines = []
            continue
        lines.append(line)
    flush()
    return result


def join_sections(
    values: Mapping[str, str | None], sections: Iterable[str] = REPORT_SECTIONS
) -> str:
    """The Markdown body for `values`: the sections given, in template order."""
    parts: list[str] = []
    intro = _clean(_normalise_newlines(values.get(PREAMBLE) or ""))
    if intro:
        parts.append(intro)
    for name in sections:
        if name not in values:
            continue
        text = _clean(_normalise_newlines(values[name] or ""))
        parts.append(f"## {name}\n\n{text}" if text else f"## {name}")
    return "\n\n".join(parts)


def complete_sections(
    values: Mapping[str, str | None], sections: Iterable[str] = REPORT_SECTIONS
) -> dict[str, str]:
    """Every template section, empty ones included (the content format needs all headings)."""
    sections = tuple(sections)
    return {**dict.fromkeys(sections, ""), **filled_sections(values, sections)}


def filled_sections(
    values: Mapping[str, str | None], sections: Iterable[str] = REPORT_SECTIONS
) -> dict[str, str]:
    """Only the sections with text, in template order (what a form submission keeps)."""
    result: dict[str, str] = {}
    intro = _clean(_normalise_newlines(values.get(PREAMBLE) or ""))
    if intro:
        result[PREAMBLE] = intro
    for name in sections:
        text = _clean(_normalise_newlines(values.get(name) or ""))
        if text:
            result[name] = text
    return result

"""Rendering Markdown takes work linear in the input, whatever the input.

Counted in executed Python lines (sys.settrace), not in seconds, so the test means the
same on a busy machine: a renderer with a quadratic case (Python-Markdown on runs of
`[`) does about 15 times the work for 4 times the input, a linear one about 4 times.
"""

from __future__ import annotations

import sys

import pytest

from lerend_netwerk import markdown

PATHOLOGICAL = ["[", "[x][", "[a](", "](", "*a", "_a", "<b>", "<", "> ", "> * ", "&#", "`"]


def _steps(text: str) -> int:
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        count += 1
        return trace

    sys.settrace(trace)
    try:
        markdown._safe_html(text)
        markdown._plain_text(text)
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("unit", PATHOLOGICAL)
def test_work_grows_linearly_with_pathological_input(unit):
    small = unit * (500 // len(unit))
    large = unit * (2000 // len(unit))
    small_steps, large_steps = _steps(small), _steps(large)
    assert large_steps <= 5 * small_steps, (unit, small_steps, large_steps)
    # And a bounded amount per character, so no input length is out of reach.
    assert large_steps <= 2500 * len(large), (unit, large_steps)


def test_text_over_the_render_limit_is_shown_as_text_without_parsing():
    text = "[" * (markdown.RENDER_MAX_CHARS + 1) + "<b>x</b>"
    steps = _steps(text)
    assert steps < 1000
    html = markdown._safe_html(text)
    assert html.startswith("<p>[[[") and "&lt;b&gt;x&lt;/b&gt;" in html


def test_each_text_is_rendered_once_then_served_from_the_cache(monkeypatch):
    markdown._cache.clear()
    calls = []
    real = markdown._to_html
    monkeypatch.setattr(markdown, "_to_html", lambda text: calls.append(text) or real(text))
    body = "Een **vette** [link](https://example.be) voor de cache."
    first = markdown.render_markdown(body)
    for _ in range(5):
        assert markdown.render_markdown(body) == first
    assert calls == [body]
    markdown.render_markdown(body + " Gewijzigd.")
    assert len(calls) == 2


def test_cache_stays_within_its_byte_budget():
    from lerend_netwerk.core.lru import ByteBudgetLRU

    cache = ByteBudgetLRU(10_000, cost=lambda html: len(html) + 100)
    for i in range(100):
        cache.put(str(i).encode(), "x" * 1000)
    assert cache.size <= 10_000
    assert cache.get(b"99") is not None and cache.get(b"0") is None
    cache.put(b"huge", "x" * 20_000)
    assert cache.get(b"huge") is None


def test_demo_content_keeps_its_structure():
    html = str(markdown.render_markdown("## Aanpak\n\nEerst *dit*, dan **dat**.\n\n- een\n- twee"))
    assert html == (
        "<h2>Aanpak</h2>\n<p>Eerst <em>dit</em>, dan <strong>dat</strong>.</p>\n"
        "<ul>\n<li>een</li>\n<li>twee</li>\n</ul>"
    )
    assert markdown.markdown_to_text("## Aanpak\n\nEerst *dit*.\n\n- een\n- twee") == (
        "Aanpak\n\nEerst dit.\n\neen\n\ntwee"
    )

"""The one place where Markdown becomes safe HTML.

markdown-it-py (CommonMark) parses and nh3 (ammonia) sanitises: both run in time linear
in the input, also for pathological input such as long runs of `[`, `<b>` or `*a`,
where Python-Markdown and bleach grow quadratically (see benchmarks/bench_markdown.py).
Every form and the import bound the length of each Markdown field; RENDER_MAX_CHARS is
the last line of defence for text that reached the database some other way.
"""

from __future__ import annotations

import hashlib
import html as html_module
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from lerend_netwerk.core.lru import ByteBudgetLRU

ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "li",
        "ol",
        "p",
        "pre",
        "s",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})
LINK_REL = "nofollow noopener"

# Longer text (only possible outside the forms and the import) is shown as plain text.
RENDER_MAX_CHARS = 200_000
# Rendered results per process, by SHA-256 of the source: each text is rendered once
# after it changes, not on every view, and the cache stays within a memory budget.
# 8 MB holds some 6,000 session texts; past that a page or feed that the page cache
# does not serve renders the others again (well under a millisecond each). Every
# worker has its own (the README, *Production*: the memory of a worker).
CACHE_MAX_BYTES = 8 * 1024 * 1024


def _parser() -> MarkdownIt:
    # Raw HTML is passed on to nh3, which keeps the allowed tags and drops the rest.
    # Only inline HTML: the Markdown around a tag at the start of a line is still
    # rendered, instead of the lines up to the next blank one passing as a raw HTML block.
    # "linkify" turns bare addresses into links.
    parser = (
        MarkdownIt("commonmark", {"html": True, "linkify": True, "typographer": True})
        .enable(["table", "strikethrough", "linkify", "replacements", "smartquotes"])
        .disable("html_block")
    )
    # Every link becomes an <a>: nh3 removes an href with another scheme than
    # ALLOWED_PROTOCOLS, so [x](javascript:…) is the text x, not Markdown source.
    parser.validateLink = lambda url: True
    return parser


_local = threading.local()


def _to_html(text: str) -> str:
    if len(text) > RENDER_MAX_CHARS:
        return f"<p>{html_module.escape(text)}</p>"
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _parser()
    return parser.render(text)


def _sanitise(raw: str) -> str:
    return nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_PROTOCOLS),
        link_rel=LINK_REL,
        strip_comments=True,
    )


# A value costs its characters plus the key and the entry's own bookkeeping.
_cache: ByteBudgetLRU[str] = ByteBudgetLRU(CACHE_MAX_BYTES, cost=lambda html: len(html) + 100)


@contextmanager
def uncached() -> Iterator[None]:
    """Render without keeping the results, in this thread: for text rendered once and
    stored elsewhere (a feed's events), which would only push out what pages show."""
    before = getattr(_local, "uncached", False)
    _local.uncached = True
    try:
        yield
    finally:
        _local.uncached = before


def _cached(kind: bytes, text: str, build) -> str:
    if getattr(_local, "uncached", False):
        return build(text)
    key = hashlib.sha256(kind + text.encode("utf-8", "surrogatepass")).digest()
    value = _cache.get(key)
    if value is None:
        value = build(text)
        _cache.put(key, value)
    return value


def _safe_html(text: str) -> str:
    return _sanitise(_to_html(text)).strip("\n")


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown to HTML that is safe to put on a page."""
    if not text:
        return Markup("")
    return Markup(_cached(b"html\0", text, _safe_html))


# A line break after each block, so that paragraphs and list items stay apart as text.
_BLOCK_END_RE = re.compile(
    r"(</(?:address|blockquote|div|dl|dd|dt|h[1-6]|li|ol|p|pre|table|tr|ul)>|<hr\s*/?>)",
    re.IGNORECASE,
)


_LINK_RE = re.compile(r'<a\s[^>]*?href="((?:https?:|mailto:)[^"]*)"[^>]*>(.*?)</a>', re.S)


def _spell_out_link(match: re.Match[str]) -> str:
    url, label = match.group(1), match.group(2)
    shown = html_module.unescape(re.sub(r"<[^>]+>", "", label)).strip()
    target = html_module.unescape(url)
    if shown in (target, target.removeprefix("mailto:")):
        return label
    return f"{label} ({url})"


def _plain_text(text: str, keep_links: bool = False) -> str:
    html = _to_html(text)
    if keep_links:
        html = _LINK_RE.sub(_spell_out_link, html)
    separated = _BLOCK_END_RE.sub(r"\1\n", html)
    plain = nh3.clean(separated, tags=set(), strip_comments=True)
    # nh3 escapes what remains; plain-text consumers want the characters themselves.
    lines = [line.rstrip() for line in html_module.unescape(plain).splitlines()]
    collapsed: list[str] = []
    for line in lines:
        if line or (collapsed and collapsed[-1]):
            collapsed.append(line)
    return "\n".join(collapsed).strip()


def markdown_to_text(text: str | None, *, keep_links: bool = False) -> str:
    """Plain text of a Markdown document, for feeds, snippets and mails.

    With keep_links, a link keeps its address after its text: "het verslag
    (https://...)", for calendars, where a reader cannot click the words.
    """
    if not text:
        return ""
    if keep_links:
        return _cached(b"text+links\0", text, lambda source: _plain_text(source, True))
    return _cached(b"text\0", text, _plain_text)

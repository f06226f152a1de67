"""The one place where Markdown becomes safe HTML."""

from __future__ import annotations

import html as html_module
import re
import threading
from functools import lru_cache, partial

import bleach
import markdown as md
from bleach.linkifier import LinkifyFilter
from markupsafe import Markup

EXTENSIONS = ["extra", "sane_lists", "smarty"]

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
ALLOWED_ATTRIBUTES = {"a": ["href", "title"], "abbr": ["title"], "th": ["align"], "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto", "tel"})


def _set_link_rel(attrs: dict, new: bool = False) -> dict:
    href_key = (None, "href")
    if href_key in attrs:
        attrs[(None, "rel")] = "nofollow noopener"
    return attrs


# Markdown and bleach.Cleaner objects are costly to build and not thread-safe: one of each
# per thread, reused; rendered results are cached because the same bodies render often.
_local = threading.local()
CACHE_SIZE = 1024


def _converter() -> md.Markdown:
    converter = getattr(_local, "markdown", None)
    if converter is None:
        converter = _local.markdown = md.Markdown(extensions=EXTENSIONS, output_format="html")
    return converter


def _cleaner() -> bleach.Cleaner:
    cleaner = getattr(_local, "cleaner", None)
    if cleaner is None:
        cleaner = _local.cleaner = bleach.Cleaner(
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            protocols=ALLOWED_PROTOCOLS,
            strip=True,
            strip_comments=True,
            filters=[partial(LinkifyFilter, callbacks=[_set_link_rel], skip_tags={"pre", "code"})],
        )
    return cleaner


def _to_html(text: str) -> str:
    converter = _converter()
    try:
        return converter.convert(text)
    finally:
        converter.reset()


@lru_cache(maxsize=CACHE_SIZE)
def _safe_html(text: str) -> str:
    return _cleaner().clean(_to_html(text))


def render_markdown(text: str | None) -> Markup:
    """Render user Markdown to HTML that is safe to put on a page."""
    if not text:
        return Markup("")
    return Markup(_safe_html(text))


_LINK_RE = re.compile(r'<a\s[^>]*?href="((?:https?:|mailto:)[^"]*)"[^>]*>(.*?)</a>', re.S)


def _spell_out_link(match: re.Match[str]) -> str:
    url, label = match.group(1), match.group(2)
    shown = html_module.unescape(re.sub(r"<[^>]+>", "", label)).strip()
    target = html_module.unescape(url)
    if shown in (target, target.removeprefix("mailto:")):
        return label
    return f"{label} ({url})"


@lru_cache(maxsize=CACHE_SIZE)
def _plain_text(text: str, keep_links: bool = False) -> str:
    html = _to_html(text)
    if keep_links:
        html = _LINK_RE.sub(_spell_out_link, html)
    plain = bleach.clean(html, tags=set(), strip=True, strip_comments=True)
    # bleach escapes what remains; plain-text consumers want the characters themselves.
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
    return _plain_text(text, keep_links)

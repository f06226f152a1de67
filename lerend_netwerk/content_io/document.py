"""One content file: YAML front matter between two `---` lines, then the Markdown body.

`parse_document` turns a file's text into a record and a list of problems, each with
the 1-based line of the file it is about; `render_document` writes a record back in
the one canonical form that `parse_document` reads to the same record.

The body is kept exactly: it is everything after the closing `---` line, minus the
single line break that ends the file. An export writes it back followed by one line
break, so export -> import -> export reproduces every file byte for byte.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import yaml

from lerend_netwerk.content_io.schema import (
    BODY,
    BOOL,
    CHOICE,
    CHOICES,
    DATE,
    DATETIME,
    INT,
    NETWORK_TYPES,
    PUBLISHED,
    REF,
    REFS,
    TEXT,
    YEARS,
    Field,
    Kind,
    is_empty,
    max_length,
)
from lerend_netwerk.core.markdown_sections import heading_keys, section_key
from lerend_netwerk.core.slugs import SLUG_MAX_LENGTH, SLUG_RE, is_slug
from lerend_netwerk.core.validation import (
    MAX_YEAR,
    MIN_YEAR,
    exists_in_brussels,
    has_control_characters,
    in_date_range,
    is_single_line,
)
from lerend_netwerk.timeutil import BRUSSELS, local_isoformat, to_local

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_INT_RE = re.compile(r"^\d+$")
_YEARS_RE = re.compile(r"^(\d{4})-(\d{4})$")
_NULL_TAG = "tag:yaml.org,2002:null"
_TRUE = ("true", "yes", "on")
_FALSE = ("false", "no", "off")
# Front matter starts on the file's second line; YAML marks count from 0.
_FRONT_MATTER_OFFSET = 2
# The longest Markdown body (the render limit of lerend_netwerk.markdown).
BODY_MAX_LENGTH = 200_000
# The largest whole number of any key (a 32-bit INTEGER column).
INT_MAX = 2**31 - 1
_DATE_RANGE = f"between {MIN_YEAR} and {MAX_YEAR}"
# The front-matter key that lists a document's files (kinds that carry files only).
FILES_KEY = "files"


@dataclass(frozen=True, order=True)
class Problem:
    """Something wrong in a content file, at a line of that file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class Reference:
    """A slug a document refers to, checked once every file is known."""

    kind: str
    slug: str
    line: int
    key: str


@dataclass
class Parsed:
    """The result of reading one file: a record if it is valid, and what is wrong."""

    record: dict[str, Any] | None
    problems: list[tuple[int, str]] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    # The `files` key of a kind that carries files: (file name, line), in the order given.
    files: list[tuple[str, int]] = field(default_factory=list)


class _Invalid(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def check_slug(slug: str) -> str | None:
    """Why a slug (a file name without `.md`) is not valid, or None."""
    if not SLUG_RE.match(slug):
        return (
            f"invalid slug {slug!r}: the file name (without .md) may only contain "
            "lowercase letters and digits, in groups joined by single '-'"
        )
    if len(slug) > SLUG_MAX_LENGTH:
        return f"slug too long ({len(slug)} characters, at most {SLUG_MAX_LENGTH})"
    return None


def parse_document(kind: Kind, text: str, *, files: bool = False) -> Parsed:
    """Read a file's text as a document of `kind`: its record, problems and references.

    With `files` (the kind's documents carry files), the front matter may have a `files`
    key: the names of the files in the document's folder, in their order.
    """
    lines = text.split("\n")
    # PostgreSQL cannot store NUL in text, and no document needs one.
    nul = next((number for number, line in enumerate(lines, 1) if "\x00" in line), None)
    if nul is not None:
        return Parsed(None, [(nul, "contains a NUL character")])
    if lines[0].rstrip() != "---":
        return Parsed(None, [(1, "the file must start with a '---' line (YAML front matter)")])
    close = next((i for i in range(1, len(lines)) if lines[i].rstrip() == "---"), None)
    if close is None:
        return Parsed(None, [(1, "the front matter is not closed: no second '---' line")])
    body = "\n".join(lines[close + 1 :])
    if body.endswith("\n"):
        body = body[:-1]
    result = Parsed(None)
    # Each front-matter line keeps its line break: a literal block at the end keeps its own.
    front = _compose("".join(line + "\n" for line in lines[1:close]), close, result)
    if front is None:
        return result
    if files and FILES_KEY in front:
        _read_file_list(front.pop(FILES_KEY)[1], result)
    record = _read_fields(kind, front, result)
    record[BODY] = body
    if len(body) > BODY_MAX_LENGTH:
        result.problems.append(
            (close + 2, f"the text is too long ({len(body)} characters, at most {BODY_MAX_LENGTH})")
        )
    bad = next(
        (n for n, line in enumerate(lines[close + 1 :], close + 2) if has_control_characters(line)),
        None,
    )
    if bad is not None:
        result.problems.append((bad, "the text contains a control character"))
    for earlier, later in kind.ordered:
        _check_order(earlier, later, record, front, result)
    draft = getattr(kind.model, "DRAFT", None)
    if draft is not None and record.get("status") == draft and record.get("published"):
        result.problems.append(
            (
                _line(front["published"][1]),
                "a draft has no publication date: remove 'published' or set 'status: published'",
            )
        )
    if kind.body_sections:
        last_line = max(1, len(lines) - (1 if text.endswith("\n") else 0))
        result.problems.extend(
            _check_sections(kind.body_sections, lines[close + 1 :], close + 2, last_line)
        )
    if not result.problems:
        result.record = record
    return result


def _compose(front_text: str, close: int, result: Parsed) -> dict[str, tuple[Any, Any]] | None:
    """The front matter's keys with their (key node, value node), or None if unusable."""
    try:
        root = yaml.compose(front_text, Loader=yaml.SafeLoader)
    except RecursionError:
        result.problems.append((1, "invalid YAML: nested too deeply"))
        return None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line if mark else 0) + _FRONT_MATTER_OFFSET
        # An error at the end of the stream points at the closing '---'.
        line = min(line, close) if close > 1 else 1
        what = ": ".join(part for part in (error.context, error.problem) if part)
        result.problems.append((line, f"invalid YAML: {what}"))
        return None
    except yaml.YAMLError as error:
        result.problems.append((1, f"invalid YAML: {error}"))
        return None
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        line = root.start_mark.line + _FRONT_MATTER_OFFSET
        result.problems.append((line, "the front matter must be a list of 'key: value' lines"))
        return None
    front: dict[str, tuple[Any, Any]] = {}
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + _FRONT_MATTER_OFFSET
        if not isinstance(key_node, yaml.ScalarNode):
            result.problems.append((line, "a key must be a plain word"))
            continue
        key = key_node.value
        if key in front:
            first = front[key][0].start_mark.line + _FRONT_MATTER_OFFSET
            result.problems.append((line, f"duplicate key {key!r} (first on line {first})"))
            continue
        front[key] = (key_node, value_node)
    return front


def _read_fields(kind: Kind, front: dict[str, tuple[Any, Any]], result: Parsed) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key, (key_node, _value_node) in front.items():
        if kind.field(key) is None:
            line = key_node.start_mark.line + _FRONT_MATTER_OFFSET
            message = f"unknown key {key!r} for a {kind.label}"
            close = difflib.get_close_matches(key, kind.keys, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(kind.keys)}"
            result.problems.append((line, f"{message} ({hint})"))
    for spec in kind.fields:
        entry = front.get(spec.key)
        if entry is None or _is_null(entry[1]):
            if spec.required:
                if entry is None:
                    result.problems.append((1, f"missing required key {spec.key!r}"))
                else:
                    result.problems.append((_line(entry[1]), f"{spec.key!r} has no value"))
            record[spec.key] = spec.empty()
            continue
        try:
            record[spec.key] = _convert(kind, spec, entry[1], result)
        except _Invalid as problem:
            result.problems.append((problem.line, problem.message))
            record[spec.key] = spec.empty()
    return record


def _read_file_list(node: Any, result: Parsed) -> None:
    if _is_null(node):
        return
    if not isinstance(node, yaml.SequenceNode):
        result.problems.append(
            (_line(node), f"{FILES_KEY!r} moet een lijst zijn, zoals [a.pdf, b.docx]")
        )
        return
    seen: dict[str, int] = {}
    for item in node.value:
        line = _line(item)
        if not isinstance(item, yaml.ScalarNode) or _is_null(item) or not item.value:
            result.problems.append((line, f"{FILES_KEY!r}: elk element is een bestandsnaam"))
            continue
        name = item.value
        if name in seen:
            result.problems.append(
                (
                    line,
                    f"{FILES_KEY!r}: {name!r} staat er twee keer in (eerst op regel {seen[name]})",
                )
            )
            continue
        seen[name] = line
        result.files.append((name, line))


def _line(node: Any) -> int:
    return node.start_mark.line + _FRONT_MATTER_OFFSET


def _is_null(node: Any) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def _scalar(spec: Field, node: Any, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode) or _is_null(node):
        raise _Invalid(_line(node), f"{spec.key!r} must be {what}")
    return node.value


def _convert(kind: Kind, spec: Field, node: Any, result: Parsed) -> Any:
    """The record value of one key, or _Invalid with the line of the bad value."""
    line = _line(node)
    if spec.type == TEXT:
        value = _scalar(spec, node, "text")
        if not value.strip():
            if spec.required:
                raise _Invalid(line, f"{spec.key!r} must not be empty")
            return spec.empty()
        if not spec.multiline and not is_single_line(value):
            raise _Invalid(line, f"{spec.key!r} must be a single line, without control characters")
        if spec.multiline and has_control_characters(value):
            raise _Invalid(line, f"{spec.key!r} contains a control character")
        limit = max_length(kind, spec)
        if limit is not None and len(value) > limit:
            raise _Invalid(
                line, f"{spec.key!r} is too long ({len(value)} characters, at most {limit})"
            )
        if spec.url and not value.startswith(("https://", "http://")):
            raise _Invalid(line, f"{spec.key!r} must be a web address starting with https://")
        if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
            raise _Invalid(line, f"{spec.key!r} must be {spec.pattern_hint} (not {value!r})")
        return value
    if spec.type == CHOICE:
        value = _scalar(spec, node, "one word")
        if value not in spec.choices:
            raise _Invalid(
                line, f"{spec.key!r} must be one of {', '.join(spec.choices)} (not {value!r})"
            )
        return value
    if spec.type == DATETIME:
        return _parse_datetime(spec, _scalar(spec, node, "a date and time"), line)
    if spec.type in (DATE, PUBLISHED):
        value = _scalar(spec, node, "a date").strip()
        try:
            if not _DATE_RE.match(value):
                raise ValueError(value)
            parsed_date = date.fromisoformat(value)
        except ValueError:
            raise _Invalid(
                line, f"{spec.key!r} must be a date YYYY-MM-DD (not {value!r})"
            ) from None
        if not in_date_range(parsed_date):
            raise _Invalid(line, f"{spec.key!r}: {value} is not {_DATE_RANGE}")
        return parsed_date
    if spec.type == INT:
        value = _scalar(spec, node, "a whole number").strip()
        if not _INT_RE.match(value):
            raise _Invalid(line, f"{spec.key!r} must be a whole number, 0 or more (not {value!r})")
        limit = spec.maximum if spec.maximum is not None else INT_MAX
        if len(value) > len(str(limit)) or int(value) > limit:
            shown = value if len(value) <= 20 else value[:20] + "…"
            raise _Invalid(line, f"{spec.key!r} is too large ({shown}, at most {limit})")
        return int(value)
    if spec.type == BOOL:
        value = _scalar(spec, node, "true or false").strip().lower()
        if value not in _TRUE + _FALSE:
            raise _Invalid(line, f"{spec.key!r} must be true or false (not {value!r})")
        return value in _TRUE
    if spec.type == REF or spec.type in NETWORK_TYPES:
        slug = _scalar(spec, node, "a slug")
        _check_reference_slug(spec, slug, line)
        result.references.append(Reference(spec.ref, slug, line, spec.key))
        return slug
    if spec.type in (REFS, YEARS, CHOICES):
        return _convert_list(spec, node, result)
    raise AssertionError(spec.type)


def _parse_datetime(spec: Field, raw: str, line: int) -> datetime:
    value = raw.strip()
    invalid = _Invalid(
        line,
        f"{spec.key!r} must be a date and time like 2024-03-21T13:30 (Brussels time), "
        f"not {value!r}",
    )
    if not _DATETIME_RE.match(value):
        raise invalid
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise invalid from None
    # Checked before any conversion: at the ends of datetime's range it would overflow.
    if not in_date_range(parsed):
        raise _Invalid(line, f"{spec.key!r}: {value} is not {_DATE_RANGE}")
    if parsed.tzinfo is None:
        local = parsed.replace(tzinfo=BRUSSELS)
        if not exists_in_brussels(parsed):
            raise _Invalid(
                line,
                f"{spec.key!r}: {value} does not exist in Brussels (the clocks skip that "
                "hour for summer time)",
            )
        parsed = local
    return parsed.astimezone(UTC)


def _check_reference_slug(spec: Field, slug: str, line: int) -> None:
    if not is_slug(slug):
        raise _Invalid(line, f"{spec.key!r}: {slug!r} is not a slug (a file name without .md)")


def _convert_list(spec: Field, node: Any, result: Parsed) -> list[str]:
    if not isinstance(node, yaml.SequenceNode):
        raise _Invalid(_line(node), f"{spec.key!r} must be a list, like [a, b]")
    values: list[str] = []
    references: list[Reference] = []
    for item in node.value:
        line = _line(item)
        value = _scalar(spec, item, "a list of words")
        if spec.type == YEARS:
            match = _YEARS_RE.match(value)
            if not match or int(match.group(2)) != int(match.group(1)) + 1:
                raise _Invalid(
                    line, f"{spec.key!r}: {value!r} is not an academic year like 2022-2023"
                )
        elif spec.type == CHOICES:
            if value not in spec.choices:
                raise _Invalid(
                    line, f"{spec.key!r}: {value!r} is not one of {', '.join(spec.choices)}"
                )
        else:
            _check_reference_slug(spec, value, line)
            references.append(Reference(spec.ref, value, line, spec.key))
        if value in values:
            raise _Invalid(line, f"{spec.key!r}: {value!r} is listed twice")
        values.append(value)
    result.references.extend(references)
    return sorted(values) if spec.type == REFS else values


def _check_order(
    earlier: str, later: str, record: dict[str, Any], front: dict[str, Any], result: Parsed
) -> None:
    first, second = record.get(earlier), record.get(later)
    if first is not None and second is not None and second <= first and later in front:
        result.problems.append((_line(front[later][1]), f"'{later}' must be after '{earlier}'"))


def _check_sections(
    titles: tuple[str, ...], body_lines: list[str], first_line: int, last_line: int
) -> list[tuple[int, str]]:
    """Problems with the body's `## ` headings (a visit report's): the template's
    sections, in order."""
    sections = {section_key(name): index for index, name in enumerate(titles)}
    problems: list[tuple[int, str]] = []
    found: dict[int, int] = {}  # section index -> line
    highest = -1
    lines = [raw.rstrip("\r") for raw in body_lines]
    for offset, (line_text, key) in enumerate(zip(lines, heading_keys(lines), strict=True)):
        if key is None:
            continue
        line = first_line + offset
        title = line_text[3:].strip()
        index = sections.get(key)
        if index is None:
            problems.append(
                (
                    line,
                    f"'## {title}' is not a section of the visit-report template "
                    "(use '### ' for a sub-heading)",
                )
            )
        elif index in found:
            problems.append(
                (
                    line,
                    f"section '## {titles[index]}' appears twice (first on line {found[index]})",
                )
            )
        else:
            found[index] = line
            if index < highest:
                problems.append(
                    (
                        line,
                        f"section '## {titles[index]}' is out of order: it comes "
                        f"before '## {titles[highest]}'",
                    )
                )
            highest = max(highest, index)
    for index, name in enumerate(titles):
        if index in found:
            continue
        later = [found[i] for i in range(index + 1, len(titles)) if i in found]
        line = min(later) if later else last_line
        problems.append((line, f"missing section '## {name}' of the visit-report template"))
    return problems


# ---------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    """Block mappings, flow lists, literal blocks for text over several lines."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _represent_list(dumper: yaml.SafeDumper, value: list) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(list, _represent_list)


def format_datetime(value: datetime) -> str:
    """Brussels local time without offset; with the offset only where it is ambiguous.

    In the autumn the hour 02:00-03:00 happens twice: there the offset tells which.
    Seconds are written only when there are any.
    """
    local = to_local(value)
    other = local.replace(fold=1 - local.fold)
    ambiguous = other.utcoffset() != local.utcoffset()
    precise = local.second or local.microsecond
    if not ambiguous and not precise:
        return local_isoformat(value)
    if not ambiguous:
        local = local.replace(tzinfo=None)
    return local.isoformat(timespec="auto" if precise else "minutes")


def render_document(kind: Kind, record: dict[str, Any], files: Sequence[str] = ()) -> str:
    """The file text of a record: front matter in the kind's key order, then the body.

    `files` are the names of the document's files, in their order: the last key.
    """
    front: dict[str, Any] = {}
    for spec in kind.fields:
        value = record[spec.key]
        if is_empty(spec, value):
            continue
        if spec.type == DATETIME:
            value = format_datetime(value)
        front[spec.key] = value
    if files:
        front[FILES_KEY] = list(files)
    text = yaml.dump(
        front,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=math.inf,
    )
    body = record[BODY]
    return f"---\n{text}---\n{body}\n" if body else f"---\n{text}---\n"

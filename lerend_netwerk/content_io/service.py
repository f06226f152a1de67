"""Import and export of content directories in the contract's format.

Import is all-or-nothing: every file is read and checked (front matter, values,
references between documents) before anything is written; with any problem the
session is left untouched and ContentError lists them all as `path:line: message`.
Otherwise documents are created or updated in place, keyed by (kind, slug), and
flushed; the caller commits (or rolls back a dry run).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.content_io import files as doc_files
from lerend_netwerk.content_io.document import (
    Parsed,
    Problem,
    check_slug,
    parse_document,
    render_document,
)
from lerend_netwerk.content_io.schema import (
    NETWORK,
    NETWORKS,
    REF,
    REFS,
    Kind,
    apply_record,
    kinds,
    kinds_by_name,
    record_of,
)
from lerend_netwerk.core.content_types import content_types, page_rule
from lerend_netwerk.core.slugs import is_slug
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db

# `progress(items, label)` returns a context manager that yields the items, for example
# click.progressbar; the default shows nothing.
Progress = Callable[[Sequence[Any], str], AbstractContextManager[Iterable[Any]]]

# The largest document file: a body at its longest, in any script, with front matter.
DOCUMENT_MAX_BYTES = 1024 * 1024
_NOT_FOLLOWED = "a symbolic link: links are not followed, put the document itself here"


class ContentError(Exception):
    """A content directory that cannot be imported or exported; `problems` says why."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass
class KindCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass
class ImportResult:
    """What an import did (or, in a dry run, would do), per kind."""

    counts: dict[str, KindCounts]
    warnings: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    files: doc_files.FileCounts = field(default_factory=doc_files.FileCounts)

    @property
    def total(self) -> int:
        return sum(counts.total for counts in self.counts.values())

    def summary(self) -> str:
        """One line: created/updated/unchanged per kind."""
        verb = ("would create", "would update") if self.dry_run else ("created", "updated")
        parts = [
            f"{name} {c.created} {verb[0]}, {c.updated} {verb[1]}, {c.unchanged} unchanged"
            for name, c in self.counts.items()
            if c.total
        ]
        head = "Dry run, nothing written" if self.dry_run else "Imported"
        line = f"{head}: {self.total} documents" + (f" ({'; '.join(parts)})" if parts else "")
        files = self.files.summary(self.dry_run)
        return f"{line}; {files}" if files else line


@dataclass
class ExportResult:
    """What an export wrote, per kind, and which stale files it removed."""

    counts: dict[str, int]
    removed: list[Path] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Documents' files written (the current version of every attachment).
    files: int = 0

    def summary(self, path: Path) -> str:
        """One line: documents written per kind, and files removed."""
        parts = ", ".join(f"{name} {count}" for name, count in self.counts.items())
        line = f"Exported {sum(self.counts.values())} documents to {path} ({parts})"
        if self.files:
            line += f" with {self.files} attached file(s)"
        if self.removed:
            line += f"; removed {len(self.removed)} file(s) of documents no longer there"
        return line


@dataclass
class _Entry:
    kind: Kind
    slug: str
    path: Path
    display: str
    parsed: Parsed | None = None
    # Its files, checked and in order (kinds whose documents carry files).
    files: list[doc_files.FileEntry] = field(default_factory=list)


def _no_progress(items: Sequence[Any], label: str) -> AbstractContextManager[Iterable[Any]]:
    return nullcontext(items)


def import_directory(
    path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportResult:
    """Import a content directory into the session (flushed, not committed).

    Raises ContentError, with every problem of every file, before changing anything.
    """
    progress = progress or _no_progress
    root = Path(path)
    if not root.is_dir():
        raise ContentError([Problem(str(root), 1, "not a directory")])
    hosts = doc_files.file_hosts()
    entries, problems, warnings = _scan(root, hosts)
    existing = _load_existing()

    limit = doc_files.max_bytes()
    with progress(entries, "Checking") as items:
        for entry in items:
            _parse_entry(entry, problems, entry.kind.name in hosts)
            if entry.kind.name in hosts and entry.parsed is not None:
                _check_files(entry, limit, problems)
    available = {
        kind.name: set(existing[kind.name]) | {e.slug for e in entries if e.kind is kind}
        for kind in kinds()
    }
    for entry in entries:
        for ref in entry.parsed.references if entry.parsed else ():
            if ref.slug not in available[ref.kind] and ref.kind == NETWORKS:
                message = (
                    f"onbekend netwerk {ref.slug!r}: geen networks/{ref.slug}.md in deze "
                    "import en niet in de databank"
                )
                problems.append(Problem(entry.display, ref.line, message))
            elif ref.slug not in available[ref.kind]:
                label = kinds_by_name()[ref.kind].label
                role = " (host)" if ref.key == "host" else ""
                message = (
                    f"unknown {label} {ref.slug!r}{role}: no {ref.kind}/{ref.slug}.md in this "
                    "import and none in the database"
                )
                problems.append(Problem(entry.display, ref.line, message))
    problems.extend(_moved_between_networks(entries, existing))
    for kind in kinds():
        if kind.complete is not None:
            own = [entry for entry in entries if entry.kind is kind]
            problems.extend(kind.complete(own, existing[kind.name]))
    if problems:
        raise ContentError(sorted(problems))

    counts = {kind.name: KindCounts() for kind in kinds()}
    attached = {
        host.parent_type: doc_files.current_files(host.parent_type) for host in hosts.values()
    }
    result = ImportResult(counts=counts, warnings=warnings, dry_run=dry_run)
    # (entry, object or None, whether its record changed, its attachments if they change)
    plan: list[tuple[_Entry, Any, bool, list[Any] | None]] = []
    for entry in entries:
        obj = existing[entry.kind.name].get(entry.slug)
        _keep_publication_date(entry, obj)
        tally = counts[entry.kind.name]
        host = hosts.get(entry.kind.name)
        current = attached[host.parent_type].get(obj.id, []) if host and obj is not None else []
        files_change = host is not None and not doc_files.same_files(current, entry.files)
        if host is not None:
            doc_files.count_changes(current, entry.files, result.files)
        record_change = obj is None or record_of(entry.kind, obj) != entry.parsed.record
        if obj is None:
            tally.created += 1
        elif not record_change and not files_change:
            tally.unchanged += 1
            continue
        else:
            tally.updated += 1
        plan.append((entry, obj, record_change, current if files_change else None))
    if dry_run or not plan:
        return result

    # The files' contents first: a file that cannot be stored changes no document.
    blobs = doc_files.BlobStore(
        file for entry, _obj, _record, files in plan if files is not None for file in entry.files
    )
    stored = blobs.store_new(limit)
    if stored:
        raise ContentError(sorted(stored))

    def lookup(kind_name: str, slug: str) -> Any:
        return existing[kind_name][slug]

    afterwards: list[Callable[[], Any]] = []
    with progress(plan, "Importing") as items:
        for entry, obj, record_change, _files in items:
            if record_change:
                afterwards.extend(_apply(entry, obj, existing, lookup))
    db.session.flush()
    for entry, _obj, _record, files in plan:
        if files is not None:
            host = hosts[entry.kind.name]
            obj = existing[entry.kind.name][entry.slug]
            doc_files.apply_files(host.parent_type, obj, files, entry.files, blobs)
    db.session.flush()
    for call in afterwards:
        call()
    return result


def _moved_between_networks(
    entries: list[_Entry], existing: dict[str, dict[str, Any]]
) -> list[Problem]:
    """A slug means one document in the whole installation: an import does not take a
    document of one network into another."""
    problems: list[Problem] = []
    for entry in entries:
        spec = entry.kind.network_field
        obj = existing[entry.kind.name].get(entry.slug)
        if spec is None or obj is None or entry.parsed is None or entry.parsed.record is None:
            continue
        wanted = entry.parsed.record[spec.key]
        current = record_of(entry.kind, obj)[spec.key]
        if wanted == current:
            continue
        where = _network_name(current, spec)
        problems.append(
            Problem(
                entry.display,
                1,
                f"{entry.kind.name}/{entry.slug} bestaat al in {where}: een slug hoort bij "
                f"één document van de hele installatie, kies een andere naam",
            )
        )
    return problems


def _network_name(slug: str | None, spec: Any) -> str:
    if slug is None:
        return "het standaardnetwerk" if spec.type == NETWORK else "de gedeelde thema's"
    return f"netwerk {slug!r}"


def _check_files(entry: _Entry, limit: int, problems: list[Problem]) -> None:
    """Read the document's folder (if any) and check each file, in the listed order."""
    folder = entry.path.with_suffix("")
    shown = entry.display.removesuffix(".md")
    found: list[doc_files.FileEntry] = []
    if folder.is_dir() and not folder.is_symlink():
        found = doc_files.scan_folder(folder, shown, problems)
    entry.files = doc_files.order_files(entry.parsed.files, found, entry.display, shown, problems)
    doc_files.check_files(entry.files, limit, problems)


def _keep_publication_date(entry: _Entry, obj: Any) -> None:
    """An absent `published` keeps the stored date; a new document gets the import's."""
    record = entry.parsed.record
    if "published" in record and record["published"] is None and obj is not None:
        record["published"] = record_of(entry.kind, obj)["published"]


def _scan(root: Path, hosts: dict[str, Any]) -> tuple[list[_Entry], list[Problem], list[Problem]]:
    """The documents under `root` in import order, and what is wrong with the layout.

    In a kind whose documents carry files, a folder is the files of the document with
    its name as slug, which must be in the same import.
    """
    entries: list[_Entry] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    names = ", ".join(kind.name for kind in kinds())
    for child in sorted(root.iterdir()):
        if child.name.startswith("."):
            continue
        display = str(root / child.name)
        if not child.is_dir():
            warnings.append(Problem(display, 1, f"ignored: documents belong in one of {names}"))
        elif child.name not in kinds_by_name():
            problems.append(
                Problem(display, 1, f"unknown directory {child.name!r}: expected {names}")
            )
    for kind in kinds():
        directory = root / kind.name
        if directory.is_symlink():
            problems.append(Problem(str(directory), 1, _NOT_FOLLOWED))
            continue
        if not directory.is_dir():
            continue
        folders: list[tuple[str, str]] = []
        for child in sorted(directory.iterdir()):
            display = str(root / kind.name / child.name)
            if child.name.startswith("."):
                continue
            mode = child.lstat().st_mode
            if stat.S_ISLNK(mode):
                problems.append(Problem(display, 1, _NOT_FOLLOWED))
            elif stat.S_ISDIR(mode) and kind.name in hosts:
                folders.append((child.name, display))
            elif stat.S_ISDIR(mode):
                problems.append(
                    Problem(display, 1, f"a directory inside {kind.name}/: documents only")
                )
            elif child.suffix != ".md":
                problems.append(
                    Problem(display, 1, "not a Markdown document: the file name must end in .md")
                )
            elif not stat.S_ISREG(mode):
                problems.append(Problem(display, 1, _SPECIAL_FILE))
            else:
                entries.append(_Entry(kind, child.stem, child, display))
        slugs = {entry.slug for entry in entries if entry.kind is kind}
        for name, display in folders:
            if name not in slugs:
                problems.append(
                    Problem(
                        display,
                        1,
                        f"de map {name!r} hoort bij geen document: er is geen "
                        f"{kind.name}/{name}.md in deze import (de bestanden van een "
                        f"{kind.label} liggen in een map met de naam van zijn slug)",
                    )
                )
    return entries, problems, warnings


def _kind_folder(kind_name: str) -> str | None:
    """Where a kind's documents live on the site: its `url_prefix`, or else the folder of
    its content type's page when that page is addressed by slug (from the URL map)."""
    for content_type in content_types:
        kind = content_type.content
        if kind is None or kind.name != kind_name:
            continue
        if kind.url_prefix is not None:
            return kind.url_prefix
        rule = page_rule(current_app.url_map, content_type.endpoint)
        if rule is not None and "slug" in rule.arguments:
            return rule.rule.rpartition("/")[0]
    return None


def reserved_slugs(kind_name: str) -> frozenset[str]:
    """Slugs taken by fixed pages under the kind's path, e.g. "nieuw" for sessions."""
    prefix = _kind_folder(kind_name)
    if prefix is None:
        return frozenset()
    taken = set()
    for rule in current_app.url_map.iter_rules():
        head, _, word = rule.rule.rpartition("/")
        # A rule's URL defaults (the network of a network page) count as arguments too.
        variables = set(rule.arguments) - set(rule.defaults or {})
        if head == prefix and word and not variables:
            taken.add(word.removesuffix(".md"))
    return frozenset(taken)


_SPECIAL_FILE = "not a regular file (a FIFO, device or socket): documents only"


class _Unreadable(Exception):
    """A document file that is not read: a link, a special file, or too large."""


def _read_document(path: Path) -> bytes:
    """The bytes of a regular file of at most DOCUMENT_MAX_BYTES, opened without following
    a link or blocking on a FIFO, and checked again after opening (it may have changed)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _Unreadable(_SPECIAL_FILE)
        data = handle.read(DOCUMENT_MAX_BYTES + 1)
    if len(data) > DOCUMENT_MAX_BYTES or info.st_size > DOCUMENT_MAX_BYTES:
        raise _Unreadable(
            f"too large ({max(len(data), info.st_size):,} bytes, at most "
            f"{DOCUMENT_MAX_BYTES:,}): split it or shorten it"
        )
    return data


def _parse_entry(entry: _Entry, problems: list[Problem], files: bool = False) -> None:
    slug_problem = check_slug(entry.slug)
    if not slug_problem and entry.slug in reserved_slugs(entry.kind.name):
        slug_problem = f"slug {entry.slug!r} is taken by a page of the site: choose another name"
    if slug_problem:
        problems.append(Problem(entry.display, 1, slug_problem))
    try:
        text = _read_document(entry.path).decode("utf-8")
    except _Unreadable as problem:
        problems.append(Problem(entry.display, 1, str(problem)))
        return
    except UnicodeDecodeError as error:
        problems.append(Problem(entry.display, 1, f"not UTF-8 text ({error.reason})"))
        return
    except OSError as error:
        problems.append(Problem(entry.display, 1, f"cannot be read: {error.strerror}"))
        return
    entry.parsed = parse_document(entry.kind, text.removeprefix("\ufeff"), files=files)
    problems.extend(Problem(entry.display, line, msg) for line, msg in entry.parsed.problems)


def _load_existing() -> dict[str, dict[str, Any]]:
    """Every document in the database, by kind and slug, with its references loaded."""
    existing: dict[str, dict[str, Any]] = {}
    for kind in kinds():
        existing[kind.name] = {obj.slug: obj for obj in _query_kind(kind)}
    return existing


def _query_kind(kind: Kind) -> list[Any]:
    model = kind.model
    options = [
        selectinload(getattr(model, spec.attribute))
        for spec in kind.fields
        if spec.type in (REF, REFS)
    ]
    return list(db.session.scalars(select(model).options(*options).order_by(model.slug)))


def _apply(
    entry: _Entry, obj: Any, existing: dict[str, dict[str, Any]], lookup
) -> list[Callable[[], Any]]:
    """Create or update one document; what to call once it is flushed (signals)."""
    kind, record = entry.kind, entry.parsed.record
    afterwards: list[Callable[[], Any]] = []
    before: dict[str, Any] | None = None
    if obj is None:
        obj = kind.model(slug=entry.slug)
        db.session.add(obj)
        existing[kind.name][entry.slug] = obj
        apply_record(kind, obj, record, lookup)
    else:
        before = record_of(kind, obj)
        apply_record(kind, obj, record, lookup)
        if kind.after_update is not None:
            afterwards.extend(kind.after_update(obj, before, record))
    _stamp(kind, obj, before)
    return afterwards


def _stamp(kind: Kind, obj: Any, before: dict[str, Any] | None) -> None:
    """Keep the workflow timestamps as the features' own services keep them."""
    draft = getattr(kind.model, "DRAFT", None)
    if hasattr(obj, "published_at"):
        if draft is not None and obj.status == draft:
            if obj.published_at is not None:
                obj.published_at = None
        elif obj.published_at is None:
            obj.published_at = utcnow()
    if kind.stamp is not None:
        kind.stamp(obj, before)


def export_directory(path: Path, *, network: str | None = None) -> ExportResult:
    """Write every document (drafts and members-only included) as files under `path`.

    With `network` (a slug), only that network: its `networks/` file, its documents, the
    visit reports of its proeftuinen, and the shared documents (themes, organisations)
    they refer to. Files of documents no longer in the database (or not in the network)
    are removed from the kind directories, so the directory mirrors what was exported;
    other files are left alone.
    A document's files (the current version of each attachment) are written into the
    folder `<kind>/<slug>/` and listed, in their order, in its front matter's `files`.
    """
    root = Path(path)
    if root.exists() and not root.is_dir():
        raise ContentError([Problem(str(root), 1, "exists and is not a directory")])
    result = ExportResult(counts={})
    if network is None:
        documents = {kind.name: _query_kind(kind) for kind in kinds()}
    else:
        documents = _network_documents(network, root, result.warnings)
    hosts = doc_files.file_hosts()
    for kind in kinds():
        directory = root / kind.name
        directory.mkdir(parents=True, exist_ok=True)
        host = hosts.get(kind.name)
        attached = doc_files.current_files(host.parent_type) if host is not None else {}
        written: set[str] = set()
        for obj in documents[kind.name]:
            display = str(root / kind.name / f"{obj.slug}.md")
            if not is_slug(obj.slug):
                message = f"not exported: slug {obj.slug!r} cannot be a file name"
                result.warnings.append(Problem(str(root / kind.name), 1, message))
                continue
            names: list[str] = []
            if host is not None:
                names = doc_files.export_files(
                    directory, obj.slug, attached.get(obj.id, []), result.warnings
                )
                result.files += len(names)
            text = render_document(kind, record_of(kind, obj), names)
            slug_problem = check_slug(obj.slug)
            if not slug_problem and obj.slug in reserved_slugs(kind.name):
                slug_problem = f"slug {obj.slug!r} is taken by a page of the site"
            problems = [(1, slug_problem)] if slug_problem else []
            problems += parse_document(kind, text, files=host is not None).problems
            for line, message in problems:
                result.warnings.append(Problem(display, line, f"will not import: {message}"))
            (directory / f"{obj.slug}.md").write_bytes(text.encode("utf-8"))
            written.add(f"{obj.slug}.md")
        for stale in sorted(directory.glob("*.md")):
            # Hidden files are not documents to an import either: leave them be.
            if stale.name in written or stale.name.startswith(".") or not stale.is_file():
                continue
            stale.unlink()
            result.removed.append(stale)
        if host is not None:
            # The folders of documents no longer there, or without files now.
            for folder in sorted(directory.iterdir()):
                if folder.name.startswith(".") or f"{folder.name}.md" in written:
                    continue
                result.removed.extend(doc_files.remove_stale(folder, set()))
        result.counts[kind.name] = len(written)
    return result


def _network_documents(slug: str, root: Path, warnings: list[Problem]) -> dict[str, list[Any]]:
    """The documents of one network's export, by kind, in slug order.

    A kind with a network key gives the network's documents; a kind that follows
    another (`network_via`) the documents of those; a shared document (an organisation,
    a theme of every network) comes along when an exported document refers to it.
    """
    everything = {kind.name: _query_kind(kind) for kind in kinds()}
    network = next((n for n in everything[NETWORKS] if n.slug == slug), None)
    if network is None:
        known = ", ".join(n.slug for n in everything[NETWORKS])
        raise ContentError([Problem(slug, 1, f"onbekend netwerk {slug!r} (bekend: {known})")])
    chosen: dict[str, set[str]] = {kind.name: set() for kind in kinds()}
    chosen[NETWORKS].add(slug)
    ordered = kinds()
    for kind in ordered:
        spec, via = kind.network_field, kind.network_via
        for obj in everything[kind.name]:
            if spec is not None and getattr(obj, spec.attribute) == network.id:
                chosen[kind.name].add(obj.slug)
            elif via is not None:
                target = record_of(kind, obj)[via]
                if target in chosen[kind.field(via).ref]:
                    chosen[kind.name].add(obj.slug)
    by_slug = {kind.name: {obj.slug: obj for obj in everything[kind.name]} for kind in ordered}
    # References point only to kinds registered earlier: walking back, every kind's
    # referrers are known before the kind itself.
    for kind in reversed(ordered):
        for obj_slug in sorted(chosen[kind.name]):
            record = record_of(kind, by_slug[kind.name][obj_slug])
            for spec in kind.fields:
                if spec.type not in (REF, REFS) or record[spec.key] is None:
                    continue
                targets = record[spec.key] if spec.type == REFS else [record[spec.key]]
                target_kind = kinds_by_name()[spec.ref]
                for target in targets:
                    owner = _owner(target_kind, by_slug[spec.ref][target])
                    if owner is None or owner == network.id:
                        chosen[spec.ref].add(target)
                    else:
                        warnings.append(
                            Problem(
                                str(root / kind.name / f"{obj_slug}.md"),
                                1,
                                f"verwijst naar {spec.ref}/{target} van een ander netwerk: "
                                "importeer dat netwerk eerst",
                            )
                        )
    return {
        kind.name: [obj for obj in everything[kind.name] if obj.slug in chosen[kind.name]]
        for kind in ordered
    }


def _owner(kind: Kind, obj: Any) -> int | None:
    """The id of the network a document belongs to; None for a shared one."""
    spec = kind.network_field
    if spec is not None:
        return getattr(obj, spec.attribute)
    if kind.network_via is not None:
        via = getattr(obj, kind.field(kind.network_via).attribute)
        return _owner(kinds_by_name()[kind.field(kind.network_via).ref], via)
    return None

"""A document's files in a content directory: `<kind>/<slug>/<file name>` beside `<slug>.md`.

Import reads the folder of every imported document of a kind that carries files (its
content type has an `AttachmentHost`), checks every file before anything is stored (a
regular file, the name an upload would get, within `FILES_MAX_BYTES`, and what
`files.service.check` accepts), and then makes the document's attachments what the
folder holds: a new name is a new attachment, a changed content a new version, a name no
longer there a removed attachment, the same content unchanged. A file is compared in
the form it is stored in (an image without its metadata, text as UTF-8), so a file
that an upload would store differently is not a new version each time. Export writes
the current version of every attachment the same way; the front matter's `files` key
gives the order.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from lerend_netwerk import config
from lerend_netwerk.content_io.document import FILES_KEY, Problem
from lerend_netwerk.core.content_types import AttachmentHost, content_types
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.files import service as files
from lerend_netwerk.files.models import Attachment, AttachmentVersion, FileBlob
from lerend_netwerk.files.names import safe_filename, split_extension
from lerend_netwerk.files.storage import sha256_of, storage
from lerend_netwerk.files.validation import FileRefused, extensions_of, type_label

_LINK = "een symbolische link: links worden niet gevolgd, zet het bestand zelf hier"
_SPECIAL = "geen gewoon bestand (een FIFO, apparaat of socket): alleen bestanden"


@dataclass(frozen=True)
class FileHost:
    """A kind whose documents carry files: its content type's name and its host."""

    parent_type: str
    host: AttachmentHost


def file_hosts() -> dict[str, FileHost]:
    """The kinds (by directory name) whose documents carry files."""
    return {
        ct.content.name: FileHost(ct.name, ct.attachments)
        for ct in content_types
        if ct.content is not None and ct.attachments is not None
    }


@dataclass
class FileEntry:
    """One file of a document in a content directory, once read and checked."""

    name: str
    path: Path
    display: str
    # Of the content as it is stored (an upload's form of it).
    sha256: str = ""


@dataclass
class FileCounts:
    """What an import did (or would do) to the documents' files."""

    added: int = 0
    replaced: int = 0
    removed: int = 0
    unchanged: int = 0

    def summary(self, dry_run: bool) -> str:
        if not (self.added or self.replaced or self.removed):
            return f"files {self.unchanged} unchanged" if self.unchanged else ""
        verb = "would be " if dry_run else ""
        return (
            f"files {self.added} {verb}added, {self.replaced} {verb}replaced by a new version, "
            f"{self.removed} {verb}removed, {self.unchanged} unchanged"
        )


def name_problem(name: str) -> str | None:
    """Why `name` cannot be the name of a document's file, or None."""
    if name in (".", "..") or "/" in name or "\\" in name:
        return "een bestandsnaam zonder / of \\, en niet . of .."
    safe = safe_filename(name)
    if safe != name:
        # Control characters, a trailing dot or space, too long, not NFC, not UTF-8, …
        return f"op de site kan het bestand zo niet heten: hernoem het tot {safe!r}"
    return None


def max_bytes() -> int:
    return int(config.setting(current_app.config, "FILES_MAX_BYTES"))


# ---------------------------------------------------------------- reading a folder


def scan_folder(folder: Path, display: str, problems: list[Problem]) -> list[FileEntry]:
    """The files in a document's folder, by name; what is not a file is a problem."""
    found: list[FileEntry] = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        shown = f"{display}/{child.name}"
        mode = child.lstat().st_mode
        if stat.S_ISLNK(mode):
            problems.append(Problem(shown, 1, _LINK))
        elif stat.S_ISDIR(mode):
            problems.append(
                Problem(shown, 1, "een map in de map van een document: alleen bestanden")
            )
        elif not stat.S_ISREG(mode):
            problems.append(Problem(shown, 1, _SPECIAL))
        elif (problem := name_problem(child.name)) is not None:
            problems.append(Problem(shown, 1, problem))
        else:
            found.append(FileEntry(child.name, child, shown))
    # On the site two names that differ only in case are one name (as on Windows and macOS).
    first: dict[str, FileEntry] = {}
    for entry in found:
        other = first.setdefault(entry.name.casefold(), entry)
        if other is not entry:
            message = f"dezelfde naam als {other.name!r} op hoofdletters na: hernoem een van beide"
            problems.append(Problem(entry.display, 1, message))
    return found


def order_files(
    listed: list[tuple[str, int]],
    found: list[FileEntry],
    document: str,
    folder: str,
    problems: list[Problem],
) -> list[FileEntry]:
    """The files in their order: those the front matter lists first, then the others by
    name. A listed name that is not in the folder is a problem of the document."""
    by_name = {entry.name: entry for entry in found}
    ordered: list[FileEntry] = []
    for name, line in listed:
        if (problem := name_problem(name)) is not None:
            problems.append(Problem(document, line, f"{FILES_KEY!r}: {name!r}: {problem}"))
        elif name not in by_name:
            message = f"{FILES_KEY!r}: {name!r} ontbreekt: er is geen {folder}/{name}"
            problems.append(Problem(document, line, message))
        else:
            ordered.append(by_name.pop(name))
    return ordered + sorted(by_name.values(), key=lambda entry: entry.name)


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, opened without following a
    link or blocking on a FIFO. FileRefused (Dutch) otherwise."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno == errno.ELOOP:  # a link put there since the folder was read
            raise FileRefused(_LINK) from None
        raise FileRefused(f"kan niet gelezen worden: {error.strerror}") from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused(_SPECIAL)
        data = handle.read(limit + 1)
    if len(data) > limit or info.st_size > limit:
        size = max(len(data), info.st_size)
        raise FileRefused(f"het bestand is te groot ({_size(size)}, hoogstens {_size(limit)})")
    return data


def _size(size: int) -> str:
    """A size as people read it, with a decimal comma: "2,5 MB", "40 kB", "900 bytes"."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    if size >= 1024:
        return f"{size / 1024:.0f} kB"
    return f"{size} bytes"


def check_files(entries: list[FileEntry], limit: int, problems: list[Problem]) -> None:
    """Read and check a document's files as uploads are checked; fill in the checksum of
    what each would be stored as, or add a problem.

    A file whose bytes are a content stored already (an unchanged file, an export) was
    checked when it was stored: it is not checked again, so re-importing a directory
    costs little more than reading it.
    """
    raw: list[tuple[FileEntry, str]] = []
    for entry in entries:
        try:
            raw.append((entry, sha256_of(read_file(entry.path, limit))))
        except FileRefused as refused:
            problems.append(Problem(entry.display, 1, str(refused)))
    shas = {sha for _entry, sha in raw}
    stored = (
        dict(
            db.session.execute(
                select(FileBlob.sha256, FileBlob.mimetype).where(FileBlob.sha256.in_(shas))
            ).all()
        )
        if shas
        else {}
    )
    for entry, sha in raw:
        if sha in stored:
            entry.sha256, mimetype, fitting = sha, stored[sha], None
        else:
            try:
                checked = files.check(read_file(entry.path, limit), entry.name)
            except FileRefused as refused:
                problems.append(Problem(entry.display, 1, str(refused)))
                continue
            entry.sha256, mimetype = sha256_of(checked.data), checked.mimetype
            fitting = checked.extension
        _stem, extension = split_extension(entry.name)
        known = extensions_of(mimetype)
        if extension not in known:
            suggestion = safe_filename(f"{entry.name}{fitting or known[0]}")
            message = (
                f"de naam past niet bij de inhoud ({type_label(mimetype)}): "
                f"hernoem het bestand tot {suggestion!r}"
            )
            problems.append(Problem(entry.display, 1, message))
            entry.sha256 = ""


# ---------------------------------------------------------------- applying


def current_files(parent_type: str) -> dict[int, list[Attachment]]:
    """The attachments of every document of a type, by document id, in their order."""
    rows = db.session.scalars(
        select(Attachment)
        .where(Attachment.parent_type == parent_type)
        .order_by(Attachment.parent_id, Attachment.position, Attachment.id)
    )
    by_parent: dict[int, list[Attachment]] = {}
    for attachment in rows:
        by_parent.setdefault(attachment.parent_id, []).append(attachment)
    return by_parent


def same_files(attachments: list[Attachment], entries: list[FileEntry]) -> bool:
    return [(a.filename, a.blob.sha256) for a in attachments] == [
        (e.name, e.sha256) for e in entries
    ]


def count_changes(attachments: list[Attachment], entries: list[FileEntry], counts: FileCounts):
    current = {a.filename: a.blob.sha256 for a in attachments}
    wanted = {e.name: e.sha256 for e in entries}
    for name, sha in wanted.items():
        if name not in current:
            counts.added += 1
        elif current[name] != sha:
            counts.replaced += 1
        else:
            counts.unchanged += 1
    counts.removed += len(set(current) - set(wanted))


class BlobStore:
    """Finds or stores the blob of each checksum once per import."""

    def __init__(self, entries: Iterable[FileEntry]) -> None:
        self.entries = {entry.sha256: entry for entry in entries}
        self.blobs: dict[str, FileBlob] = {}
        if self.entries:
            for blob in db.session.scalars(
                select(FileBlob).where(FileBlob.sha256.in_(list(self.entries)))
            ):
                self.blobs[blob.sha256] = blob

    def store_new(self, limit: int) -> list[Problem]:
        """Store the contents the database does not have yet (`files.store_blob`: the
        storage, then the row), each file read again; problems if one changed meanwhile
        (the caller then rolls back: what was stored is left to the files cleanup)."""
        problems: list[Problem] = []
        for sha, entry in self.entries.items():
            if sha in self.blobs:
                continue
            try:
                blob = files.store_blob(read_file(entry.path, limit), entry.name)
            except FileRefused as refused:
                problems.append(Problem(entry.display, 1, str(refused)))
                continue
            if blob.sha256 != sha:
                problems.append(
                    Problem(entry.display, 1, "het bestand veranderde tijdens de import")
                )
                continue
            self.blobs[sha] = blob
        return problems

    def blob(self, entry: FileEntry) -> FileBlob:
        return self.blobs[entry.sha256]


def apply_files(
    parent_type: str,
    parent: Any,
    attachments: list[Attachment],
    entries: list[FileEntry],
    blobs: BlobStore,
) -> None:
    """Make the document's attachments the entries: add, new version, reorder, remove."""
    by_name = {attachment.filename: attachment for attachment in attachments}
    for position, entry in enumerate(entries):
        blob = blobs.blob(entry)
        attachment = by_name.pop(entry.name, None)
        if attachment is None:
            attachment = Attachment(
                parent_type=parent_type,
                parent_id=parent.id,
                filename=entry.name,
                position=position,
                blob=blob,
            )
            attachment.versions.append(AttachmentVersion(number=1, filename=entry.name, blob=blob))
            db.session.add(attachment)
            continue
        if attachment.position != position:
            attachment.position = position
        if attachment.blob.sha256 != entry.sha256:
            number = max((v.number for v in attachment.versions), default=0) + 1
            attachment.versions.insert(
                0, AttachmentVersion(number=number, filename=entry.name, blob=blob)
            )
            attachment.blob = blob
            attachment.updated_at = utcnow()
    for attachment in by_name.values():
        db.session.delete(attachment)


# ---------------------------------------------------------------- export


def export_files(
    directory: Path,
    slug: str,
    attachments: list[Attachment],
    warnings: list[Problem],
) -> list[str]:
    """Write the current version of each attachment into `directory/slug/`; remove files
    there that are no longer attachments. The names written, in order."""
    folder = directory / slug
    written: list[str] = []
    for attachment in attachments:
        name = attachment.filename
        shown = f"{directory}/{slug}/{name}"
        problem = name_problem(name)
        if problem is not None and ("/" in name or "\\" in name or name in (".", "..")):
            warnings.append(Problem(str(directory / slug), 1, f"not exported: {name!r}: {problem}"))
            continue
        if problem is not None or name.startswith("."):
            warnings.append(Problem(shown, 1, f"will not import: {problem or 'a hidden file'}"))
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        if target.is_symlink() or (target.exists() and not target.is_file()):
            warnings.append(Problem(shown, 1, "not exported: something else has this name"))
            continue
        try:
            with storage().open(attachment.blob.sha256) as source:
                data = source.read()
        except FileNotFoundError:
            message = f"not exported: its content ({attachment.blob.sha256}) is not in the storage"
            warnings.append(Problem(shown, 1, message))
            continue
        target.write_bytes(data)
        written.append(name)
    remove_stale(folder, set(written))
    return written


def remove_stale(folder: Path, keep: set[str]) -> list[Path]:
    """Remove the regular, visible files in a document's folder that are not in `keep`,
    then the folder if it is empty. Links, hidden files and sub-folders are left alone."""
    removed: list[Path] = []
    if folder.is_symlink() or not folder.is_dir():
        return removed
    for child in sorted(folder.iterdir()):
        if child.name in keep or child.name.startswith("."):
            continue
        if stat.S_ISREG(child.lstat().st_mode):
            child.unlink()
            removed.append(child)
    if not any(folder.iterdir()):
        folder.rmdir()
    return removed

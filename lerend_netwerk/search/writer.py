"""Whoosh's segment writer, with the new segment's postings kept per term.

Whoosh's SegmentWriter makes a tuple of every posting, puts it in a sorting pool,
sorts all of them at commit and hands them one at a time to the codec. In a rebuild
that was about half of the time. This writer keeps a new document's postings per
field and term instead (document numbers only grow, so each term's list is already in
order), sorts only the terms at commit and writes each term's postings a block at a
time. The files are byte for byte those Whoosh's own writer makes
(tests/test_search_writer.py).

What it does not handle itself goes Whoosh's way and still ends up in the same
files: documents with boosts (`_boost`, `_<field>_boost`) or stored values of their
own (`_stored_<field>`), fields with term vectors or a separate spelling field, the
postings of segments merged in at commit, another codec. Past `limitmb` (an estimate
of the memory the held postings take) they go to a sorted run on disk, one record per
term; at commit the runs are merged term by term.
"""

from __future__ import annotations

import contextlib
import heapq
import pickle
from array import array
from collections.abc import Iterator
from typing import Any

from whoosh.codec.whoosh3 import W3FieldWriter, W3PostingsWriter
from whoosh.fields import TEXT, UnknownFieldError
from whoosh.writing import SegmentWriter

# Memory estimate of one posting held per term (document number, weight, a reference
# to its value bytes, and those bytes when they are not shared) and of one term.
POSTING_BYTES = 40
TERM_BYTES = 250


class _SegmentLengths:
    """The new segment's field lengths, read once per field instead of once per posting.

    Whoosh looks up the length of a posting's document for every posting it writes
    (for the block's min/max length); from the on-disk column that was a fifth of a
    rebuild's time.
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._lengths: dict[str, list[int]] = {}

    def field(self, fieldname: str) -> list[int]:
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            lengths = self._lengths[fieldname] = _column_lengths(self._reader, fieldname)
        return lengths

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self.field(fieldname)
        return lengths[docnum] if docnum < len(lengths) else default

    def close(self) -> None:
        self._reader.close()


def _column_lengths(reader: Any, fieldname: str) -> list[int]:
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
    from whoosh.util.numeric import byte_to_length

    column = reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return []
    table = [byte_to_length(i) for i in range(256)]
    return [table[byte] for byte in column]


class FastSegmentWriter(SegmentWriter):
    """Whoosh's SegmentWriter with per-term postings (see the module docstring)."""

    def __init__(self, ix: Any, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        # field -> term (str for TEXT fields, else bytes) -> [docnum, weight, value, ...]
        self._terms: dict[str, dict[Any, list]] = {}
        self._held = 0  # estimated bytes in self._terms
        self._limit = int(kwargs.get("limitmb", 128)) * 1024 * 1024
        self._own_fields: dict[str, bool] = {}
        self._runs: list[str] = []  # sorted runs of held postings written to disk

    # Adding --------------------------------------------------------------------

    def _handles(self, fieldname: str) -> bool:
        """Whether this writer indexes the field itself (else Whoosh's add_document)."""
        found = self._own_fields.get(fieldname)
        if found is None:
            if fieldname not in self.schema:
                raise UnknownFieldError(f"No field named {fieldname!r} in {self.schema}")
            field = self.schema[fieldname]
            found = not field.vector and not field.separate_spelling()
            self._own_fields[fieldname] = found
        return found

    def add_document(self, **fields: Any) -> None:
        names = sorted(fields)
        if any(name.startswith("_") or not self._handles(name) for name in names):
            super().add_document(**fields)
            return
        self._check_state()
        schema = self.schema
        docnum = self.docnum
        perdoc = self.perdocwriter
        perdoc.start_doc(docnum)
        held = 0
        for fieldname in names:
            value = fields[fieldname]
            if value is None:
                continue
            field = schema[fieldname]
            length = 0
            if field.indexed:
                terms = self._terms.get(fieldname)
                if terms is None:
                    terms = self._terms[fieldname] = {}
                if type(field) is TEXT:
                    # Keyed by the term (str) rather than its UTF-8 bytes: the same
                    # str objects come back from the analysis, with their hash.
                    if isinstance(value, str):
                        # What TEXT.index encodes.
                        items = field.format.word_values(value, field.analyzer, mode="index")
                    else:
                        items = [(t.decode("utf-8"), *rest) for t, *rest in field.index(value)]
                else:
                    items = field.index(value)
                get = terms.get
                count = 0
                for term, freq, weight, vbytes in items:
                    postings = get(term)
                    if postings is None:
                        postings = terms[term] = []
                        held += TERM_BYTES
                    # Flat: document number, weight, value, ...
                    postings.append(docnum)
                    postings.append(weight)
                    postings.append(vbytes)
                    length += freq
                    count += 1
                if not field.scorable:
                    length = 0
                held += POSTING_BYTES * count
            perdoc.add_field(fieldname, field, value if field.stored else None, length)
            column = field.column_type
            if column:
                perdoc.add_column_value(fieldname, column, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1
        self._held += held
        if self._held > self._limit:
            self._spill()

    def _sorted_terms(self, fieldname: str) -> list[tuple[bytes, list]]:
        """A field's (term bytes, flat postings) in the order of the bytes."""
        terms = self._terms[fieldname]
        if type(self.schema[fieldname]) is TEXT:
            encoded = [(term.encode("utf-8"), postings) for term, postings in terms.items()]
        else:
            encoded = list(terms.items())
        encoded.sort(key=_first)
        return encoded

    def _held_records(self) -> Iterator[tuple[str, bytes, list]]:
        """The held postings as (field, term bytes, flat postings), in sorted order."""
        for fieldname in sorted(self._terms):
            for tbytes, postings in self._sorted_terms(fieldname):
                yield fieldname, tbytes, postings

    def _spill(self) -> None:
        """Write the held postings to a sorted run on disk (the memory limit)."""
        path, run = self.pool._new_run()
        try:
            for record in self._held_records():
                pickle.dump(record, run, pickle.HIGHEST_PROTOCOL)
        finally:
            run.close()
        self._runs.append(path)
        self._terms = {}
        self._held = 0

    def _read_run(self, path: str) -> Iterator[tuple[str, bytes, list]]:
        run = self.pool._open_run(path)
        try:
            while True:
                try:
                    yield pickle.load(run)
                except EOFError:
                    return
        finally:
            run.close()

    def _records(self) -> Iterator[tuple[str, bytes, list]]:
        """Every posting of the new segment per term: the runs and what is held, merged.

        Runs are in the order they were written and the held postings come last, so
        a term's document numbers stay ascending when its pieces are joined.
        """
        if not self._runs:
            yield from self._held_records()
            return
        sources = [self._read_run(path) for path in self._runs] + [self._held_records()]
        merged = heapq.merge(*sources, key=_key)
        current = next(merged, None)
        for record in merged:
            if current is not None and record[:2] == current[:2]:
                current = (current[0], current[1], current[2] + record[2])
            else:
                yield current
                current = record
        if current is not None:
            yield current

    def _close_segment(self) -> None:
        super()._close_segment()
        for path in self._runs:
            with contextlib.suppress(OSError):
                self.pool._remove_run(path)
        self._runs = []

    # Writing the segment ---------------------------------------------------------

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = None
        if self.codec.length_stats:
            reader = self.per_document_reader()
            lengths = _SegmentLengths(reader) if hasattr(reader, "_cached_reader") else reader
        pool = self.pool
        direct = (
            not pool.runs
            and not pool.current
            and isinstance(self.fieldwriter, W3FieldWriter)
            and (lengths is None or isinstance(lengths, _SegmentLengths))
        )
        if direct:
            self._write_terms(lengths)
        else:
            # Whoosh's pool holds postings too (merged segments, boosted documents):
            # ours join them (as one more sorted run when some are on disk already),
            # then Whoosh's way.
            if self._runs or pool.runs:
                path, run = pool._new_run()
                pool._write_run(run, _items(self._records()))
                pool._add_run(path)
            else:
                pool.current.extend(_items(self._records()))
            self._terms = {}
            self.fieldwriter.add_postings(self.schema, lengths, pool.iter_postings())
        self.fieldwriter.close()
        if lengths:
            lengths.close()

    def _write_terms(self, lengths: _SegmentLengths | None) -> None:
        writer = self.fieldwriter
        field = None
        field_lengths: list[int] = []
        for fieldname, tbytes, postings in self._records():
            if fieldname != field:
                if field is not None:
                    writer.finish_field()
                writer.start_field(fieldname, self.schema[fieldname])
                field = fieldname
                field_lengths = lengths.field(fieldname) if lengths is not None else []
            writer.start_term(tbytes)
            _fill_term(writer._postwriter, postings, field_lengths)
            writer.finish_term()
        if field is not None:
            writer.finish_field()
        self._terms = {}


def _key(record: tuple) -> tuple[str, bytes]:
    return record[0], record[1]


def _items(records) -> Iterator[tuple]:
    """Records as Whoosh's pool items (field, term bytes, docnum, weight, value)."""
    for fieldname, tbytes, postings in records:
        for i in range(0, len(postings), 3):
            yield (fieldname, tbytes, postings[i], postings[i + 1], postings[i + 2])


def _first(item: tuple) -> Any:
    return item[0]


def _fill_term(postwriter: W3PostingsWriter, postings: list, field_lengths: list[int]) -> None:
    """Give a term's postings to Whoosh's postings writer a block at a time.

    The same blocks and statistics as W3PostingsWriter.add_posting per posting: a full
    block is written when a further posting comes, the last one by finish_postings;
    the maximum weight starts at 0, the lengths of 0 do not count.
    """
    step = postwriter._blocklimit * 3
    known = len(field_lengths)
    for start in range(0, len(postings), step):
        if start:
            postwriter._write_block()
        block_ids = array("I", postings[start : start + step : 3])
        block_weights = postings[start + 1 : start + step : 3]
        postwriter._ids = block_ids
        postwriter._weights = array("f", block_weights)
        postwriter._values = [value for value in postings[start + 2 : start + step : 3] if value]
        postwriter._maxweight = max(0, max(block_weights))
        block_lengths = [field_lengths[d] for d in block_ids if d < known and field_lengths[d]]
        postwriter._minlength = min(block_lengths) if block_lengths else None
        postwriter._maxlength = max(block_lengths) if block_lengths else 0

"""Benchmark: search inside attached files: text extraction, index sync, search latency.

One command:

    .venv/bin/python benchmarks/bench_files.py               # 1,000 PDFs on 1,000 practices
    .venv/bin/python benchmarks/bench_files.py --files 200   # a quick run

Generates practices with Dutch text and one PDF of a few pages each (pypdf, the words
of the demo content in content/, as the search benchmark does), in a temporary SQLite
database, file store and index, and measures in the same run:

- extraction: `files.extract.extract_text` over every PDF, files/s and MB/s (one core);
- the index: `search reindex` of the practices without files (the baseline), then
  attaching the files and one `search sync` (it reads every file's text and indexes
  the practices again: what happens after uploads), then `search reindex` with the
  files' text;
- search: 1-2-word queries through what /zoeken runs (`search.query.run`: audience,
  total, facets, top 10, snippets), p50/p95 without files and with files, against
  SQLite FTS5 over the same texts with the files (top 10 with snippet() and a count).

Everything happens in a temporary directory that is removed afterwards.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bench_search import Corpus, fts5_query, percentile, queries, timed, vocabulary  # noqa: E402

from lerend_netwerk import create_app  # noqa: E402
from lerend_netwerk.extensions import db  # noqa: E402
from lerend_netwerk.files.extract import PDF, extract_text  # noqa: E402
from text_samples import make_pdf  # noqa: E402

TARGET_P95_MS = 30.0


def practice_host():
    """Practices carry files: their AttachmentHost, or one with their visibility rule."""
    from lerend_netwerk.core.content_types import AttachmentHost, content_types
    from lerend_netwerk.practices.models import Practice
    from lerend_netwerk.visibility import can_see

    practice = content_types["practice"]
    if practice.attachments is None or practice.attachments.search_key is None:
        host = AttachmentHost(
            load=lambda parent_id: db.session.get(Practice, parent_id),
            can_view=can_see,
            can_manage=lambda user, doc: False,
            search_key=lambda doc: ("practice", doc.id),
        )
        content_types.register(dataclasses.replace(practice, attachments=host))


def pages_of(corpus: Corpus, rng: random.Random) -> list[str]:
    pages = []
    for _ in range(rng.randint(2, 4)):
        sentences = [corpus.sentence(rng.randint(8, 18)) for _ in range(rng.randint(25, 35))]
        pages.append(" ".join(sentences))
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=1000, help="PDFs (and practices)")
    parser.add_argument("--queries", type=int, default=300, help="queries to time")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", help="also write the results to this file (for run_all.py)")
    args = parser.parse_args()

    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    counts = vocabulary()
    corpus = Corpus(counts, args.seed)
    rng = random.Random(args.seed)
    print(f"Generating {args.files:,} PDFs of 2-4 pages ...", flush=True)
    started = time.perf_counter()
    pdfs = [make_pdf(pages_of(corpus, rng)) for _ in range(args.files)]
    megabytes = sum(len(pdf) for pdf in pdfs) / 1e6
    print(f"  {megabytes:.1f} MB in {time.perf_counter() - started:.1f} s")

    print("Extracting their text ...", flush=True)
    started, cpu = time.perf_counter(), time.process_time()
    extracted = [extract_text(pdf, PDF) for pdf in pdfs]
    extract_seconds, extract_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert all(item.status == "done" for item in extracted)
    chars = sum(len(item.text or "") for item in extracted)
    print(
        f"  {args.files / extract_seconds:,.1f} files/s, {megabytes / extract_seconds:.2f} MB/s "
        f"({extract_cpu:.1f} s of CPU), {chars / args.files:,.0f} characters per file"
    )

    workdir = tempfile.mkdtemp(prefix="bench-files-")
    try:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.sqlite",
                "SEARCH_INDEX_DIR": f"{workdir}/index",
                "FILES_ROOT": f"{workdir}/files",
                "SEARCH_SYNC_ON_REQUEST": False,
                "FILES_TEXT_BATCH": 200,
            }
        )
        with app.app_context():
            results = run(app, args, corpus, pdfs, extracted, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    (without_files, with_files, fts, reindex_plain, sync_files, reindex_files, sync_files_cpu) = (
        results
    )
    fts_p95 = percentile(fts, 95)
    print()
    print(f"{args.files:,} practices with one PDF each, {len(fts)} queries of 1-2 words")
    print(f"{'search':<44} {'p50 ms':>8} {'p95 ms':>8} {'p95/FTS5':>9}")
    for name, times in (
        ("Whoosh /zoeken, practices without files", without_files),
        ("Whoosh /zoeken, practices with their files", with_files),
        ("SQLite FTS5 with the files, top 10 + count", fts),
    ):
        p50, p95 = percentile(times, 50), percentile(times, 95)
        print(f"{name:<44} {p50:>8.1f} {p95:>8.1f} {p95 / fts_p95:>8.1f}x")
    print()
    print(f"{'index':<60} {'s':>8}")
    print(f"{'search reindex, practices without files':<60} {reindex_plain:>8.1f}")
    print(
        f"{'search sync after attaching: read every file and index again':<60} "
        f"{sync_files:>8.1f}  ({sync_files_cpu:.1f} s CPU)"
    )
    print(f"{'search reindex, practices with the files text':<60} {reindex_files:>8.1f}")
    verdict = "met" if percentile(with_files, 95) <= TARGET_P95_MS else "NOT met"
    print(f"target: /zoeken p95 with files at most {TARGET_P95_MS:.0f} ms: {verdict}")
    print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        write_json(args, megabytes, extract_seconds, results)
    return 0


def run(app, args, corpus, pdfs, extracted, workdir):
    from lerend_netwerk.files.models import Attachment, AttachmentVersion, FileBlob
    from lerend_netwerk.files.storage import storage
    from lerend_netwerk.practices.models import Practice
    from lerend_netwerk.search import query as search_query
    from lerend_netwerk.search.index import get_handle
    from lerend_netwerk.search.service import reindex, sync_index

    db.create_all()
    practice_host()
    practices = []
    for n in range(1, args.files + 1):
        doc = corpus.document(n)
        practices.append(
            Practice(slug=f"praktijk-{n}", title=doc.title, summary=doc.body[:600], body=doc.body)
        )
    db.session.add_all(practices)
    db.session.commit()
    texts = queries(vocabulary(), args.queries, args.seed + 2)

    def search_times(directory: str) -> list[float]:
        handle = get_handle(directory)
        return timed(lambda text: search_query.run(handle, text, "public", {}), texts)

    print("search reindex without files ...", flush=True)
    started = time.perf_counter()
    reindex(app)
    reindex_plain = time.perf_counter() - started
    plain_dir = f"{workdir}/index-without-files"
    shutil.copytree(app.config["SEARCH_INDEX_DIR"], plain_dir)

    print("Attaching the files ...", flush=True)
    for practice, pdf in zip(practices, pdfs, strict=True):
        blob = FileBlob(sha256=storage().put(pdf), size=len(pdf), mimetype=PDF)
        db.session.add(blob)
        db.session.flush()
        attachment = Attachment(
            parent_type="practice",
            parent_id=practice.id,
            filename=f"bijlage-{practice.id}.pdf",
            blob_id=blob.id,
        )
        attachment.versions.append(
            AttachmentVersion(number=1, filename=attachment.filename, blob_id=blob.id)
        )
        db.session.add(attachment)
    db.session.commit()
    print("search sync: reading the files and indexing again ...", flush=True)
    started, cpu = time.perf_counter(), time.process_time()
    while True:
        result = sync_index(app)
        if not result.files_waiting:
            break
    sync_files, sync_files_cpu = time.perf_counter() - started, time.process_time() - cpu
    done = db.session.query(FileBlob).filter(FileBlob.text_status == "done").count()
    assert done == args.files, done
    print("search reindex with the files' text ...", flush=True)
    started = time.perf_counter()
    reindex(app)
    reindex_files = time.perf_counter() - started
    # Both indexes timed twice, alternating (the machine is shared); the second runs count.
    print("Timing the queries ...", flush=True)
    for _round in range(2):
        without_files = search_times(plain_dir)
        with_files = search_times(app.config["SEARCH_INDEX_DIR"])

    conn = sqlite3.connect(f"{workdir}/fts.sqlite")
    conn.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(title, body, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    with conn:
        conn.executemany(
            "INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
            (
                (p.id, p.title, f"{p.summary}\n{p.body}\n{item.text}")
                for p, item in zip(practices, extracted, strict=True)
            ),
        )
    fts = timed(lambda text: fts5_query(conn, text), texts)
    conn.close()
    return without_files, with_files, fts, reindex_plain, sync_files, reindex_files, sync_files_cpu


def write_json(args, megabytes: float, extract_seconds: float, results) -> None:
    without_files, with_files, fts, reindex_plain, sync_files, reindex_files, _cpu = results
    n = args.files
    summary = [
        {
            "what": f"files, {n:,} PDFs: text extraction per file "
            f"({n / extract_seconds:,.0f} files/s, {megabytes / extract_seconds:.1f} MB/s)",
            "value": extract_seconds / n * 1000,
            "unit": "ms",
            "baseline": reindex_plain / n * 1000,
            "baseline_what": "indexing a practice without files",
            "ratio": extract_seconds / reindex_plain,
        },
        {
            "what": f"files, {n:,} PDFs: search sync reading them",
            "value": sync_files,
            "unit": "s",
            "baseline": reindex_plain,
            "baseline_what": "reindex without files",
            "ratio": sync_files / reindex_plain,
        },
        {
            "what": f"files, {n:,} PDFs: reindex with files",
            "value": reindex_files,
            "unit": "s",
            "baseline": reindex_plain,
            "baseline_what": "reindex without files",
            "ratio": reindex_files / reindex_plain,
        },
    ]
    for label, times in (("without files", without_files), ("with files", with_files)):
        value, base = percentile(times, 95), percentile(fts, 95)
        summary.append(
            {
                "what": f"files, {n:,} practices: /zoeken {label}, p95",
                "value": value,
                "unit": "ms",
                "baseline": base,
                "baseline_what": "SQLite FTS5 with files p95",
                "ratio": value / base,
            }
        )
    document = {"benchmark": "files", "files": n, "summary": summary}
    Path(args.json).write_text(json.dumps(document, indent=2))


if __name__ == "__main__":
    sys.exit(main())

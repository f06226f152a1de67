"""Benchmark: the Whoosh search index against SQLite FTS5 on the same Dutch corpus.

One command:

    .venv/bin/python benchmarks/bench_search.py               # 20,000 documents
    .venv/bin/python benchmarks/bench_search.py --docs 2000   # a quick run

Generates documents of about 280 words (titles of 4-8 words) from the vocabulary of the
demo content in content/ (word frequencies kept, so common words are common), then in
the same run:

- builds the Whoosh index with the platform's own schema and Dutch analyzer
  (lerend_netwerk.search: stemming, accent folding, stop words, spelling field), and an
  SQLite FTS5 table (unicode61, diacritics removed) over the same titles and bodies;
- times 1-2-word queries drawn from the corpus (mid-frequency words, as people type):
  * Whoosh /zoeken: exactly what the search page does (lerend_netwerk.search.query.run):
    audience filter, exact total, facets (type, theme, level), BM25 top 10 and
    highlighted snippets; once with the per-process posting cache warm (queries repeat
    words, as real traffic does) and once emptied before every query (cold);
  * Whoosh's own scorer: the same words through Whoosh's matcher tree and BM25F
    (searcher.search, top 10) plus snippets: why the platform ranks by itself;
  * FTS5: top 10 by rank with snippet() highlights, plus an exact COUNT(*).
- prints build time, docs/s (wall clock and per CPU second: the machine is shared),
  p50/p95 latency and the ratio to FTS5, and checks the targets: Whoosh p95 at most
  20 ms, the build at least 1,000 docs/s.

Everything happens in a temporary directory that is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lerend_netwerk import register_content_types  # noqa: E402
from lerend_netwerk.search import query as search_query  # noqa: E402
from lerend_netwerk.search.documents import SearchDocument, doc_types  # noqa: E402
from lerend_netwerk.search.index import DUTCH_STOPWORDS, fold, get_handle  # noqa: E402
from lerend_netwerk.search.sync import REINDEX_LIMITMB, whoosh_fields  # noqa: E402

TARGET_P95_MS = 20.0
TARGET_BUILD_DOCS_PER_S = 1000.0
WORD_RE = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
THEMES = [
    "mentoren",
    "werving-en-selectie",
    "financiering",
    "kader",
    "werkplekken",
    "leervergoedingen",
    "administratieve-vereenvoudiging",
    "evaluatie-werkplekleren",
]
LEVELS = ["hoger-onderwijs", "volwassenenonderwijs", "secundair"]
FALLBACK = [
    "duaal",
    "leren",
    "werkplek",
    "mentor",
    "mentoren",
    "opleiding",
    "student",
    "studenten",
    "bedrijf",
    "bedrijven",
    "hogeschool",
    "centrum",
    "volwassenenonderwijs",
    "proeftuin",
    "begeleiding",
    "evaluatie",
    "financiering",
    "financiële",
    "vergoeding",
    "werving",
    "selectie",
    "samenwerking",
    "netwerk",
    "intervisie",
    "overleg",
    "traject",
    "competenties",
    "leerresultaten",
    "stage",
    "contract",
    "overeenkomst",
    "sector",
    "zorg",
    "logistiek",
    "bouw",
]


def vocabulary() -> Counter[str]:
    """Word frequencies of the demo content (the network's own language)."""
    counts: Counter[str] = Counter()
    for path in (ROOT / "content").rglob("*.md"):
        counts.update(word.lower() for word in WORD_RE.findall(path.read_text("utf-8")))
    if len(counts) < 200:
        counts.update(FALLBACK * 5)
    return counts


class Corpus:
    def __init__(self, counts: Counter[str], seed: int) -> None:
        self.rng = random.Random(seed)
        self.words = list(counts)
        self.weights = [counts[w] for w in self.words]

    def sentence(self, n: int) -> str:
        words = self.rng.choices(self.words, self.weights, k=n)
        return words[0].capitalize() + " " + " ".join(words[1:]) + "."

    def document(self, n: int) -> SearchDocument:
        rng = self.rng
        body_words = rng.randint(250, 310)
        sentences = []
        while body_words > 0:
            length = min(rng.randint(8, 20), body_words)
            sentences.append(self.sentence(length))
            body_words -= length
        audiences = ("public", "member", "coordinator")
        roll = rng.random()
        if roll < 0.1:
            audiences = ("member", "coordinator")
        elif roll < 0.15:
            audiences = ("coordinator",)
        return SearchDocument(
            type=rng.choice(doc_types()),
            id=n,
            slug=f"document-{n}",
            title=self.sentence(rng.randint(4, 8)).rstrip("."),
            body=" ".join(sentences),
            keywords=" ".join(rng.sample(THEMES, 2)).replace("-", " "),
            themes=rng.sample(THEMES, rng.randint(1, 3)),
            level=rng.choice(LEVELS),
            audiences=audiences,
        )


def queries(counts: Counter[str], how_many: int, seed: int) -> list[str]:
    """1-2-word queries of mid-frequency words (no stop words)."""
    rng = random.Random(seed)
    ranked = [w for w, _ in counts.most_common() if len(w) >= 4 and fold(w) not in DUTCH_STOPWORDS]
    pool = ranked[5 : 5 + max(50, len(ranked) // 3)]
    out = []
    for _ in range(how_many):
        k = rng.choice((1, 1, 2))
        out.append(" ".join(rng.sample(pool, k)))
    return out


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def timed(run, items) -> list[float]:
    for item in items[:10]:  # warm-up: caches, mmap, the facet sets
        run(item)
    times = []
    for item in items:
        start = time.perf_counter()
        run(item)
        times.append((time.perf_counter() - start) * 1000)
    return times


BUILD_CPU: dict[str, float] = {}


def rss_mb() -> float:
    """This process's resident memory now (MB)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    """The highest resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_whoosh(directory: str, docs: list[SearchDocument], limitmb: int) -> float:
    handle = get_handle(directory)
    start, cpu = time.perf_counter(), time.process_time()
    # The writer `search reindex` uses, with its memory limit (SEARCH_REINDEX_LIMITMB).
    writer = handle.acquire_writer(0, limitmb=limitmb)
    assert writer is not None
    for doc in docs:
        writer.add_document(**whoosh_fields(doc))
    writer.commit()
    BUILD_CPU["whoosh"] = time.process_time() - cpu
    return time.perf_counter() - start


def build_fts5(path: str, docs: list[SearchDocument]) -> float:
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    conn.execute(
        "CREATE VIRTUAL TABLE docs USING fts5(title, body, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    with conn:
        conn.executemany(
            "INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)",
            ((doc.id, doc.title, doc.body) for doc in docs),
        )
    conn.close()
    return time.perf_counter() - start


def fts5_query(conn: sqlite3.Connection, text: str) -> int:
    match = " ".join('"' + word.replace('"', "") + '"' for word in text.split())
    rows = conn.execute(
        "SELECT rowid, title, snippet(docs, 1, '<mark>', '</mark>', '…', 24) "
        "FROM docs WHERE docs MATCH ? ORDER BY rank LIMIT 10",
        (match,),
    ).fetchall()
    total = conn.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,)).fetchone()[0]
    return total + len(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20_000, help="documents to generate")
    parser.add_argument("--queries", type=int, default=300, help="queries to time")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--json", help="also write the results to this file (for run_all.py)")
    parser.add_argument(
        "--limitmb", type=int, default=REINDEX_LIMITMB, help="the build's memory limit (MB)"
    )
    args = parser.parse_args()
    register_content_types()  # the document types, as the app does (no app needed here)

    print(f"load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    counts = vocabulary()
    corpus = Corpus(counts, args.seed)
    print(f"Generating {args.docs:,} documents from a vocabulary of {len(counts):,} words ...")
    docs = [corpus.document(n) for n in range(1, args.docs + 1)]
    words = sum(len(doc.body.split()) for doc in docs) / len(docs)
    print(f"  about {words:.0f} words per document")
    texts = queries(counts, args.queries, args.seed + 1)

    workdir = tempfile.mkdtemp(prefix="bench-search-")
    try:
        index_dir = os.path.join(workdir, "whoosh")
        fts_path = os.path.join(workdir, "fts.sqlite")
        print("Indexing in Whoosh ...", flush=True)
        before = rss_mb()
        whoosh_build = build_whoosh(index_dir, docs, args.limitmb)
        cpu = BUILD_CPU["whoosh"]
        print(
            f"  {whoosh_build:.1f} s ({cpu:.1f} s of CPU: "
            f"{args.docs / cpu:,.0f} docs per CPU second)"
        )
        print(
            f"  memory: {before:,.0f} MB before the build (the generated documents), "
            f"peak {peak_rss_mb():,.0f} MB (--limitmb {args.limitmb})"
        )
        print("Indexing in SQLite FTS5 ...", flush=True)
        fts_build = build_fts5(fts_path, docs)
        print(f"  {fts_build:.1f} s")

        handle = get_handle(index_dir)
        no_filters: dict[str, str | None] = {}
        totals: list[int] = []

        def whoosh_full(text: str) -> None:
            outcome = search_query.run(handle, text, "public", no_filters)
            totals.append(outcome.total)

        def whoosh_cold(text: str) -> None:
            handle.forget_terms()
            search_query.run(handle, text, "public", no_filters)

        def whoosh_top(text: str) -> None:
            searcher = handle.searcher()
            built = search_query.build_query(handle, searcher, search_query.parse(text))
            whoosh_query = built.as_whoosh_query()
            if whoosh_query is None:
                return
            allowed = search_query.allowed_docs(handle, searcher, "public", no_filters)
            results = searcher.search(whoosh_query, filter=allowed, limit=10)
            for hit in results:
                search_query.make_snippet(hit["body"], built.highlight_terms)

        conn = sqlite3.connect(fts_path)
        print(f"Timing {len(texts)} queries per engine ...", flush=True)
        full = timed(whoosh_full, texts)
        cold = timed(whoosh_cold, texts)
        top = timed(whoosh_top, texts)
        fts = timed(lambda text: fts5_query(conn, text), texts)
        conn.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    fts_p95 = percentile(fts, 95)
    rows = [
        ("Whoosh /zoeken, warm cache", whoosh_build, full),
        ("Whoosh /zoeken, cold cache", whoosh_build, cold),
        ("Whoosh's own scorer, top 10 + snippets", whoosh_build, top),
        ("SQLite FTS5 top 10 + snippets + count", fts_build, fts),
    ]
    print()
    print(f"{args.docs:,} documents, {len(texts)} queries of 1-2 words")
    header = (
        f"{'engine':<40} {'build s':>8} {'docs/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p95/FTS5':>9}"
    )
    print(header)
    print("-" * len(header))
    for name, build, times in rows:
        p50, p95 = percentile(times, 50), percentile(times, 95)
        print(
            f"{name:<40} {build:>8.1f} {args.docs / build:>8.0f} {p50:>8.1f} {p95:>8.1f} "
            f"{p95 / fts_p95:>8.1f}x"
        )
    matched = [t for t in totals if t]
    if matched:
        print(
            f"\nmatches per query (Whoosh, public): median {statistics.median(matched):.0f}, "
            f"max {max(matched)}"
        )
    for label, times in (("warm", full), ("cold", cold)):
        p95 = percentile(times, 95)
        verdict = "met" if p95 <= TARGET_P95_MS else "NOT met"
        print(f"target: Whoosh /zoeken p95 at most {TARGET_P95_MS:.0f} ms ({label}): {verdict}")
    rate = args.docs / whoosh_build
    verdict = "met" if rate >= TARGET_BUILD_DOCS_PER_S else "NOT met"
    print(f"target: build at least {TARGET_BUILD_DOCS_PER_S:,.0f} docs/s: {verdict} ({rate:,.0f})")
    cpu_rate = args.docs / BUILD_CPU["whoosh"]
    verdict = "met" if cpu_rate >= TARGET_BUILD_DOCS_PER_S else "NOT met"
    print(
        f"target: build at least {TARGET_BUILD_DOCS_PER_S:,.0f} docs per CPU second "
        f"(what one quiet core gives): {verdict} ({cpu_rate:,.0f})"
    )
    print(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        write_json(args.json, args.docs, rows, fts, whoosh_build, fts_build)
    return 0


def write_json(path: str, docs: int, rows: list, fts: list[float], build: float, fts_build: float):
    """The results, and the summary lines run_all.py prints (what, value, baseline, ratio)."""
    summary = []
    for name, _, times in rows[:2]:
        for pct in (50, 95):
            value, base = percentile(times, pct), percentile(fts, pct)
            summary.append(
                {
                    "what": f"search, {docs:,} docs: {name}, p{pct}",
                    "value": value,
                    "unit": "ms",
                    "baseline": base,
                    "baseline_what": f"SQLite FTS5 p{pct}",
                    "ratio": value / base,
                }
            )
    summary.append(
        {
            "what": f"search, {docs:,} docs: Whoosh index build",
            "value": build,
            "unit": "s",
            "baseline": fts_build,
            "baseline_what": "FTS5 build",
            "ratio": build / fts_build,
        }
    )
    results = [
        {"name": name, "p50_ms": percentile(times, 50), "p95_ms": percentile(times, 95)}
        for name, _, times in rows
    ]
    document = {
        "benchmark": "search",
        "docs": docs,
        "results": results,
        "summary": summary,
        "target_p95_ms": TARGET_P95_MS,
    }
    Path(path).write_text(json.dumps(document, indent=2))


if __name__ == "__main__":
    sys.exit(main())

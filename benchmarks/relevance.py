"""Relevance score of the search: the share of queries with an expected document in the top 3.

    .venv/bin/python benchmarks/relevance.py                  # both sets below
    .venv/bin/python benchmarks/relevance.py --set demo       # held-out queries on content/
    .venv/bin/python benchmarks/relevance.py --set fixture -v # the test set, every query shown

`fixture` is the relevance test set of tests/ (tests/relevance/: its own Dutch documents
and queries); `demo` is a held-out set of member queries on the demo content/
(benchmarks/relevance/demo_heldout.json). Each set is imported into a temporary SQLite
database and indexed with the platform's own code.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lerend_netwerk import create_app  # noqa: E402
from lerend_netwerk.content_io.service import import_directory  # noqa: E402
from lerend_netwerk.extensions import db  # noqa: E402
from lerend_netwerk.search import relevance  # noqa: E402
from lerend_netwerk.search.service import reindex  # noqa: E402

SETS = {
    "fixture": (
        ROOT / "tests" / "relevance" / "content",
        ROOT / "tests" / "relevance" / "queries.json",
    ),
    "demo": (ROOT / "content", ROOT / "benchmarks" / "relevance" / "demo_heldout.json"),
}


def run_set(name: str, verbose: bool) -> float:
    content, queries = SETS[name]
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SECRET_KEY": "relevance",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.join(tmp, 'db.sqlite')}",
                "SEARCH_INDEX_DIR": os.path.join(tmp, "index"),
                "SEARCH_SYNC_IN_BACKGROUND": False,
                "SITE_URL": "http://localhost",
            }
        )
        with app.app_context():
            db.create_all()
            import_directory(content)
            db.session.commit()
            reindex(app)
            judged = relevance.judge(relevance.load_set(queries))
            db.session.remove()
            db.engine.dispose()
    for item in judged:
        if verbose or not item.ok:
            mark = "ok  " if item.ok else "MISS"
            print(f"  {mark} {item.query!r}: {', '.join(item.got) or '(nothing)'}")
    value = relevance.score(judged)
    right = sum(item.ok for item in judged)
    print(f"{name}: {right}/{len(judged)} queries right in the top {relevance.TOP} ({value:.0%})")
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=sorted(SETS), action="append")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    for name in args.set or ["fixture", "demo"]:
        if SETS[name][1].exists():
            run_set(name, args.verbose)


if __name__ == "__main__":
    main()

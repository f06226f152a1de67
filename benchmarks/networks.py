"""Benchmark an installation that grows from 1 to 20 networks, on PostgreSQL.

    .venv/bin/python benchmarks/networks.py            # 1, 5 and 20 networks; ~10 minutes
    .venv/bin/python benchmarks/networks.py --quick    # a tenth of the data, 1, 4 and 10

Every network holds the same share: at 20 networks the installation has 50,000
members, 5,000 sessions and 50,000 good practices (2,500 members, 250 sessions and
2,500 practices per network), bulk-inserted into a temporary PostgreSQL database that
is dropped afterwards, and indexed for search the way `lerend-netwerk search reindex`
does. Then, through the Flask test client and as a visitor, with the page cache off (so
every request does its work): the agenda (`/sessies`), a network's page (`/n/<slug>/`, when
the build has one), the search across every network (`/zoeken?q=…`), and the calendar
feed (`/agenda.ics`). The baseline is the plain Flask app of `plain_wsgi.py` through the
same test client in the same run; each figure is its median as times the baseline's.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg
from plain_wsgi import app as plain_app
from sqlalchemy import insert

from lerend_netwerk import create_app
from lerend_netwerk.agenda.models import MEETING_KINDS, Meeting
from lerend_netwerk.auth.models import User
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import Network, NetworkMembership
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.search.service import reindex

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PER_NETWORK = {"members": 2500, "sessions": 250, "practices": 2500}
WORDS = [
    "mentor",
    "werkplek",
    "leren",
    "duaal",
    "leerling",
    "opleiding",
    "begeleiding",
    "evaluatie",
    "proeftuin",
    "school",
    "onderneming",
    "competenties",
    "intervisie",
    "financiering",
    "sector",
    "screening",
    "ouders",
    "infosessie",
]
QUERY = "mentor werkplek"


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def seed(networks: int, share: dict[str, int], rng: random.Random) -> dict[str, int]:
    """Bulk-insert `networks` networks, each with `share` of members, sessions and practices."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    default = db.session.scalar(db.select(Network).where(Network.is_default.is_(True)))
    rows = [
        {"slug": f"netwerk-{n}", "title": f"Netwerk {n}", "levels": ["secundair"], "position": n}
        for n in range(1, networks)
    ]
    if rows:
        db.session.execute(insert(Network), rows)
    ids = [default.id, *db.session.scalars(db.select(Network.id).where(Network.id != default.id))]
    counts = {"networks": len(ids), "members": 0, "sessions": 0, "practices": 0}
    batch = 5000
    for index, network_id in enumerate(ids):
        users = [
            {
                "email": f"lid{index}-{i}@example.be",
                "name": f"Lid {index}-{i}",
                "calendar_token": uuid.uuid4().hex,
            }
            for i in range(share["members"])
        ]
        for start in range(0, len(users), batch):
            chunk = users[start : start + batch]
            user_ids = db.session.scalars(insert(User).returning(User.id), chunk).all()
            db.session.execute(
                insert(NetworkMembership),
                [{"network_id": network_id, "user_id": uid, "role": "member"} for uid in user_ids],
            )
        counts["members"] += len(users)
        sessions = []
        for i in range(share["sessions"]):
            starts = now + timedelta(days=rng.randint(-330, 365), hours=rng.randint(-6, 6))
            sessions.append(
                {
                    "slug": f"sessie-{index}-{i}",
                    "title": f"{rng.choice(MEETING_KINDS).capitalize()} {rng.choice(WORDS)} {i}",
                    "kind": rng.choice(MEETING_KINDS),
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=3),
                    "location": f"Zaal {i % 9}",
                    "body": paragraph(rng, 40),
                    "network_id": network_id,
                    "published_at": starts - timedelta(days=42),
                }
            )
        db.session.execute(insert(Meeting), sessions)
        counts["sessions"] += len(sessions)
        practices = [
            {
                "slug": f"praktijk-{index}-{i}",
                "title": f"Praktijk {rng.choice(WORDS)} {index}-{i}",
                "summary": paragraph(rng, 20),
                "body": paragraph(rng, 80),
                "level": "secundair",
                "network_id": network_id,
                "published_at": now - timedelta(days=rng.randint(0, 900)),
            }
            for i in range(share["practices"])
        ]
        for start in range(0, len(practices), batch):
            db.session.execute(insert(Practice), practices[start : start + batch])
        counts["practices"] += len(practices)
    db.session.commit()
    return counts


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm up: compiled statements, templates, the search searcher
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def network_page(app) -> str | None:
    """The URL pattern of a network's own page ("/n/<slug>/"), if this build has one."""
    for rule in app.url_map.iter_rules():
        if rule.rule in ("/n/<slug>/", "/n/<slug>") and "GET" in (rule.methods or ()):
            return rule.rule.replace("<slug>", "{slug}")
    return None


def measure(url: str, networks: int, share: dict[str, int], repeat: int, tmp: str) -> dict:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "benchmark",
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_INDEX_DIR": tmp,
            "RATELIMIT_ENABLED": False,
            "PAGE_CACHE_ENABLED": False,
        }
    )
    result: dict = {"networks": networks}
    with app.app_context():
        db.create_all()
        began = time.perf_counter()
        result["rows"] = seed(networks, share, random.Random(networks))
        result["seed_s"] = time.perf_counter() - began
        began = time.perf_counter()
        result["indexed"] = reindex(app)
        result["index_s"] = time.perf_counter() - began
        db.session.remove()

    client = app.test_client()
    bare = plain_app.test_client()

    def get(path: str, who=None) -> Callable[[], object]:
        def go() -> None:
            response = (who or client).get(path)
            assert response.status_code == 200, (path, response.status_code)
            response.get_data()

        return go

    page = network_page(app)
    cases: list[tuple[str, Callable[[], object]]] = [("agenda (/sessies)", get("/sessies"))]
    if page is not None:
        slug = "netwerk-1" if networks > 1 else "duaal-leren-ho-vwo"
        cases.append(("a network's page", get(page.format(slug=slug))))
    else:
        print("  a network's page: this build has no /n/<slug>/ page", flush=True)
    cases += [
        (
            f"search across networks (/zoeken?q={QUERY})",
            get(f"/zoeken?q={QUERY.replace(' ', '+')}"),
        ),
        ("calendar feed (/agenda.ics)", get("/agenda.ics")),
    ]
    # A large feed is built in the background after a first 503: wait until it is there
    # (the time that takes is reported), then time the answers as subscribers get them.
    began = time.perf_counter()
    while client.get("/agenda.ics").status_code != 200:
        if time.perf_counter() - began > 300:
            raise RuntimeError("the calendar feed was not built within 300 s")
        time.sleep(0.2)
    result["feed_ready_s"] = time.perf_counter() - began
    baseline = statistics.median(timed(lambda: bare.get("/bench/bare").get_data(), repeat * 5))
    result["baseline_ms"] = baseline
    result["cases"] = []
    for name, fn in cases:
        try:
            samples = timed(fn, repeat)
        except AssertionError as error:
            print(f"  {name}: skipped ({error})", flush=True)
            continue
        median = statistics.median(samples)
        result["cases"].append(
            {"name": name, "median_ms": median, "max_ms": max(samples), "ratio": median / baseline}
        )
    with app.app_context():
        db.engine.dispose()
    return result


def run(networks: int, share: dict[str, int], repeat: int) -> dict:
    import tempfile

    name = f"ln_bench_networks_{uuid.uuid4().hex[:10]}"
    server = SERVER.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        with tempfile.TemporaryDirectory(prefix="ln-bench-networks-") as tmp:
            return measure(f"{SERVER}/{name}", networks, share, repeat, tmp)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the data; 1, 4, 10")
    parser.add_argument("--networks", help="the network counts to run, e.g. 1,5,20")
    parser.add_argument("--repeat", type=int, default=None, help="requests per case")
    parser.add_argument("--json", help="also write the results to this file (for run_all.py)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    share = {key: value // scale for key, value in PER_NETWORK.items()}
    counts = [int(n) for n in (args.networks or ("1,4,10" if args.quick else "1,5,20")).split(",")]
    repeat = args.repeat or (5 if args.quick else 9)

    results = []
    for networks in counts:
        print(f"\n--- {networks} network(s) ---", flush=True)
        result = run(networks, share, repeat)
        rows = result["rows"]
        print(
            f"  {rows['members']:,} members, {rows['sessions']:,} sessions, "
            f"{rows['practices']:,} practices in {rows['networks']} networks: seeded in "
            f"{result['seed_s']:.1f} s, {result['indexed']:,} documents indexed in "
            f"{result['index_s']:.1f} s; first feed after {result['feed_ready_s']:.1f} s; "
            f"bare Flask {result['baseline_ms']:.3f} ms",
            flush=True,
        )
        for case in result["cases"]:
            print(
                f"  {case['name']:<50} {case['median_ms']:>9.1f} ms median "
                f"{case['max_ms']:>9.1f} max  {case['ratio']:>8.0f}x bare",
                flush=True,
            )
        results.append(result)

    print("\nmedian ms (times bare Flask) by number of networks")
    names = [case["name"] for case in results[-1]["cases"]]
    print(f"{'case':<50} " + " ".join(f"{r['networks']:>18}" for r in results))
    for name in names:
        cells = []
        for result in results:
            case = next((c for c in result["cases"] if c["name"] == name), None)
            cells.append(
                f"{case['median_ms']:>8.1f} ({case['ratio']:>6.0f}x)" if case else " " * 18
            )
        print(f"{name:<50} " + " ".join(cells))
    if args.json:
        write_json(args.json, results)
    return 0


def write_json(path: str, results: list[dict]) -> None:
    """Every run, and the summary lines run_all.py prints (what, value, baseline, ratio)."""
    largest = results[-1]
    summary = [
        {
            "what": f"networks, {largest['networks']} networks, "
            f"{largest['rows']['members']:,} members: {case['name']}, median",
            "value": case["median_ms"],
            "unit": "ms",
            "baseline": largest["baseline_ms"],
            "baseline_what": "plain Flask, test client",
            "ratio": case["ratio"],
        }
        for case in largest["cases"]
    ]
    document = {"benchmark": "networks", "results": results, "summary": summary}
    Path(path).write_text(json.dumps(document, indent=2, default=str))


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: the indicators over ten years of data with 100,000 registrations.

One command:

    .venv/bin/python benchmarks/bench_indicators.py            # SQLite file
    .venv/bin/python benchmarks/bench_indicators.py --postgres # and PostgreSQL

Seeds ten academic years (2015-2016 to 2024-2025) with bulk inserts, then times the
full indicators computation (`indicators.service.build_report`: every query, table
and chart) for one academic year and for all ten years, one CSV export and the whole
page over HTTP, each against a baseline measured in the same run on the same
database: a plain `SELECT COUNT(*) FROM registration`, and (because SQLite answers that
one without reading rows) a full read of the registrations grouped by status. Prints a
table with medians and the ratios to both baselines.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text

from lerend_netwerk import create_app
from lerend_netwerk.agenda.models import MEETING_KINDS, Meeting, Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.auth.service import create_user
from lerend_netwerk.contributions.models import Contribution
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators import periods, service
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import (
    LEVELS,
    Organisation,
    Proeftuin,
    VisitReport,
)
from lerend_netwerk.recommendations.models import (
    RECOMMENDATION_STATUSES,
    Recommendation,
)
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.timeutil import BRUSSELS

FIRST_YEAR = 2015
YEARS = 10
NOW = datetime(2025, 9, 15, 12, tzinfo=UTC)
PASSWORD = "benchmark wachtwoord 2025"


def _random_moment(rng: random.Random, first: date, last: date, hour_choices) -> datetime:
    day = first + timedelta(days=rng.randrange((last - first).days + 1))
    local = datetime(day.year, day.month, day.day, rng.choice(hour_choices), 0, tzinfo=BRUSSELS)
    return local.astimezone(UTC)


def seed(registrations: int, rng: random.Random) -> dict[str, int]:
    """Bulk-insert ten years of network history; returns the row counts."""
    first, last = date(FIRST_YEAR, 9, 1), date(FIRST_YEAR + YEARS, 8, 31)
    now = NOW
    counts: dict[str, int] = {}

    def bulk(model, rows: list[dict]) -> None:
        if rows:
            db.session.execute(insert(model), rows)
        counts[model.__tablename__] = len(rows)

    bulk(Theme, [{"id": i, "slug": f"thema-{i}", "title": f"Thema {i}"} for i in range(1, 13)])
    organisations = 150
    bulk(
        Organisation,
        [
            {"id": i, "slug": f"org-{i}", "title": f"Organisatie {i}", "type": "hogeschool"}
            for i in range(1, organisations + 1)
        ],
    )
    proeftuinen = 60
    bulk(
        Proeftuin,
        [
            {"id": i, "slug": f"pt-{i}", "title": f"Proeftuin {i}", "level": LEVELS[i % 3]}
            for i in range(1, proeftuinen + 1)
        ],
    )
    users = 5000
    bulk(
        User,
        [
            {
                "id": i,
                "email": f"lid{i}@example.be",
                "name": f"Lid {i}",
                "role": "member",
                "organisation_id": None if i % 10 == 0 else rng.randint(1, organisations),
                "calendar_token": uuid.uuid4().hex,
            }
            # id 1 is the coordinator who reads the page (created before the seeding,
            # so that PostgreSQL's id sequence stays right).
            for i in range(2, users + 2)
        ],
    )

    # Sessions: enough that each has about 40 registrations.
    meeting_count = max(1, registrations // 40)
    meetings = []
    for i in range(1, meeting_count + 1):
        starts = _random_moment(rng, first, last, (9, 10, 13, 14, 19))
        meetings.append(
            {
                "id": i,
                "slug": f"sessie-{i}",
                "title": f"Sessie {i}",
                "kind": rng.choice(MEETING_KINDS),
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=3),
                "status": "cancelled" if rng.random() < 0.05 else "scheduled",
                "visibility": "members" if rng.random() < 0.3 else "public",
                "host_id": None if rng.random() < 0.2 else rng.randint(1, proeftuinen),
                "capacity": 40,
            }
        )
    bulk(Meeting, meetings)

    rows = []
    per_meeting, extra = divmod(registrations, meeting_count)
    for index, meeting in enumerate(meetings):
        take = per_meeting + (1 if index < extra else 0)
        for user_id in rng.sample(range(2, users + 2), take):
            registered = meeting["starts_at"] - timedelta(days=rng.randint(1, 60))
            roll = rng.random()
            row = {
                "meeting_id": meeting["id"],
                "user_id": user_id,
                "registered_at": registered,
                "confirmed_at": None,
                "cancelled_at": None,
                "checked_in_at": None,
            }
            if roll < 0.78:
                row["status"] = "confirmed"
                row["confirmed_at"] = registered
                if meeting["ends_at"] < now and rng.random() < 0.8:
                    row["checked_in_at"] = meeting["starts_at"] + timedelta(minutes=5)
            elif roll < 0.88:
                row["status"] = "waitlisted"
            else:
                row["status"] = "cancelled"
                row["cancelled_at"] = registered + timedelta(hours=5)
                if rng.random() < 0.5:
                    row["confirmed_at"] = registered
            rows.append(row)
    bulk(Registration, rows)

    bulk(
        VisitReport,
        [
            {
                "slug": f"verslag-{i}",
                "title": f"Verslag {i}",
                "proeftuin_id": rng.randint(1, proeftuinen),
                "visited": (v := _random_moment(rng, first, last, (10,))).date(),
                "status": "draft" if rng.random() < 0.1 else "published",
                "published_at": v + timedelta(days=14),
            }
            for i in range(1, 601)
        ],
    )
    bulk(
        Practice,
        [
            {
                "slug": f"praktijk-{i}",
                "title": f"Praktijk {i}",
                "summary": "Samenvatting.",
                "level": rng.choice((*LEVELS, None)),
                "proeftuin_id": rng.choice((None, rng.randint(1, proeftuinen))),
                "status": "draft" if rng.random() < 0.1 else "published",
                "published_at": _random_moment(rng, first, last, (10,)),
            }
            for i in range(1, 1501)
        ],
    )
    bulk(
        Contribution,
        [
            {
                "kind": "practice",
                "proeftuin_id": rng.randint(1, proeftuinen),
                "title": f"Bijdrage {i}",
                "status": rng.choice(("submitted", "accepted", "declined", "changes_requested")),
                "submitted_at": (s := _random_moment(rng, first, last, (10,))),
                "reviewed_at": s + timedelta(days=7),
            }
            for i in range(1, 801)
        ],
    )
    bulk(
        Recommendation,
        [
            {
                "slug": f"aanbeveling-{i}",
                "title": f"Aanbeveling {i}",
                "theme_id": rng.randint(1, 12),
                "level": rng.choice((*LEVELS, None)),
                "status": rng.choice(RECOMMENDATION_STATUSES),
                "created_at": _random_moment(rng, first, last, (10,)),
            }
            for i in range(1, 401)
        ],
    )
    db.session.commit()
    return counts


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm up: caches, compiled statements, page templates
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def run(label: str, url: str, registrations: int, repeat: int) -> list[tuple]:
    """Seed and measure one database; the search index lives in a removed temporary dir."""
    with tempfile.TemporaryDirectory(prefix="ln-bench-index-") as index_dir:
        return measure(label, url, registrations, repeat, index_dir)


def measure(label: str, url: str, registrations: int, repeat: int, index_dir: str) -> list[tuple]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "benchmark",
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_INDEX_DIR": index_dir,
            "RATELIMIT_ENABLED": False,
        }
    )
    rows = []
    with app.app_context():
        db.create_all()
        coordinator = create_user(
            email="coordinator@example.be",
            name="Coördinator",
            role="coordinator",
            password=PASSWORD,
        )
        db.session.commit()
        started = time.perf_counter()
        counts = seed(registrations, random.Random(20250915))
        seeded = time.perf_counter() - started
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        print(
            f"[{label}] seeded in {seeded:.1f} s: "
            + ", ".join(f"{n} {t}" for t, n in counts.items() if n)
        )
        one_year = periods.academic_year(FIRST_YEAR + YEARS - 1)
        ten_years = periods.custom(date(FIRST_YEAR, 9, 1), date(FIRST_YEAR + YEARS, 8, 31))

        def baseline() -> None:
            db.session.execute(text("SELECT COUNT(*) FROM registration")).scalar()

        def scan() -> None:
            # SQLite answers COUNT(*) from the b-tree's page counts; this reads every row.
            sql = "SELECT status, COUNT(*) FROM registration GROUP BY status"
            db.session.execute(text(sql)).all()

        def report(period) -> Callable[[], object]:
            def go() -> object:
                result = service.build_report(period, None, coordinator, now=NOW)
                db.session.rollback()  # end the read transaction, as a request would
                return result

            return go

        figures_ten = report(ten_years)().figures
        assert (
            figures_ten.registrations_confirmed
            + figures_ten.registrations_waitlisted
            + (figures_ten.registrations_cancelled)
            > 0.9 * registrations
        ), "the ten-year figures do not cover the seeded data"

        client = app.test_client()
        token_page = client.get("/login").get_data(as_text=True)
        token = token_page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        response = client.post(
            "/login",
            data={"email": coordinator.email, "password": PASSWORD, "csrf_token": token},
        )
        assert response.status_code == 302, response.status_code
        year_args = f"soort=academiejaar&academiejaar={one_year.key}"

        def page() -> None:
            response = client.get(f"/indicatoren?{year_args}")
            assert response.status_code == 200

        def page_ten() -> None:
            args = f"soort=aangepast&van={ten_years.first_day}&tot={ten_years.last_day}"
            response = client.get(f"/indicatoren?{args}")
            assert response.status_code == 200

        def export() -> None:
            response = client.get(f"/indicatoren/kwartalen.csv?{year_args}")
            assert response.status_code == 200

        cases = [
            ("baseline: SELECT COUNT(*) FROM registration", baseline),
            ("baseline: registrations GROUP BY status", scan),
            (f"indicators, one year ({one_year.key})", report(one_year)),
            ("indicators, ten years (40 quarters)", report(ten_years)),
            ("CSV export of one table, one year (HTTP)", export),
            ("whole page, one year (HTTP)", page),
            ("whole page, ten years (HTTP)", page_ten),
        ]
        measured = []
        for name, fn in cases:
            samples = timed(fn, repeat)
            measured.append((name, statistics.median(samples), max(samples)))
        count_ms, scan_ms = measured[0][1], measured[1][1]
        for name, median, worst in measured:
            rows.append((label, name, median, worst, median / count_ms, median / scan_ms))
        db.session.remove()
        db.engine.dispose()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registrations", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per case")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="postgresql+psycopg://postgres@127.0.0.1:5432",
        help="also run on PostgreSQL (server URL without database; a database is "
        "created and dropped)",
    )
    parser.add_argument("--json", help="also write the results to this file (for run_all.py)")
    args = parser.parse_args()

    results = []
    with tempfile.TemporaryDirectory(prefix="ln-bench-") as tmp:
        sqlite_url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        results += run("sqlite", sqlite_url, args.registrations, args.repeat)

    if args.postgres:
        import psycopg

        server = args.postgres.replace("postgresql+psycopg://", "postgresql://")
        name = f"ln_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            results += run("postgresql", f"{args.postgres}/{name}", args.registrations, args.repeat)
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print()
    header = f"{'database':<11} {'case':<44} {'median ms':>10} {'max ms':>9}"
    print(f"{header} {'x COUNT(*)':>11} {'x scan':>8}")
    print("-" * 98)
    for label, name, median, worst, ratio, ratio_scan in results:
        line = f"{label:<11} {name:<44} {median:>10.2f} {worst:>9.2f}"
        print(f"{line} {ratio:>11.1f} {ratio_scan:>8.1f}")
    if args.json:
        write_json(args.json, results, args.registrations)
    return 0


SUMMARY_CASES = ("indicators, one year", "indicators, ten years", "whole page, one year")


def write_json(path: str, results: list[tuple], registrations: int) -> None:
    """The medians, and the summary lines run_all.py prints (what, value, baseline, ratio)."""
    summary = []
    for label, name, median, _worst, _ratio, ratio_scan in results:
        if not name.startswith(SUMMARY_CASES):
            continue
        summary.append(
            {
                "what": f"{label}: {name}, {registrations:,} registrations, median",
                "value": median,
                "unit": "ms",
                "baseline": median / ratio_scan,
                "baseline_what": "registrations GROUP BY status",
                "ratio": ratio_scan,
            }
        )
    rows = [
        {"database": label, "case": name, "median_ms": median, "max_ms": worst}
        for label, name, median, worst, _, _ in results
    ]
    document = {"benchmark": "indicators", "registrations": registrations, "results": rows}
    document["summary"] = summary
    Path(path).write_text(json.dumps(document, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())

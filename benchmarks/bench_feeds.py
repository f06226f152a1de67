"""Benchmark the calendar feeds: full generation, cached answers and 304s.

    .venv/bin/python benchmarks/bench_feeds.py [--sessions 1000] [--repeat 12] [--postgres]

Builds N sessions in a temporary SQLite database (with --postgres also in a temporary
PostgreSQL database, dropped afterwards), then times, through
the Flask test client, a feed built from scratch (cache emptied first), a feed served from
the cache, and a conditional request answered with 304. Baselines measured in the same
run: a bare Flask endpoint through the same test client, and raw `icalendar`
serialisation of N minimal events. Prints a table of medians and ratios.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk import create_app, markdown
from lerend_netwerk.agenda.models import MEETING_KINDS, Meeting, Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.calendar import ics
from lerend_netwerk.calendar import service as calendar_service
from lerend_netwerk.calendar.cache import feed_cache
from lerend_netwerk.calendar.feedfiles import feed_files
from lerend_netwerk.extensions import db
from lerend_netwerk.themes.models import Theme

WORDS = [
    "mentor",
    "werkplek",
    "leren",
    "duaal",
    "student",
    "opleiding",
    "begeleiding",
    "evaluatie",
    "proeftuin",
    "hogeschool",
    "onderneming",
    "competenties",
    "intervisie",
    "financiering",
    "kader",
    "sector",
]


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def populate(sessions: int, registered: int) -> str:
    """N sessions from 11 months ago to a year ahead, themes, and one registered member."""
    rng = random.Random(42)
    themes = [Theme(slug=f"thema-{i}", title=f"Thema {i}") for i in range(12)]
    db.session.add_all(themes)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    meetings = []
    for i in range(sessions):
        starts = now + timedelta(days=rng.randint(-330, 365), hours=rng.randint(-6, 6))
        meetings.append(
            Meeting(
                slug=f"sessie-{i}",
                title=f"{rng.choice(MEETING_KINDS).capitalize()} over {rng.choice(WORDS)} {i}",
                kind=rng.choice(MEETING_KINDS),
                starts_at=starts,
                ends_at=starts + timedelta(hours=rng.choice((2, 3, 4))),
                location=f"Campus {rng.choice(WORDS)}, lokaal {rng.randint(1, 400)}",
                online_url=f"https://meet.example/{i}" if i % 4 == 0 else None,
                capacity=rng.choice((None, 20, 40, 100)),
                body=f"## Programma\n\n{paragraph(rng, 60)}\n\n- {paragraph(rng, 8)}\n"
                f"- {paragraph(rng, 8)}\n\n**{paragraph(rng, 12)}**",
                themes=rng.sample(themes, rng.randint(1, 3)),
            )
        )
    db.session.add_all(meetings)
    user = User(email="bench@example.be", name="Bench Lid", role="member")
    db.session.add(user)
    db.session.flush()
    for meeting in rng.sample(meetings, registered):
        status = "waitlisted" if rng.random() < 0.2 else "confirmed"
        db.session.add(Registration(meeting=meeting, user=user, status=status))
    db.session.commit()
    return user.calendar_token


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm up: imports, connections, compiled SQL
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def raw_icalendar(sessions: int) -> bytes:
    """N minimal events in UTC, no time zone, no text processing: the library's floor."""
    calendar = Calendar()
    calendar.add("prodid", "-//bench//")
    calendar.add("version", "2.0")
    start = datetime(2027, 1, 1, 9, tzinfo=UTC)
    for i in range(sessions):
        event = Event()
        event.add("uid", f"meeting-{i}@bench")
        event.add("dtstamp", start)
        event.add("dtstart", start + timedelta(days=i % 365))
        event.add("dtend", start + timedelta(days=i % 365, hours=3))
        event.add("summary", f"Sessie {i}")
        calendar.add_component(event)
    return calendar.to_ical()


def run(label: str, url: str, args: argparse.Namespace, tmp: Path) -> list[tuple[str, list]]:
    """Populate an empty database at `url` and time every measurement against it."""
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_INDEX_DIR": str(tmp / f"search-index-{label}"),
        }
    )
    app.add_url_rule("/_bench/bare", "bench_bare", lambda: "ok")
    with app.app_context():
        db.create_all()
        token = populate(args.sessions, args.registered)
        db.session.remove()
    client = app.test_client()
    cache = feed_cache(app)
    files = feed_files(app)
    # Time the whole build in one request: the server would finish a build that takes
    # longer than its budget in the background and answer 503 meanwhile.
    calendar_service.FEED_BUILD_BUDGET_SECONDS = 3600.0

    def get(path: str, **headers: str):
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 304), (path, response.status_code)
        return response

    public = "/agenda.ics"
    personal = f"/agenda/persoonlijk/{token}.ics"
    first = get(public)
    events = first.data.count(b"BEGIN:VEVENT")
    size = len(first.data)
    etag = first.headers["ETag"]
    personal_etag = get(personal).headers["ETag"]
    inm = "If-None-Match"

    def cold(path: str, markdown_too: bool = False) -> Callable[[], object]:
        def go():
            cache.clear()
            if markdown_too:
                files.clear()
                markdown._cache.clear()
            return get(path)

        return go

    def after_one_change() -> object:
        # A real change of one session: the new feed copies every other event's bytes.
        with app.app_context():
            meeting = db.session.scalar(select(Meeting).order_by(Meeting.id).limit(1))
            meeting.location = f"Zaal {time.perf_counter_ns()}"
            db.session.commit()
        return get(public)

    n, slow_n = args.repeat, max(3, args.repeat // 4)
    with app.app_context():
        loaded = list(db.session.scalars(select(Meeting).options(selectinload(Meeting.themes))))
        stamp = datetime.now(UTC)
        rows = [
            ("bare Flask endpoint (test client)", timed(lambda: get("/_bench/bare"), n)),
            (
                f"raw icalendar, {args.sessions} minimal events",
                timed(lambda: raw_icalendar(args.sessions), n),
            ),
            (
                f"ics.build_feed, {len(loaded)} sessions, no DB",
                timed(lambda: ics.build_feed(loaded, name="bench", stamp=stamp), n),
            ),
        ]
        db.session.remove()
    rows += [
        (f"/agenda.ics all caches empty ({events} events)", timed(cold(public, True), slow_n)),
        (
            f"/agenda.ics after one session changed ({size // 1024} KiB)",
            timed(after_one_change, n),
        ),
        ("/agenda.ics cached", timed(lambda: get(public), n)),
        ("/agenda.ics 304 (If-None-Match)", timed(lambda: get(public, **{inm: etag}), n)),
        (f"personal feed cold ({args.registered} sessions)", timed(cold(personal), n)),
        ("personal feed cached", timed(lambda: get(personal), n)),
        ("personal feed 304", timed(lambda: get(personal, **{inm: personal_etag}), n)),
    ]
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return rows


def print_table(label: str, rows: list[tuple[str, list]], args: argparse.Namespace) -> None:
    bare = statistics.median(rows[0][1])
    raw = statistics.median(rows[1][1])
    print(
        f"\n{label}: {args.sessions} sessions, median of {args.repeat} runs "
        f"({max(3, args.repeat // 4)} for 'all caches empty'); x bare = times a bare Flask "
        "request, x raw = times raw icalendar serialisation of as many minimal events"
    )
    header = f"{'measurement':<52} {'median ms':>10} {'p90 ms':>9} {'x bare':>8} {'x raw':>8}"
    print(header)
    print("-" * len(header))
    for name, samples in rows:
        median = statistics.median(samples)
        p90 = sorted(samples)[max(0, int(len(samples) * 0.9) - 1)]
        print(
            f"{name:<52} {median * 1000:>10.2f} {p90 * 1000:>9.2f} "
            f"{median / bare:>8.1f} {median / raw:>8.2f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--registered", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=12)
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="postgresql+psycopg://postgres@127.0.0.1:5432",
        help="also run on a temporary database on this PostgreSQL server",
    )
    parser.add_argument("--json", help="also write the results to this file (for run_all.py)")
    args = parser.parse_args()

    tables = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        tables["sqlite"] = run("sqlite", f"sqlite:///{tmp / 'bench.sqlite'}", args, tmp)
        print_table("sqlite", tables["sqlite"], args)
        if args.postgres:
            import psycopg

            server = args.postgres.replace("postgresql+psycopg://", "postgresql://")
            name = f"ln_bench_feeds_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                tables["postgresql"] = run("postgresql", f"{args.postgres}/{name}", args, tmp)
                print_table("postgresql", tables["postgresql"], args)
            finally:
                with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if args.json:
        write_json(args.json, tables, args)
    return 0


def write_json(path: str, tables: dict[str, list], args: argparse.Namespace) -> None:
    """The medians, and the summary lines run_all.py prints (what, value, baseline, ratio)."""
    summary = []
    results = {}
    for label, rows in tables.items():
        medians = {name: statistics.median(samples) * 1000 for name, samples in rows}
        results[label] = medians
        names = list(medians)
        bare, raw = medians[names[0]], medians[names[1]]
        wanted = [
            ("/agenda.ics 304", bare, "bare Flask (test client)"),
            ("/agenda.ics cached", bare, "bare Flask (test client)"),
            ("/agenda.ics all caches empty", raw, f"raw icalendar, {args.sessions} events"),
            ("/agenda.ics feed not cached", raw, f"raw icalendar, {args.sessions} events"),
        ]
        for prefix, base, base_what in wanted:
            name = next(n for n in names if n.startswith(prefix))
            summary.append(
                {
                    "what": f"{label}: {name}, median",
                    "value": medians[name],
                    "unit": "ms",
                    "baseline": base,
                    "baseline_what": base_what,
                    "ratio": medians[name] / base,
                }
            )
    document = {"benchmark": "feeds", "sessions": args.sessions, "results": results}
    document["summary"] = summary
    Path(path).write_text(json.dumps(document, indent=2))


if __name__ == "__main__":
    raise SystemExit(main())

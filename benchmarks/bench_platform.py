"""Benchmark the platform under gunicorn: pages, search, feeds, the JSON API and
registration, each against a bare Flask endpoint served by the same gunicorn in the same
run, plus the memory of every worker.

    .venv/bin/python benchmarks/bench_platform.py [--seconds 4] [--concurrency 4] [--postgres]

Seeds a fresh database (SQLite in a temporary directory, or a temporary PostgreSQL
database with --postgres) with 200 sessions, 2,000 members, some registrations, and
practices, visit reports and recommendations with Dutch text (the vocabulary of
content/, as in bench_search.py); builds the search index with the platform's own
reindex; starts gunicorn with the repository's gunicorn.conf.py and 2 sync workers on
127.0.0.1 (benchmarks/platform_wsgi.py: the app plus `/bench/bare`); signs in a few
members through the real login form; then drives each scenario with several client
processes over raw loopback HTTP for a fixed time. Prints requests per second, latency
percentiles and the ratio to the bare endpoint (measured first and last; the ratio uses
their mean), and the memory (RSS, PSS and USS) of the gunicorn master and each worker.
Bounded: about a minute with the defaults. Everything it creates is removed afterwards.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import requests  # noqa: E402
from bench_search import Corpus, queries, vocabulary  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from lerend_netwerk import create_app  # noqa: E402
from lerend_netwerk.agenda.models import MEETING_KINDS, Meeting, Registration  # noqa: E402
from lerend_netwerk.auth.models import User  # noqa: E402
from lerend_netwerk.extensions import db  # noqa: E402
from lerend_netwerk.practices.models import Practice  # noqa: E402
from lerend_netwerk.proeftuinen.models import LEVELS, Proeftuin, VisitReport  # noqa: E402
from lerend_netwerk.recommendations.models import RECOMMENDATION_STATUSES, Recommendation  # noqa: E402
from lerend_netwerk.search.service import reindex  # noqa: E402
from lerend_netwerk.themes.models import Theme  # noqa: E402

GUNICORN_CONF = HERE.parent / "gunicorn.conf.py"
SESSIONS = 200
USERS = 2000
PRACTICES = 300
REPORTS = 150
RECOMMENDATIONS = 100
SEARCH_QUERIES = 40
PASSWORD = "benchmark password"
USER_AGENT = "lerend-netwerk-benchmark/1"
CSRF_RE = re.compile(r'name="csrf-token" content="([^"]+)"')
POSTGRES_SERVER = os.environ.get("LN_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
WORDS = [
    "mentoren",
    "werkplekleren",
    "duaal",
    "leren",
    "begeleiding",
    "evaluatie",
    "proeftuin",
    "hogeschool",
    "onderneming",
    "competenties",
    "intervisie",
    "financiering",
    "kader",
    "werving",
    "selectie",
]


# --- the database ----------------------------------------------------------------------


def paragraphs(corpus: Corpus, rng: random.Random, words: int) -> str:
    """Markdown of about `words` words of the network's vocabulary, in paragraphs."""
    out, left = [], words
    while left > 0:
        sentences = [corpus.sentence(rng.randint(8, 20)) for _ in range(rng.randint(3, 6))]
        out.append(" ".join(sentences))
        left -= sum(len(s.split()) for s in sentences)
    return "\n\n".join(out)


def seed_texts(rng: random.Random, themes: list, hosts: list, now: datetime) -> None:
    """Practices, visit reports and recommendations with Dutch text, to search in."""
    corpus = Corpus(vocabulary(), 2025)

    def title() -> str:
        return corpus.sentence(rng.randint(4, 8)).rstrip(".")

    def visibility() -> str:
        return rng.choice(["public", "public", "public", "members"])

    for i in range(PRACTICES):
        db.session.add(
            Practice(
                slug=f"praktijk-{i:03d}",
                title=title(),
                summary=corpus.sentence(rng.randint(15, 30)),
                body=paragraphs(corpus, rng, rng.randint(150, 350)),
                level=rng.choice(LEVELS),
                proeftuin=rng.choice([None, *hosts]),
                status="published",
                visibility=visibility(),
                published_at=now - timedelta(days=rng.randint(1, 700)),
                themes=rng.sample(themes, rng.randint(1, 3)),
            )
        )
    for i in range(REPORTS):
        db.session.add(
            VisitReport(
                slug=f"verslag-{i:03d}",
                title=title(),
                proeftuin=rng.choice(hosts),
                visited=date(2023, 1, 1) + timedelta(days=rng.randint(0, 900)),
                body=paragraphs(corpus, rng, rng.randint(200, 450)),
                status="published",
                visibility=visibility(),
                published_at=now - timedelta(days=rng.randint(1, 700)),
            )
        )
    for i in range(RECOMMENDATIONS):
        db.session.add(
            Recommendation(
                slug=f"aanbeveling-{i:03d}",
                title=title(),
                theme=rng.choice(themes),
                level=rng.choice([None, *LEVELS]),
                status=rng.choice(RECOMMENDATION_STATUSES),
                visibility=visibility(),
                body=paragraphs(corpus, rng, rng.randint(100, 250)),
            )
        )


def seed(
    url: str, secret: str, index_dir: str, logged_in: int, sessions: int = SESSIONS, index=True
) -> dict:
    """Fill an empty database and build the search index; return what the scenarios need."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": secret,
            "SEARCH_INDEX_DIR": index_dir,
            "TESTING": True,
        }
    )
    rng = random.Random(2024)
    with app.app_context():
        db.create_all()
        themes = [Theme(slug=f"thema-{i}", title=f"Thema {i}") for i in range(12)]
        hosts = [
            Proeftuin(slug=f"proeftuin-{i}", title=f"Proeftuin {i}", level=rng.choice(LEVELS))
            for i in range(20)
        ]
        db.session.add_all(themes + hosts)
        template = User(email="t@example.be", name="t")
        template.set_password(PASSWORD)  # one hash for everybody: hashing 2,000 is not the point
        users = [
            User(
                email=f"lid{i:04d}@example.be",
                name=f"Lid {i:04d}",
                role="member",
                password_hash=template.password_hash,
            )
            for i in range(USERS)
        ]
        db.session.add_all(users)
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        meetings = []
        for i in range(sessions):
            # A third in the past year, two thirds in the coming year.
            days = rng.randint(-360, -2) if i % 3 == 0 else rng.randint(2, 360)
            starts = now + timedelta(days=days, hours=rng.randint(-4, 4))
            meetings.append(
                Meeting(
                    slug=f"sessie-{i:05d}",
                    title=f"{rng.choice(MEETING_KINDS).capitalize()} over {rng.choice(WORDS)}",
                    kind=rng.choice(MEETING_KINDS),
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=3),
                    location=f"Campus {rng.choice(WORDS)}",
                    capacity=rng.choice([None, 15, 25, 40, 60]),
                    host=rng.choice([None, *hosts]),
                    themes=rng.sample(themes, rng.randint(0, 3)),
                    visibility=rng.choice(["public", "public", "public", "members"]),
                    body=" ".join(rng.choice(WORDS) for _ in range(120)),
                )
            )
        db.session.add_all(meetings)
        seed_texts(rng, themes, hosts, now)
        db.session.flush()
        # About ten registrations per session (of the first 200), some on a waiting list.
        for meeting in meetings[:SESSIONS]:
            for n, user in enumerate(rng.sample(users[logged_in:], 10)):
                full = meeting.capacity is not None and n >= meeting.capacity
                db.session.add(
                    Registration(
                        meeting_id=meeting.id,
                        user_id=user.id,
                        status="waitlisted" if full else "confirmed",
                        registered_at=now - timedelta(minutes=30 - n),
                    )
                )
        db.session.commit()
        upcoming = [
            m.slug for m in meetings[:SESSIONS] if m.starts_at > now and m.visibility == "public"
        ]
        members = [(u.email, u.id) for u in users[:logged_in]]
        practice = db.session.scalar(
            select(Practice.slug).where(Practice.visibility == "public").order_by(Practice.id)
        )
        thread = db.session.scalar(
            select(Recommendation.slug)
            .where(Recommendation.visibility == "public")
            .order_by(Recommendation.id)
        )
        db.session.remove()
        # What `lerend-netwerk search reindex` does (not needed for the flat-in-data runs).
        indexed = reindex(app) if index else 0
        result = {
            "upcoming": upcoming,
            "members": members,
            "indexed": indexed,
            "practice": practice,
            "thread": thread,
        }
        db.session.remove()
        db.engine.dispose()
    return result


def check_capacity(url: str, secret: str, index_dir: str) -> tuple[int, int]:
    """(sessions over capacity, registrations counted) after the run: 0 over, always."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": secret, "SEARCH_INDEX_DIR": index_dir}
    )
    with app.app_context():
        confirmed = (
            select(Registration.meeting_id, func.count().label("n"))
            .where(Registration.status == "confirmed")
            .group_by(Registration.meeting_id)
            .subquery()
        )
        over = db.session.scalar(
            select(func.count())
            .select_from(Meeting)
            .join(confirmed, confirmed.c.meeting_id == Meeting.id)
            .where(Meeting.capacity.is_not(None), confirmed.c.n > Meeting.capacity)
        )
        total = db.session.scalar(select(func.count()).select_from(Registration))
        db.session.remove()
        db.engine.dispose()
    return over, total


# --- the server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    url: str, secret: str, index_dir: str, workdir: Path, port: int, app: str = "platform_wsgi:app"
):
    env = {
        **os.environ,
        "FLASK_SECRET_KEY": secret,
        "FLASK_SQLALCHEMY_DATABASE_URI": url,
        "FLASK_SEARCH_INDEX_DIR": index_dir,
        "FLASK_RATELIMIT_ENABLED": "false",  # the benchmark signs in many members at once
    }
    log = (workdir / f"gunicorn-{port}.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            # The production settings (preload, the fork hooks, the access log), for the
            # app and the plain baseline alike; only these are the benchmark's own.
            "--config",
            str(GUNICORN_CONF),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            # The memory measured after the run is of workers that served all of it.
            "--max-requests",
            "0",
            "--pythonpath",
            str(HERE),
            app,
        ],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped:\n" + (workdir / f"gunicorn-{port}.log").read_text())
        try:
            if requests.get(f"{base}/healthz", timeout=10).status_code == 200:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop(process) -> None:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def sign_in(base: str, email: str) -> tuple[str, str]:
    """Sign in through the real form; the Cookie header and CSRF token of that session."""
    browser = requests.Session()
    # The load sends the same User-Agent, as one browser does (Flask-Login's session
    # protection marks a session used from another client as no longer fresh).
    browser.headers["User-Agent"] = USER_AGENT
    token = CSRF_RE.search(browser.get(f"{base}/login", timeout=30).text).group(1)
    response = browser.post(
        f"{base}/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        allow_redirects=False,
        timeout=60,
    )
    if response.status_code != 302:
        raise SystemExit(f"sign-in failed for {email}: {response.status_code}")
    token = CSRF_RE.search(browser.get(f"{base}/account", timeout=30).text).group(1)
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    return cookie, token


# --- the load --------------------------------------------------------------------------


def http_request(
    method: str,
    path: str,
    cookie: str | None = None,
    body: str = "",
    headers: dict[str, str] | None = None,
) -> bytes:
    lines = [
        f"{method} {path} HTTP/1.1",
        "Host: 127.0.0.1",
        f"User-Agent: {USER_AGENT}",
        "Connection: close",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if method == "POST":
        lines += [
            "Content-Type: application/x-www-form-urlencoded",
            f"Content-Length: {len(body.encode())}",
        ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


def send(port: int, raw: bytes) -> int:
    """One request on a fresh connection (gunicorn's sync workers close it); the status."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(raw)
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    head = b"".join(chunks)[:12]
    return int(head[9:12]) if head.startswith(b"HTTP/") else 0


def client(port, raws, expected, start, warmup, seconds, results) -> None:
    """Cycle through `raws` until time is up; report counts and latencies after warm-up."""
    while time.monotonic() < start:
        time.sleep(0.001)
    measure_from, stop_at = start + warmup, start + warmup + seconds
    latencies, errors, sent, i = [], 0, 0, 0
    while True:
        began = time.monotonic()
        if began >= stop_at:
            break
        status = send(port, raws[i % len(raws)])
        i += 1
        ended = time.monotonic()
        if began >= measure_from and ended <= stop_at:
            sent += 1
            latencies.append(ended - began)
            errors += status != expected
    results.put((sent, errors, latencies, i))


@dataclass
class Result:
    key: str
    name: str
    rps: float
    p50: float
    p95: float
    errors: int
    requests: int
    issued: int
    worst: float = 0.0


def run(
    key: str, name: str, port: int, raws_per_client: list[list[bytes]], expected: int, args
) -> Result:
    results: mp.Queue = mp.Queue()
    start = time.monotonic() + 0.3
    processes = [
        mp.Process(
            target=client,
            args=(port, raws, expected, start, args.warmup, args.seconds, results),
        )
        for raws in raws_per_client
    ]
    for process in processes:
        process.start()
    collected = [results.get() for _ in processes]
    for process in processes:
        process.join()
    latencies = sorted(lat for _, _, lats, _ in collected for lat in lats)
    count = sum(sent for sent, *_ in collected)
    result = Result(
        key=key,
        name=name,
        rps=count / args.seconds,
        p50=statistics.median(latencies) * 1000 if latencies else float("nan"),
        p95=latencies[int(len(latencies) * 0.95)] * 1000 if latencies else float("nan"),
        errors=sum(errors for _, errors, *_ in collected),
        requests=count,
        issued=sum(issued for *_, issued in collected),
        worst=latencies[-1] * 1000 if latencies else float("nan"),
    )
    print(f"  {name:<48} {result.rps:8.1f} req/s", flush=True)
    return result


# --- memory ----------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may contain spaces, so split after the ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of one process in MiB (PSS/USS from smaps_rollup when readable)."""
    kib: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            kib["rss"] = int(line.split()[1])
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        rollup = []
    fields = {line.split(":")[0]: int(line.split()[1]) for line in rollup if line.endswith("kB")}
    if "Pss" in fields:
        kib["pss"] = fields["Pss"]
        kib["uss"] = fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)
    return {name: value / 1024 for name, value in kib.items()}


def server_memory(master: int) -> dict:
    """The master's memory and each worker's."""
    return {
        "master": memory(master),
        "workers": [memory(pid) for pid in children(master)],
    }


def print_memory(label: str, measured: dict) -> None:
    def line(name: str, m: dict[str, float]) -> str:
        extra = f" {m['pss']:8.1f} {m['uss']:8.1f}" if "pss" in m else ""
        return f"  {name:<22} {m['rss']:8.1f}{extra}"

    print(f"Memory {label}, MiB:")
    print(f"  {'process':<22} {'RSS':>8} {'PSS':>8} {'USS':>8}")
    print(line("gunicorn master", measured["master"]))
    for n, worker in enumerate(measured["workers"], 1):
        print(line(f"worker {n}", worker))


# --- the run ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="measured time per scenario")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured time first")
    parser.add_argument("--concurrency", type=int, default=4, help="client processes")
    parser.add_argument("--members", type=int, default=12, help="members signed in to register")
    parser.add_argument("--postgres", action="store_true", help="use a temporary PostgreSQL db")
    parser.add_argument("--json", help="also write the results to this file (for run_all.py)")
    parser.add_argument("--sessions", type=int, default=SESSIONS, help="sessions to seed")
    parser.add_argument(
        "--flat",
        action="store_true",
        help="only the pages whose cost must not grow with the data (no search index)",
    )
    parser.add_argument(
        "--only",
        help="comma-separated scenario keys to run (register, feed_304 …); the plain "
        "baseline is always measured",
    )
    args = parser.parse_args()

    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="bench-platform-"))
    secret = secrets.token_urlsafe(32)
    index_dir = str(workdir / "search-index")
    pg_name = None
    if args.postgres:
        import psycopg

        pg_name = f"ln_bench_{uuid.uuid4().hex[:10]}"
        admin = POSTGRES_SERVER.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{pg_name}"')
        url = f"{POSTGRES_SERVER}/{pg_name}"
    else:
        url = f"sqlite:///{workdir / 'bench.sqlite'}"
    database = "postgresql" if args.postgres else "sqlite"
    process = plain = None
    try:
        print(
            f"Seeding {args.sessions} sessions, {USERS} members, {PRACTICES} practices, "
            f"{REPORTS} visit reports and {RECOMMENDATIONS} recommendations ({database}) ..."
        )
        data = seed(url, secret, index_dir, args.members, args.sessions, index=not args.flat)
        print(
            f"  seeded and {data['indexed']} documents indexed in {time.monotonic() - began:.1f} s"
        )
        port = free_port()
        print("Starting gunicorn: 2 sync workers on 127.0.0.1 ...")
        mark = time.monotonic()
        process = start_gunicorn(url, secret, index_dir, workdir, port)
        plain_port = free_port()
        plain = start_gunicorn(url, secret, index_dir, workdir, plain_port, "plain_wsgi:app")
        base = f"http://127.0.0.1:{port}"
        signed_in = [sign_in(base, email) for email, _ in data["members"]]
        print(f"  up and {len(signed_in)} members signed in after {time.monotonic() - mark:.1f} s")
        upcoming = data["upcoming"]
        session_path = f"/sessies/{upcoming[len(upcoming) // 2]}"
        member_cookie = signed_in[0][0]
        # The first build of a big feed goes on in the background (503 + Retry-After):
        # ask again until it is there, and note the slowest single answer.
        feed_began, first_feed_worst = time.monotonic(), 0.0
        while True:
            asked = time.monotonic()
            feed = requests.get(f"{base}/agenda.ics", timeout=60)
            first_feed_worst = max(first_feed_worst, time.monotonic() - asked)
            if feed.status_code != 503 or time.monotonic() - feed_began > 120:
                break
            time.sleep(0.5)
        if feed.status_code != 200 or "ETag" not in feed.headers:
            raise SystemExit(f"/agenda.ics answered {feed.status_code} without an ETag")
        first_feed_seconds = time.monotonic() - feed_began
        feed_events = feed.text.count("BEGIN:VEVENT")
        print(
            f"  first /agenda.ics ({feed_events} events) complete after {first_feed_seconds:.1f} s;"
            f" slowest single answer {first_feed_worst * 1000:.0f} ms"
        )
        texts = queries(vocabulary(), SEARCH_QUERIES, 2026)
        searches = [http_request("GET", "/zoeken?" + urlencode({"q": text})) for text in texts]
        if not args.flat:
            found = requests.get(f"{base}/zoeken", params={"q": texts[0]}, timeout=60)
            if found.status_code != 200 or "<mark>" not in found.text:
                raise SystemExit(f"/zoeken?q={texts[0]} found nothing ({found.status_code})")

        # Every registration POST is a distinct (member, session) pair, spread over clients.
        pairs = [(m, slug) for slug in upcoming for m in range(len(signed_in))]
        random.Random(7).shuffle(pairs)
        posts = [
            http_request(
                "POST",
                f"/sessies/{slug}/inschrijven",
                signed_in[m][0],
                urlencode({"csrf_token": signed_in[m][1], "remark": ""}),
            )
            for m, slug in pairs
        ]
        c = args.concurrency

        def same(raw: bytes) -> list[list[bytes]]:
            return [[raw] for _ in range(c)]

        def rotated(raws: list[bytes]) -> list[list[bytes]]:
            step = max(1, len(raws) // c)
            return [raws[i * step :] + raws[: i * step] for i in range(c)]

        bare = same(http_request("GET", "/bench/bare"))
        not_modified = {"If-None-Match": feed.headers["ETag"]}
        pages = [
            ("home", "GET / (home, visitor)", "/", None),
            ("practices", "GET /praktijken (visitor)", "/praktijken", None),
            (
                "practice",
                "GET /praktijken/<slug> (visitor)",
                f"/praktijken/{data['practice']}",
                None,
            ),
            ("recommendations", "GET /aanbevelingen (visitor)", "/aanbevelingen", None),
            (
                "thread",
                "GET /aanbevelingen/<slug> (visitor)",
                f"/aanbevelingen/{data['thread']}",
                None,
            ),
            ("home_member", "GET / (home, member)", "/", member_cookie),
            ("agenda_member", "GET /sessies (member)", "/sessies", member_cookie),
        ]
        scenarios = [
            ("plain", "GET /bench/bare, plain Flask (baseline, first)", "plain", 200),
            ("bare", "GET /bench/bare, this app (first)", bare, 200),
            (
                "agenda",
                "GET /sessies (agenda, 20 upcoming)",
                same(http_request("GET", "/sessies")),
                200,
            ),
            (
                "session_visitor",
                f"GET {session_path} (visitor)",
                same(http_request("GET", session_path)),
                200,
            ),
            (
                "session_member",
                f"GET {session_path} (member)",
                same(http_request("GET", session_path, member_cookie)),
                200,
            ),
            ("search", f"GET /zoeken?q=<1-2 words> ({len(texts)} queries)", rotated(searches), 200),
            (
                "api",
                "GET /api/v1/sessions (JSON)",
                same(http_request("GET", "/api/v1/sessions")),
                200,
            ),
            (
                "feed",
                f"GET /agenda.ics (200, {feed_events} events)",
                same(http_request("GET", "/agenda.ics")),
                200,
            ),
            (
                "feed_304",
                "GET /agenda.ics (304, If-None-Match)",
                same(http_request("GET", "/agenda.ics", headers=not_modified)),
                304,
            ),
            ("register", "POST /sessies/<slug>/inschrijven", [posts[i::c] for i in range(c)], 302),
            ("bare_end", "GET /bench/bare, this app (last)", bare, 200),
            ("plain_end", "GET /bench/bare, plain Flask (baseline, last)", "plain", 200),
        ]
        extra = [
            (key, name, same(http_request("GET", path, cookie)), 200)
            for key, name, path, cookie in pages
        ]
        scenarios[-3:-3] = extra
        if args.flat:
            kept = {"plain", "plain_end", "bare", "bare_end", "agenda", "session_visitor"}
            kept |= {"api", "feed_304"}
            scenarios = [scenario for scenario in scenarios if scenario[0] in kept]
        if args.only:
            kept = {"plain", "plain_end", "bare", "bare_end", *args.only.split(",")}
            scenarios = [scenario for scenario in scenarios if scenario[0] in kept]
        print(f"Measuring ({args.warmup:g} s warm-up + {args.seconds:g} s each, {c} clients):")
        memory_start = server_memory(process.pid)
        results = [
            run(
                key,
                name,
                plain_port if raws == "plain" else port,
                bare if raws == "plain" else raws,
                expected,
                args,
            )
            for key, name, raws, expected in scenarios
        ]
        memory_end = server_memory(process.pid)
        mark = time.monotonic()
        stop(process)
        process = None
        stop(plain)
        plain = None
        print(f"  gunicorn stopped in {time.monotonic() - mark:.1f} s", flush=True)
        over, total = check_capacity(url, secret, index_dir)
    finally:
        if process is not None:
            stop(process)
        if plain is not None:
            stop(plain)
        shutil.rmtree(workdir, ignore_errors=True)
        if pg_name:
            import psycopg

            with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')

    by_key = {r.key: r for r in results}
    bare_rps = (by_key["plain"].rps + by_key["plain_end"].rps) / 2
    app_bare = (by_key["bare"].rps + by_key["bare_end"].rps) / 2
    print()
    print(
        f"{database}: ratio = req/s / mean req/s of a plain Flask app's bare endpoint "
        f"({bare_rps:.1f}; this app's own /bench/bare: {app_bare:.1f})"
    )
    header = (
        f"{'scenario':<48} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'vs bare':>8} {'errors':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.name:<48} {r.rps:8.1f} {r.p50:8.2f} {r.p95:8.2f} "
            f"{r.rps / bare_rps:8.3f} {r.errors:7d}"
        )
    post = by_key.get("register")
    if post is not None and post.issued > len(posts):
        print(f"note: {post.issued} POSTs for {len(posts)} distinct pairs; some repeated")
    print()
    print_memory("after start-up and sign-in", memory_start)
    print_memory("after the run", memory_end)
    print()
    print(f"Registrations in the database afterwards: {total}; sessions over capacity: {over}")
    print(f"Total time: {time.monotonic() - began:.1f} s")
    goals = [] if args.flat else goal_lines(database, by_key, bare_rps, memory_end)
    for goal in goals:
        print(f"  goal {goal['goal']}: {goal['value']:.3g} ({goal['target']}) {goal['verdict']}")
    if args.json:
        write_json(args.json, database, results, bare_rps, memory_end)
        document = json.loads(Path(args.json).read_text())
        document.update(
            goals=goals,
            sessions=args.sessions,
            flat=args.flat,
            first_feed_seconds=first_feed_seconds,
            first_feed_worst_ms=first_feed_worst * 1000,
            worst_ms=max(r.worst for r in results),
        )
        Path(args.json).write_text(json.dumps(document, indent=2))
    failed = over or any(r.errors for r in results)
    return 1 if failed else 0


ANONYMOUS_PAGES = (
    "home",
    "agenda",
    "session_visitor",
    "practices",
    "practice",
    "recommendations",
    "thread",
    "search",
)
SIGNED_IN_PAGES = ("session_member", "agenda_member", "home_member")
TARGETS = {
    **dict.fromkeys(ANONYMOUS_PAGES, 0.5),
    **dict.fromkeys(SIGNED_IN_PAGES, 0.3),
    "register": 0.2,
    "feed_304": 0.8,
    "feed": 0.6,
    "api": 0.5,
}
MAX_USS_MIB = 70.0


def verdict(met: bool) -> str:
    return "met" if met else "NOT MET"


def goal_lines(database: str, by_key: dict, bare_rps: float, mem: dict) -> list[dict]:
    """Each goal of the issue: its ratio against the plain Flask app, and whether met."""
    lines = []
    for key, target in TARGETS.items():
        if key not in by_key:
            continue
        ratio = by_key[key].rps / bare_rps
        lines.append(
            {
                "goal": f"{database}: {by_key[key].name}",
                "value": ratio,
                "target": f">= {target} x plain Flask",
                "verdict": verdict(ratio >= target),
            }
        )
    for n, worker in enumerate(mem["workers"], 1):
        if "uss" in worker:
            lines.append(
                {
                    "goal": f"{database}: worker {n} USS after the run (MiB)",
                    "value": worker["uss"],
                    "target": f"<= {MAX_USS_MIB:.0f} MiB",
                    "verdict": verdict(worker["uss"] <= MAX_USS_MIB),
                }
            )
    return lines


def write_json(path: str, database: str, results: list[Result], bare_rps: float, mem: dict) -> None:
    """The results, and the summary lines run_all.py prints (what, value, baseline, ratio)."""
    summary = [
        {
            "what": f"{database}: {r.name}",
            "value": r.rps,
            "unit": "req/s",
            "baseline": bare_rps,
            "baseline_what": "plain Flask",
            "ratio": r.rps / bare_rps,
        }
        for r in results
        if not r.key.startswith("plain")
    ]
    master = mem["master"]["rss"]
    for n, worker in enumerate(mem["workers"], 1):
        shares = f", PSS {worker['pss']:.0f}, USS {worker['uss']:.0f}" if "pss" in worker else ""
        summary.append(
            {
                "what": f"{database}: gunicorn worker {n} RSS after the run (MiB{shares})",
                "value": worker["rss"],
                "unit": "MiB",
                "baseline": master,
                "baseline_what": "master RSS (no app)",
                "ratio": worker["rss"] / master,
            }
        )
    document = {
        "benchmark": "platform",
        "database": database,
        "bare_rps": bare_rps,
        "results": [asdict(r) | {"ratio": r.rps / bare_rps} for r in results],
        "memory": mem,
        "summary": summary,
    }
    for row in document["results"]:
        row.pop("latencies", None)
    Path(path).write_text(json.dumps(document, indent=2))


if __name__ == "__main__":
    sys.exit(main())

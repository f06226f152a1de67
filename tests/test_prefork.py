"""The app preloaded in the gunicorn master and shared by forked workers (prefork.py,
gunicorn.conf.py), and the memory it is about: the word list, the index read in place.

The gunicorn test runs the repository's own gunicorn.conf.py with 2 workers on SQLite
and PostgreSQL: concurrent reads and registrations without an error, and no database
connection, database file or index file open in the master, so that none can be
inherited and used by two workers (on PostgreSQL no connection is held by two).
"""

from __future__ import annotations

import gc
import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from conftest import gunicorn_server, members_sharing_one_password, signed_in_over_http
from lerend_netwerk.extensions import db
from lerend_netwerk.search import analysis, index, mapped

# --- the index read in place -------------------------------------------------------


def test_view_reads_seeks_and_tells_like_a_file():
    import io

    data = b"first line\nsecond\n" + bytes(range(256)) * 40 + b"\nlast"
    view, real = mapped._View(memoryview(data)), io.BytesIO(data)
    for step in [
        lambda f: f.read(5),
        lambda f: f.readline(),
        lambda f: f.readline(3),
        lambda f: f.readline(),
        lambda f: f.seek(10),
        lambda f: f.read(0),
        lambda f: f.seek(7, 1),
        lambda f: f.read(4),
        lambda f: f.tell(),
        lambda f: f.readline(),  # a line longer than one 4096-byte chunk
        lambda f: f.seek(-3, 2),
        lambda f: f.read(),
        lambda f: f.read(10),  # past the end
        lambda f: f.seek(len(data) + 5),
        lambda f: f.read(2),
        lambda f: f.tell(),
        lambda f: f.seek(0),
        lambda f: list(f),
    ]:
        assert step(view) == step(real)
    with pytest.raises(ValueError):
        view.seek(-1)


def test_segment_files_are_read_from_the_map_not_copied(tmp_path: Path):
    from whoosh.filedb import compound

    directory = str(tmp_path / "index")
    handle = index.IndexHandle(directory)
    writer = handle.acquire_writer(timeout=5)
    for n in range(30):
        writer.add_document(
            key=f"practice:{n}",
            type="practice",
            title=f"Mentoren op de werkplek {n}",
            content="Werkplekleren met mentoren en begeleiding " * 20,
        )
    writer.commit()
    assert compound.BufferFile is mapped.MappedFile
    searcher = handle.searcher()
    try:
        reader = searcher.reader()
        # Whoosh overlays the segment's compound file on the index directory.
        storage = reader._storage.a
        assert isinstance(storage, compound.CompoundStorage)
        assert storage._source is not None, "the segment is memory-mapped"
        opened = [storage.open_file(name) for name in storage.list()]
        assert opened and all(isinstance(f, mapped.MappedFile) for f in opened)
        assert not any(hasattr(f.file, "getvalue") for f in opened), "no BytesIO copy"
        # And the index reads right through them.
        assert len(index.term_postings(searcher, "content", analysis.stem("mentoren"))) == 30
        assert searcher.document(key="practice:7")["type"] == "practice"
    finally:
        handle.close()
        index.forget_handle(directory)


def test_the_word_list_leaves_wordfreqs_own_copy_behind():
    import wordfreq

    analysis._word_list.cache_clear()
    analysis.preload()
    assert analysis._word_list.cache_info().currsize == 1
    assert "werkgever" in analysis.vocabulary()
    # wordfreq keeps nothing of it: the whole Dutch list is some 18 MB.
    assert wordfreq.get_frequency_list.cache_info().currsize == 0
    assert wordfreq.top_n_list.cache_info().currsize == 0


# --- before and after the fork, in one process ---------------------------------------


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """gc.freeze() is for a master that forks: the test process thaws afterwards."""
    yield
    gc.unfreeze()


def test_before_fork_loads_what_workers_share_and_leaves_nothing_open(app, make_meeting, unfrozen):
    from lerend_netwerk.prefork import WARM_UP_ENDPOINTS, before_fork, warm_up

    make_meeting(slug="warm-up")
    db.session.commit()
    analysis._word_list.cache_clear()
    # Threads that other tests in this process left (servers, a feed being built) are not
    # this one's: what counts is that the warm-up and before_fork leave none running.
    threads_before = set(threading.enumerate())
    answers = warm_up(app)
    assert len(answers) == len(WARM_UP_ENDPOINTS)
    assert all(status == 200 for _, status in answers), answers

    before_fork(app)

    assert analysis._word_list.cache_info().currsize == 1
    assert gc.get_freeze_count() > 0
    # Every template compiled; Jinja's cache holds them.
    assert len(app.jinja_env.cache) >= len(app.jinja_env.list_templates())
    # No pooled connection and no open index survives into the fork; no thread runs.
    assert db.engine.pool.checkedin() == 0
    assert index._handles == {}
    assert set(threading.enumerate()) - threads_before == set()


def test_after_fork_gives_the_worker_its_own_pool(app, unfrozen):
    from lerend_netwerk.prefork import after_fork

    db.session.execute(select(1))
    db.session.commit()
    before = db.engine.pool
    handle = index.get_handle(app.config["SEARCH_INDEX_DIR"])
    assert before.checkedin() == 1

    after_fork(app)

    assert db.engine.pool is not before
    assert db.engine.pool.checkedin() == 0
    assert index.get_handle(app.config["SEARCH_INDEX_DIR"]) is not handle
    db.session.remove()
    assert db.session.execute(select(1)).scalar() == 1
    # In a worker the old pool's connections are the master's; in this one process they
    # are this test's, and closed here rather than by the garbage collector later.
    before.dispose()
    handle.close()


def test_a_plain_flask_app_is_only_frozen(unfrozen):
    from flask import Flask

    from lerend_netwerk.prefork import after_fork, before_fork

    plain = Flask("plain")
    before_fork(plain)
    after_fork(plain)
    assert gc.get_freeze_count() > 0


# --- the real thing: gunicorn with the repository's settings -------------------------

WORKERS = 2
MEMBERS = 12
CAPACITY = 5


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _master_pid(port: int) -> int:
    """The gunicorn master on `port`: of the processes with that command line, the one
    whose parent is none of them (the workers are its children)."""
    bind = f"127.0.0.1:{port}".encode()
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if bind in cmdline:
            found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    masters = [pid for pid, parent in found.items() if parent not in found]
    assert len(masters) == 1, found
    return masters[0]


def _open_files(pid: int) -> list[str]:
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            found.append(os.readlink(fd))
        except OSError:
            continue
    return found


def _postgres_sockets(pid: int) -> set[str]:
    """Inodes of the process's TCP connections to port 5432."""
    inodes = {
        target[len("socket:[") : -1] for target in _open_files(pid) if target.startswith("socket:[")
    }
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == 5432 and fields[9] in inodes:
                found.add(fields[9])
    return found


@pytest.fixture
def server(app, database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    access_log = tmp_path / "access.log"
    args = ("--access-logfile", str(access_log), "--access-logformat", "%(p)s %(m)s %(U)s %(s)s")
    env = {"FLASK_SECRET_KEY": "prefork-test-secret", "FLASK_RATELIMIT_ENABLED": "false"}
    with gunicorn_server(tmp_path, database_url, workers=WORKERS, env=env, args=args) as base:
        yield base, access_log


@pytest.mark.slow
def test_forked_workers_serve_reads_and_writes_with_their_own_connections(
    server, app, database_url: str, make_meeting, tmp_path: Path
):
    base, access_log = server
    meetings = [make_meeting(slug=f"drukke-sessie-{n}", capacity=CAPACITY) for n in range(2)]
    emails = [user.email for user in members_sharing_one_password(MEMBERS)]
    slugs = [meeting.slug for meeting in meetings]
    meeting_ids = [meeting.id for meeting in meetings]
    with ThreadPoolExecutor(max_workers=6) as pool:
        browsers = list(pool.map(lambda email: signed_in_over_http(base, email), emails))

    def register(job):
        (browser, token), slug = job
        return browser.post(
            f"{base}/sessies/{slug}/inschrijven",
            data={"csrf_token": token},
            allow_redirects=False,
            timeout=60,
        ).status_code

    def read(path):
        return requests.get(f"{base}{path}", timeout=60).status_code

    jobs = [(pair, slug) for pair in browsers for slug in slugs]
    reads = ["/", "/sessies", f"/sessies/{slugs[0]}", "/healthz", "/zoeken?q=sessie"] * 6
    with ThreadPoolExecutor(max_workers=8) as pool:
        written = pool.map(register, jobs)
        answered = pool.map(read, reads)
        assert list(written) == [302] * len(jobs)
        assert list(answered) == [200] * len(reads)

    # Every registration counted once, capacity held, in every worker's view.
    db.session.rollback()
    from lerend_netwerk.agenda.models import Registration

    for meeting_id in meeting_ids:
        rows = db.session.scalars(
            select(Registration.status).where(Registration.meeting_id == meeting_id)
        ).all()
        assert len(rows) == MEMBERS
        assert rows.count("confirmed") == CAPACITY
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 2 * MEMBERS

    # Both workers served; none of them answered an error.
    lines = [line.split() for line in access_log.read_text().splitlines() if line.strip()]
    assert {fields[0] for fields in lines if fields[1] == "POST"} and len(
        {fields[0] for fields in lines}
    ) == WORKERS
    assert not [fields for fields in lines if fields[3].startswith("5")]

    port = int(re.search(r":(\d+)$", base).group(1))
    master = _master_pid(port)
    workers = _children(master)
    assert len(workers) == WORKERS
    index_dir = str(tmp_path / "search-index")
    # The master serves nothing and holds nothing a worker could inherit.
    master_files = _open_files(master)
    assert not [f for f in master_files if f.startswith(index_dir)], master_files
    if database_url.startswith("sqlite"):
        database = database_url.removeprefix("sqlite:///")
        assert not [f for f in master_files if f.startswith(database)], master_files
        for pid in workers:
            assert any(f.startswith(database) for f in _open_files(pid))
    else:
        assert _postgres_sockets(master) == set()
        sockets = [_postgres_sockets(pid) for pid in workers]
        assert all(sockets), "each worker has its own pooled connection"
        assert not set.intersection(*sockets), "no connection is shared by two workers"

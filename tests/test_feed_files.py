"""The public feeds kept on disk (calendar/feedfiles.py): one file per feed and worker,
spliced anew after a change, removed when replaced or when their process is gone."""

from __future__ import annotations

import gzip
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Calendar

from lerend_netwerk.calendar.cache import feed_cache
from lerend_netwerk.calendar.feedfiles import DIRECTORY_PREFIX, LOCK_NAME, FeedFiles, feed_files
from lerend_netwerk.extensions import db


def _events(data: bytes) -> list[bytes]:
    """The VEVENT blocks of a feed, as bytes."""
    parts = data.split(b"BEGIN:VEVENT\r\n")[1:]
    return [b"BEGIN:VEVENT\r\n" + part.split(b"END:VEVENT\r\n")[0] for part in parts]


def _without_stamps(events: list[bytes]) -> list[bytes]:
    """The events without their DTSTAMP: when the feed was written, not what it says."""
    return [re.sub(rb"DTSTAMP:[0-9TZ]+\r\n", b"", event) for event in events]


def _files_on_disk(app) -> list[Path]:
    return sorted(p for p in feed_files(app).directory().iterdir() if p.name != LOCK_NAME)


def test_a_change_writes_a_new_file_from_the_old_one_and_removes_the_old(app, client, make_meeting):
    starts = datetime.now(UTC) + timedelta(days=3)
    meetings = [make_meeting(starts_at=starts + timedelta(days=day)) for day in range(3)]
    first = client.get("/agenda.ics").get_data()
    gzipped = client.get("/agenda.ics", headers={"Accept-Encoding": "gzip"}).get_data()
    assert gzip.decompress(gzipped) == first
    assert len(_files_on_disk(app)) == 2  # the feed and its gzip
    # Nothing of the public feed is held in memory.
    assert feed_cache(app)._size == 0

    meetings[1].location = "Zaal Vooruit"
    db.session.commit()
    second = client.get("/agenda.ics").get_data()
    old, new = _events(first), _events(second)
    assert len(new) == 3 and b"Zaal Vooruit" in new[1]
    # The other events are the same bytes, DTSTAMP included: copied, not serialised anew.
    assert (new[0], new[2]) == (old[0], old[2])
    assert new[1] != old[1]
    assert len(Calendar.from_ical(second).walk("VEVENT")) == 3
    # The old version and its gzip are gone; only the new feed is left.
    assert len(_files_on_disk(app)) == 1


def test_a_file_removed_behind_the_workers_back_is_written_again(app, client, make_meeting):
    """A tmp cleaner may remove an old file: the feed is then simply written anew."""
    make_meeting()
    first = client.get("/agenda.ics")
    client.get("/agenda.ics", headers={"Accept-Encoding": "gzip"})
    for path in _files_on_disk(app):
        path.unlink()
    for encoding in ({"Accept-Encoding": "gzip"}, {}):
        again = client.get("/agenda.ics", headers=encoding)
        assert again.status_code == 200
        body = again.get_data()
        if encoding:
            body = gzip.decompress(body)
        # Written anew, not spliced: the same events, stamped when they were written.
        assert _without_stamps(_events(body)) == _without_stamps(_events(first.get_data()))
    assert len(_files_on_disk(app)) == 2  # the feed and its gzip, nothing left over


def test_only_the_gzip_gone_keeps_the_feed_file_and_leaves_nothing_behind(
    app, client, make_meeting
):
    make_meeting()
    plain = client.get("/agenda.ics").get_data()
    client.get("/agenda.ics", headers={"Accept-Encoding": "gzip"})
    [gzipped] = [p for p in _files_on_disk(app) if p.suffix == ".gz"]
    gzipped.unlink()
    again = client.get("/agenda.ics", headers={"Accept-Encoding": "gzip"})
    assert gzip.decompress(again.get_data()) == plain
    assert len(_files_on_disk(app)) == 2


def test_a_removed_folder_is_made_again(app, client, make_meeting):
    import shutil

    meeting = make_meeting()
    client.get("/agenda.ics")
    shutil.rmtree(feed_files(app).directory())
    meeting.location = "Elders"
    db.session.commit()
    response = client.get("/agenda.ics")
    assert response.status_code == 200 and b"Elders" in response.get_data()


def test_a_folder_that_cannot_be_written_answers_503_in_dutch_and_logs(
    make_app, make_meeting, tmp_path, caplog
):
    blocker = tmp_path / "geen-map"
    blocker.write_text("een bestand, geen map")
    app = make_app(FEED_FILES_DIR=str(blocker / "feeds"))
    with app.app_context():
        make_meeting()
        response = app.test_client().get("/agenda.ics")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "300"
    assert "niet beschikbaar" in response.get_data(as_text=True)
    assert "could not be written" in caplog.text


def test_folders_of_ended_processes_go_and_those_in_use_stay(tmp_path):
    import fcntl
    import time

    def folder(name: str, locked: bool | None) -> Path:
        path = tmp_path / f"{DIRECTORY_PREFIX}{name}"
        path.mkdir()
        (path / "feed.ics").write_bytes(b"oud")
        if locked is not None:
            (path / LOCK_NAME).touch()
        return path

    ended = folder("4242-ended", locked=False)  # its process let go of the lock
    in_use = folder("4243-alive", locked=True)
    held = open(in_use / LOCK_NAME, "rb")  # noqa: SIM115 - held for the test
    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
    young = folder("4244-young", locked=None)  # made a moment ago, its lock not yet
    old = folder("4245-old", locked=None)
    an_hour_ago = time.time() - 3700
    os.utime(old, (an_hour_ago, an_hour_ago))
    try:
        files = FeedFiles(str(tmp_path))
        own = files.directory()
        assert own.name.startswith(f"{DIRECTORY_PREFIX}{os.getpid()}-")
        assert not ended.exists() and not old.exists()
        assert in_use.exists() and young.exists()
        # A second app in the same process sees this one's folder as in use.
        other = FeedFiles(str(tmp_path))
        other.directory()
        assert own.exists()
    finally:
        held.close()
    files.new_path(".ics")
    del files  # its process's folder goes with it
    assert not own.exists()


def test_a_background_build_reads_the_data_version_once(app, make_meeting, monkeypatch):
    from lerend_netwerk.calendar import service
    from lerend_netwerk.core import pagecache

    for day in range(5):
        make_meeting(starts_at=datetime.now(UTC) + timedelta(days=day + 2))
    reads = []
    original = pagecache.read_version
    monkeypatch.setattr(
        pagecache, "read_version", lambda engine: reads.append(1) or original(engine)
    )
    with app.test_request_context():
        source = service.public_feed_source()
    reads.clear()
    with app.app_context(), pagecache.pinned_version():
        handle, _path, _size = source.open_file()
        handle.close()
    assert len(reads) == 1

"""The public feeds kept on disk (calendar/feedfiles.py): one file per feed and worker,
spliced anew after a change, removed when replaced or when their process is gone."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from icalendar import Calendar

from lerend_netwerk.calendar.cache import feed_cache
from lerend_netwerk.calendar.feedfiles import DIRECTORY_PREFIX, FeedFiles, feed_files
from lerend_netwerk.extensions import db


def _events(data: bytes) -> list[bytes]:
    """The VEVENT blocks of a feed, as bytes."""
    parts = data.split(b"BEGIN:VEVENT\r\n")[1:]
    return [b"BEGIN:VEVENT\r\n" + part.split(b"END:VEVENT\r\n")[0] for part in parts]


def _files_on_disk(app) -> list[Path]:
    return sorted(feed_files(app).directory().iterdir())


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
        assert _events(body) == _events(first.get_data())
    assert len(_files_on_disk(app)) == 2  # the feed and its gzip, nothing left over


def test_each_process_has_its_own_directory_and_leftovers_of_ended_ones_go(tmp_path):
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    orphan = tmp_path / f"{DIRECTORY_PREFIX}{ended.stdout.strip()}-abc"
    orphan.mkdir()
    (orphan / "feed.ics").write_bytes(b"old")
    alive = tmp_path / f"{DIRECTORY_PREFIX}1-init"  # pid 1 is always running
    alive.mkdir()
    files = FeedFiles(str(tmp_path))
    own = files.directory()
    assert own.name.startswith(f"{DIRECTORY_PREFIX}{os.getpid()}-")
    assert not orphan.exists() and alive.exists()
    files.new_path(".ics")
    del files  # its process's directory goes with it
    assert not own.exists()

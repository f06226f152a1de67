"""Read calendars with parsers that did not write them: ical.js (Node) and vobject.

`icaljs(data)` runs tests/clients/parse.mjs with the ical.js that `npm ci` installed in
tests/clients; without Node the test is skipped with a message saying so. `vobject_read`
parses with vobject, which resolves TZID with the calendar's own VTIMEZONE. Both return
plain dicts with each event's start and end as aware UTC datetimes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import vobject

CLIENTS = Path(__file__).parent / "clients"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the ical.js checks need `node` on the PATH")
    if not (CLIENTS / "node_modules" / "ical.js").is_dir():
        pytest.fail("ical.js is missing: run `npm ci` in tests/clients (scripts/test does)")
    return node


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def icaljs(data: bytes) -> dict[str, Any]:
    """The calendar as ical.js reads it: {"method", "timezones", "events": [...]}."""
    done = subprocess.run(
        [_node(), str(CLIENTS / "parse.mjs")],
        input=data,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    result = json.loads(done.stdout)
    for event in result["events"]:
        event["start"] = _instant(event["start"])
        event["end"] = _instant(event["end"])
    return result


def vobject_read(data: bytes) -> dict[str, Any]:
    """The calendar as vobject reads it, in the same shape as icaljs()."""
    calendar = vobject.readOne(data.decode("utf-8"))
    events = []
    for vevent in getattr(calendar, "vevent_list", []):
        attendees = getattr(vevent, "attendee_list", [])
        events.append(
            {
                "uid": vevent.uid.value,
                "sequence": int(vevent.sequence.value) if hasattr(vevent, "sequence") else 0,
                "start": vevent.dtstart.value.astimezone(UTC),
                "end": vevent.dtend.value.astimezone(UTC),
                "summary": vevent.summary.value,
                "description": vevent.description.value if hasattr(vevent, "description") else "",
                "status": vevent.status.value if hasattr(vevent, "status") else None,
                "organizer": vevent.organizer.value if hasattr(vevent, "organizer") else None,
                "attendees": [attendee.value for attendee in attendees],
            }
        )
    method = calendar.method.value if hasattr(calendar, "method") else None
    return {"method": method, "events": events}


def both(data: bytes) -> list[dict[str, Any]]:
    """The calendar read by ical.js and by vobject, to check the same things of each."""
    return [icaljs(data), vobject_read(data)]

"""One date style per context: templates show dates only through the named filters (long on
detail pages, compact in lists, always with the weekday), and the lists really are compact."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from jinja2 import TemplateRuntimeError

from lerend_netwerk.extensions import db
from tests.conftest import login, post_form

PACKAGE = Path(__file__).resolve().parent.parent / "lerend_netwerk"
TEMPLATES = sorted(
    p for p in PACKAGE.rglob("*") if p.suffix in {".html", ".txt"} and "templates" in p.parts
)
DATE_FILTERS = {"nl_date", "nl_date_short", "nl_datetime", "nl_datetime_short", "nl_time"}

# Every other way of turning a date into text.
FORBIDDEN = {
    "strftime or Babel": re.compile(r"strftime|format_(date|datetime|time)\b|babel"),
    "a format argument": re.compile(r"\|\s*nl_\w+\s*\("),
    "a raw Babel pattern": re.compile(r"\b(EEE+|MMM+|HH:mm|yyyy|d/MM)\b"),
    "a raw strftime pattern": re.compile(r"(?<![{\w])%[aAbBdHmMyY]"),
    "date parts": re.compile(r"\b(?!filters\.)\w+\.(year|month|day|hour|minute|weekday)\b"),
    "isoformat outside datetime=": re.compile(r"isoformat"),
}
# Machine-readable <time datetime="…"> is the one use of isoformat.
MACHINE_READABLE = re.compile(r'datetime="\{\{ [\w.]+\.isoformat\(\) \}\}"')


def _forbidden_uses(text: str) -> list[str]:
    found = []
    text = MACHINE_READABLE.sub("", text)
    for name, pattern in FORBIDDEN.items():
        found += [f"{name}: {m.group(0)!r}" for m in pattern.finditer(text)]
    for m in re.finditer(r"\|\s*(\w*(?:date|time)\w*)", text):
        if m.group(1) not in DATE_FILTERS:
            found.append(f"unknown date filter: {m.group(1)!r}")
    return found


def test_templates_format_dates_only_through_the_named_filters():
    assert len(TEMPLATES) > 80
    offenders = {
        str(path.relative_to(PACKAGE)): problems
        for path in TEMPLATES
        if (problems := _forbidden_uses(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "snippet",
    [
        "{{ when|nl_datetime('d/MM/y HH:mm') }}",
        "{{ when.strftime('%d/%m/%Y') }}",
        "{{ when.day }}/{{ when.month }}",
        "{{ when|datetimeformat }}",
        "{{ when.isoformat() }}",
        "{{ when|nl_date('d MMMM') }}",
    ],
)
def test_the_scan_catches_other_ways(snippet):
    assert _forbidden_uses(snippet)


def test_the_scan_allows_the_named_filters():
    allowed = (
        '<time datetime="{{ post.created_at.isoformat() }}">{{ post.created_at|nl_datetime }}'
        "</time> {{ a|nl_date_short }} {{ nl_timespan_short(a, b) }} {{ filters.year }}"
        "{% for x in y %}{% endfor %} {{ a|nl_datetime_short }} {{ a|nl_time }}"
    )
    assert _forbidden_uses(allowed) == []


def test_the_filters_take_no_format(app):
    when = datetime(2026, 12, 10, 13, 0, tzinfo=UTC)
    render = app.jinja_env.from_string
    assert render("{{ w|nl_date }}").render(w=when) == "donderdag 10 december 2026"
    assert render("{{ w|nl_date_short }}").render(w=when) == "do 10 dec 2026"
    assert render("{{ w|nl_datetime }}").render(w=when) == "donderdag 10 december 2026 om 14:00"
    assert render("{{ w|nl_datetime_short }}").render(w=when) == "do 10 dec 2026, 14:00"
    span = "{{ nl_timespan_short(w, w + h) }}"
    assert render(span).render(w=when, h=timedelta(hours=2)) == "do 10 dec 2026, 14:00–16:00"
    with pytest.raises((TypeError, TemplateRuntimeError)):
        render("{{ w|nl_date('d MMM') }}").render(w=when)


SHORT = re.compile(r"\b(ma|di|wo|do|vr|za|zo) \d{1,2} [a-z]{3,4}\.? \d{4}")
LONG = re.compile(
    r"\b(maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag) \d{1,2} [a-z]+ \d{4}"
)


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_lists_show_the_compact_date_and_detail_pages_the_long_one(
    app, client, make_meeting, make_user
):
    from lerend_netwerk.agenda.models import Registration
    from lerend_netwerk.core.audit import record_audit

    starts = datetime(2031, 3, 13, 12, 30, tzinfo=UTC)  # a Thursday, 13:30 in Brussels
    meeting = make_meeting(slug="intervisie-maart", title="Intervisie maart", starts_at=starts)
    coordinator = make_user(role="coordinator")
    member = make_user()
    db.session.add(Registration(meeting=meeting, user=member, status="confirmed"))
    record_audit(coordinator, "meeting.published", meeting)
    db.session.commit()

    assert "do 13 mrt 2031, 13:30–16:30" in _page(client, "/sessies")
    assert "do 13 mrt 2031, 13:30" in _page(client, "/")
    assert "donderdag 13 maart 2031, 13:30–16:30" in _page(client, "/sessies/intervisie-maart")

    login(client, member)
    account = _page(client, "/account")
    assert "do 13 mrt 2031, 13:30–16:30" in account
    assert not LONG.search(account), "a long date in the list of registrations"

    post_form(client, "/logout")
    login(client, coordinator)
    attendees = _page(client, "/sessies/intervisie-maart/deelnemers")
    # The registration time of the attendee, compact with weekday.
    assert SHORT.search(attendees.split("<tbody", 1)[1])
    post_form(client, "/logout")
    login(client, make_user(role="admin"))
    for path in ("/beheer/accounts", "/beheer/audit"):
        page = _page(client, path)
        assert SHORT.search(page), path
        assert not re.search(r"\b\d{1,2}/\d{2}/\d{2,4}\b", page), path

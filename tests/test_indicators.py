"""Indicators (/indicatoren): every figure of a known history, periods, CSV, access, charts."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import login
from lerend_netwerk.agenda.models import Registration
from lerend_netwerk.contributions.models import Contribution
from lerend_netwerk.core.csvexport import to_csv
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators import charts, periods, service
from lerend_netwerk.indicators.tables import Rate
from lerend_netwerk.timeutil import BRUSSELS

# The clock of every figure below: session S6 (31 August 2023) is still to come.
NOW = datetime(2023, 6, 15, 12, 0, tzinfo=UTC)
HO, VO, SE = "hoger-onderwijs", "volwassenenonderwijs", "secundair"
AY_2022 = periods.academic_year(2022)


def local(y: int, m: int, d: int, h: int = 10, mi: int = 0) -> datetime:
    """A Brussels wall-clock time as an aware UTC datetime."""
    return datetime(y, m, d, h, mi, tzinfo=BRUSSELS).astimezone(UTC)


@dataclass
class History:
    coordinator: object  # the viewer of the service-level tests (no password: fast)
    make_user: object

    def login(self, client, role: str) -> None:
        """Sign in a new account with `role` (hashing a password is slow: only here)."""
        login(client, self.make_user(role=role))


def _register(meeting, user, how: str) -> None:
    """A registration in one of the ways a member's place can end up."""
    starts = meeting.starts_at
    reg = Registration(meeting=meeting, user=user, registered_at=starts - timedelta(days=10))
    if how in ("present", "no-show", "confirmed"):
        reg.status = "confirmed"
        reg.confirmed_at = reg.registered_at
        if how == "present":
            reg.checked_in_at = starts + timedelta(minutes=5)
    elif how == "waitlisted":
        reg.status = "waitlisted"
    elif how == "cancelled-unseated":  # left the waiting list without ever getting a seat
        reg.status = "cancelled"
        reg.cancelled_at = starts - timedelta(days=2)
    elif how == "cancelled-seated":  # had a seat and gave it back
        reg.status = "cancelled"
        reg.confirmed_at = reg.registered_at
        reg.cancelled_at = starts - timedelta(days=2)
    elif how == "cancelled-reregistered":  # had a seat, gave it back, queued again, gave up
        reg.status = "cancelled"
        reg.confirmed_at = starts - timedelta(days=20)
        reg.registered_at = starts - timedelta(days=5)
        reg.cancelled_at = starts - timedelta(days=1)
    else:
        raise ValueError(how)
    db.session.add(reg)


@pytest.fixture
def history(
    app,
    make_user,
    make_organisation,
    make_proeftuin,
    make_meeting,
    make_report,
    make_practice,
    make_recommendation,
):
    """Sessions, registrations, visits, practices, contributions and recommendations.

    Every expected figure in this module is counted by hand from this history.
    """
    o1, o2, o3, o4 = (make_organisation() for _ in range(4))
    p_ho = make_proeftuin(level=HO)
    p_vo = make_proeftuin(level=VO)
    p_se = make_proeftuin(level=SE)
    u1 = make_user(organisation=o1, password=None)
    u2 = make_user(organisation=o1, password=None)
    u3 = make_user(organisation=o2, password=None)
    u4 = make_user(organisation=o3, password=None)
    u5 = make_user(password=None)  # no organisation
    u6 = make_user(organisation=o2, password=None)
    u7 = make_user(organisation=o4, password=None)  # only confirmed for a cancelled session

    def meeting(kind, starts, host=None, **kw):
        return make_meeting(kind=kind, starts_at=starts, host=host, **kw)

    # Academic year 2022-2023 (1 Sept 2022 - 31 Aug 2023), Brussels local times.
    s1 = meeting("kick-off", local(2022, 9, 15), p_ho)
    s2 = meeting("intervisie", local(2022, 10, 1, 0, 30), p_vo, visibility="members")
    s3 = meeting("netwerkmoment", local(2022, 11, 20, 14), p_ho, status="cancelled")
    s4 = meeting("webinar", local(2023, 2, 10, 19))  # no host: "all levels" only
    s5 = meeting("intervisie", local(2023, 5, 5, 13), p_ho)
    s6 = meeting("slotsessie", local(2023, 8, 31, 23, 30), p_vo)  # after NOW
    # Just outside, on either side.
    s7 = meeting("inspiratie", local(2022, 8, 31, 23, 30), p_ho)  # 2021-2022
    s8 = meeting("intervisie", local(2023, 9, 1, 0, 30), p_se)  # 2023-2024

    for m, user, how in [
        (s1, u1, "present"),
        (s1, u2, "no-show"),
        (s1, u3, "waitlisted"),
        (s1, u4, "cancelled-unseated"),
        (s1, u6, "cancelled-seated"),
        (s2, u1, "present"),
        (s2, u3, "present"),
        (s2, u5, "no-show"),
        (s2, u4, "waitlisted"),
        (s3, u1, "confirmed"),
        (s3, u2, "waitlisted"),
        (s3, u7, "confirmed"),
        (s4, u2, "present"),
        (s4, u6, "present"),
        (s4, u4, "cancelled-reregistered"),
        (s5, u1, "present"),
        (s5, u4, "present"),
        (s5, u5, "waitlisted"),
        (s6, u1, "confirmed"),
        (s6, u2, "waitlisted"),
        (s6, u3, "cancelled-unseated"),
        (s7, u1, "present"),
        (s7, u2, "no-show"),
        (s8, u3, "present"),
    ]:
        _register(m, user, how)

    # Visit reports: visited (local date) and published (published_at or created_at).
    make_report(proeftuin=p_ho, visited=date(2022, 11, 14), published_at=local(2022, 11, 20))
    make_report(proeftuin=p_vo, visited=date(2023, 3, 1), status="draft")
    make_report(proeftuin=p_ho, visited=date(2023, 4, 1), published_at=local(2023, 4, 10))
    make_report(proeftuin=p_se, visited=date(2022, 6, 10), published_at=local(2022, 9, 5))
    make_report(
        proeftuin=p_vo,
        visited=date(2023, 8, 31),
        published_at=None,
        created_at=local(2023, 9, 1, 10),
    )

    # Good practices: their own level, else their proeftuin's.
    make_practice(level=HO, published_at=local(2022, 10, 1))
    make_practice(proeftuin=p_vo, published_at=local(2023, 1, 15))
    make_practice(level=HO, status="draft", created_at=local(2023, 2, 1))
    make_practice(visibility="members", published_at=None, created_at=local(2023, 3, 3))
    make_practice(level=SE, published_at=local(2023, 8, 31, 23, 30))
    make_practice(level=VO, proeftuin=p_ho, published_at=local(2023, 3, 20))

    # Contributions on the template: submitted, and accepted (= published).
    for proeftuin, status, submitted, reviewed in [
        (p_ho, "accepted", local(2022, 10, 10), local(2022, 10, 20)),
        (p_vo, "changes_requested", local(2023, 1, 5), local(2023, 1, 9)),
        (p_ho, "accepted", local(2022, 8, 20), local(2022, 9, 2)),
        (p_se, "declined", local(2023, 5, 1), local(2023, 5, 10)),
    ]:
        db.session.add(
            Contribution(
                kind="practice",
                proeftuin=proeftuin,
                title="Bijdrage",
                status=status,
                submitted_at=submitted,
                reviewed_at=reviewed,
            )
        )

    # Recommendation threads, by the moment they were started.
    for status, level, created, visibility in [
        ("open", HO, local(2022, 9, 10), "public"),
        ("in-bespreking", None, local(2022, 12, 1), "public"),
        ("aanvaard", VO, local(2023, 3, 1), "members"),
        ("verworpen", HO, local(2023, 6, 1), "public"),
        ("open", HO, local(2022, 5, 1), "public"),
        ("aanvaard", HO, local(2023, 8, 31, 23, 30), "public"),
    ]:
        make_recommendation(status=status, level=level, created_at=created, visibility=visibility)
    db.session.commit()
    return History(coordinator=make_user(role="coordinator", password=None), make_user=make_user)


def figures(period, level, history, now=NOW) -> dict:
    return service.build_report(period, level, history.coordinator, now=now).figures.as_dict()


ZERO = dict.fromkeys(service.Figures().as_dict(), 0)
KEY_FIGURES = [figure.name for figure in service.registered_figures()]


def expect(**kw) -> dict:
    unknown = set(kw) - set(ZERO)
    assert not unknown, unknown
    return {**ZERO, **kw}


AY_2022_ALL = expect(
    sessions_held=4,
    sessions_planned=1,  # S6 has not ended: planned, not held
    sessions_cancelled=1,
    registrations_confirmed=10,
    registrations_waitlisted=4,
    registrations_cancelled=4,
    confirmed_past=9,
    checked_in=7,
    no_shows=2,
    waitlist_demand=6,
    waitlist_demand_people=3,
    unique_participants=6,
    unique_organisations=3,
    proeftuinen_visited=2,
    reports_published=3,
    practices_published=5,
    contributions_submitted=3,
    contributions_accepted=2,
    recommendations=5,
)

CASES = {
    "2022-2023 alle niveaus": (AY_2022, None, AY_2022_ALL),
    "2022-2023 hoger onderwijs": (
        AY_2022,
        HO,
        expect(
            sessions_held=2,
            sessions_cancelled=1,
            registrations_confirmed=4,
            registrations_waitlisted=2,
            registrations_cancelled=2,
            confirmed_past=4,
            checked_in=3,
            no_shows=1,
            waitlist_demand=3,
            waitlist_demand_people=3,
            unique_participants=3,
            unique_organisations=2,
            proeftuinen_visited=1,
            reports_published=2,
            practices_published=1,
            contributions_submitted=1,
            contributions_accepted=2,
            recommendations=3,
        ),
    ),
    "2022-2023 volwassenenonderwijs": (
        AY_2022,
        VO,
        expect(
            sessions_held=1,
            sessions_planned=1,
            registrations_confirmed=4,
            registrations_waitlisted=2,
            registrations_cancelled=1,
            confirmed_past=3,
            checked_in=2,
            no_shows=1,
            waitlist_demand=2,
            waitlist_demand_people=2,
            unique_participants=3,
            unique_organisations=2,
            proeftuinen_visited=1,
            practices_published=2,
            contributions_submitted=1,
            recommendations=1,
        ),
    ),
    "2022-2023 secundair": (
        AY_2022,
        SE,
        expect(reports_published=1, practices_published=1, contributions_submitted=1),
    ),
    "2021-2022 alle niveaus": (
        periods.academic_year(2021),
        None,
        expect(
            sessions_held=1,
            registrations_confirmed=2,
            confirmed_past=2,
            checked_in=1,
            no_shows=1,
            unique_participants=2,
            unique_organisations=1,
            proeftuinen_visited=1,
            contributions_submitted=1,
            recommendations=1,
        ),
    ),
    "2023-2024 alle niveaus": (
        periods.academic_year(2023),
        None,
        expect(
            sessions_planned=1,
            registrations_confirmed=1,
            unique_participants=1,
            unique_organisations=1,
            reports_published=1,
        ),
    ),
    "kalenderjaar 2022": (
        periods.calendar_year(2022),
        None,
        expect(
            sessions_held=3,
            sessions_cancelled=1,
            registrations_confirmed=7,
            registrations_waitlisted=2,
            registrations_cancelled=2,
            confirmed_past=7,
            checked_in=4,
            no_shows=3,
            waitlist_demand=3,
            waitlist_demand_people=2,
            unique_participants=4,
            unique_organisations=2,
            proeftuinen_visited=2,
            reports_published=2,
            practices_published=1,
            contributions_submitted=2,
            contributions_accepted=2,
            recommendations=3,
        ),
    ),
    "1 oktober 2022 (sessie om 00.30 uur)": (
        periods.custom(date(2022, 10, 1), date(2022, 10, 1)),
        None,
        expect(
            sessions_held=1,
            registrations_confirmed=3,
            registrations_waitlisted=1,
            confirmed_past=3,
            checked_in=2,
            no_shows=1,
            waitlist_demand=1,
            waitlist_demand_people=1,
            unique_participants=3,
            unique_organisations=2,
            practices_published=1,
        ),
    ),
    "30 september 2022 (22.30 uur UTC is al 1 oktober)": (
        periods.custom(date(2022, 9, 30), date(2022, 9, 30)),
        None,
        expect(),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_every_key_figure_per_period_and_level(history, case):
    period, level, expected = CASES[case]
    assert figures(period, level, history) == expected


def test_once_the_last_session_is_over_it_counts_for_attendance_and_demand(history):
    later = datetime(2023, 9, 15, tzinfo=UTC)
    assert figures(AY_2022, None, history, now=later) == {
        **AY_2022_ALL,
        "sessions_held": 5,
        "sessions_planned": 0,
        "confirmed_past": 10,
        "no_shows": 3,
        "waitlist_demand": 7,
        "waitlist_demand_people": 4,
    }


def test_attendance_rate(history):
    report = service.build_report(AY_2022, None, history.coordinator, now=NOW)
    assert report.figures.attendance == Rate(7, 9)
    assert report.figures.attendance.display() == "77,8 %"
    assert Rate(0, 0).display() == "–"


def _rows(report, name):
    return report.section(name).table.rows


def test_sessions_by_kind(history):
    report = service.build_report(AY_2022, None, history.coordinator, now=NOW)
    assert _rows(report, "sessies") == [
        ["Kick-off", 1, 0, 0, 1],
        ["Intervisie", 2, 0, 0, 2],
        ["Netwerkmoment", 0, 0, 1, 1],
        ["Inspiratie-event", 0, 0, 0, 0],
        ["Slotsessie", 0, 1, 0, 1],
        ["Webinar", 1, 0, 0, 1],
        ["Totaal", 4, 1, 1, 6],
    ]
    ho = service.build_report(AY_2022, HO, history.coordinator, now=NOW)
    assert _rows(ho, "sessies") == [
        ["Kick-off", 1, 0, 0, 1],
        ["Intervisie", 1, 0, 0, 1],
        ["Netwerkmoment", 0, 0, 1, 1],
        ["Inspiratie-event", 0, 0, 0, 0],
        ["Slotsessie", 0, 0, 0, 0],
        ["Webinar", 0, 0, 0, 0],
        ["Totaal", 2, 0, 1, 3],
    ]


def test_registration_and_attendance_tables(history):
    report = service.build_report(AY_2022, None, history.coordinator, now=NOW)
    assert _rows(report, "inschrijvingen") == [
        ["Bevestigd", 10],
        ["Wachtlijst", 4],
        ["Geannuleerd", 4],
        ["Wachtlijstvraag (nooit een plaats)", 6],
    ]
    assert _rows(report, "aanwezigheid") == [
        ["Bevestigd", 9],
        ["Aanwezig", 7],
        ["No-show", 2],
        ["Aanwezigheidsgraad (%)", Rate(7, 9)],
    ]


def test_per_level_table(history):
    report = service.build_report(AY_2022, None, history.coordinator, now=NOW)
    assert _rows(report, "niveaus") == [
        ["Hoger onderwijs", 2, 1, 4, Rate(3, 4), 3, 2],
        ["Volwassenenonderwijs", 1, 0, 4, Rate(2, 3), 3, 2],
        ["Secundair onderwijs", 0, 0, 0, Rate(0, 0), 0, 0],
        ["Zonder proeftuin", 1, 0, 2, Rate(2, 2), 2, 2],
    ]
    # With a level chosen, only that level; sessions without a host drop out.
    ho = service.build_report(AY_2022, HO, history.coordinator, now=NOW)
    assert _rows(ho, "niveaus") == [["Hoger onderwijs", 2, 1, 4, Rate(3, 4), 3, 2]]


def test_trend_per_quarter_in_brussels_time(history):
    report = service.build_report(AY_2022, None, history.coordinator, now=NOW)
    # S2 starts at 00:30 on 1 October in Brussels (22:30 UTC on 30 September): K4.
    assert _rows(report, "kwartalen") == [
        ["2022 K3", date(2022, 9, 1), date(2022, 9, 30), 1, 0, 2, 1, Rate(1, 2)],
        ["2022 K4", date(2022, 10, 1), date(2022, 12, 31), 1, 1, 3, 2, Rate(2, 3)],
        ["2023 K1", date(2023, 1, 1), date(2023, 3, 31), 1, 0, 2, 2, Rate(2, 2)],
        ["2023 K2", date(2023, 4, 1), date(2023, 6, 30), 1, 0, 2, 2, Rate(2, 2)],
        ["2023 K3", date(2023, 7, 1), date(2023, 8, 31), 0, 0, 1, 0, Rate(0, 0)],
    ]
    ho = service.build_report(AY_2022, HO, history.coordinator, now=NOW)
    assert [row[3:] for row in _rows(ho, "kwartalen")] == [
        [1, 0, 2, 1, Rate(1, 2)],
        [0, 1, 0, 0, Rate(0, 0)],
        [0, 0, 0, 0, Rate(0, 0)],
        [1, 0, 2, 2, Rate(2, 2)],
        [0, 0, 0, 0, Rate(0, 0)],
    ]
    year = service.build_report(periods.calendar_year(2022), None, history.coordinator, now=NOW)
    # S7 (23:30 on 31 August) and S1 fall in K3; S2 and the cancelled S3 in K4.
    assert [row[0:1] + row[3:] for row in _rows(year, "kwartalen")] == [
        ["2022 K1", 0, 0, 0, 0, Rate(0, 0)],
        ["2022 K2", 0, 0, 0, 0, Rate(0, 0)],
        ["2022 K3", 2, 0, 4, 2, Rate(2, 4)],
        ["2022 K4", 1, 1, 3, 2, Rate(2, 3)],
    ]


def test_output_and_recommendation_tables(history):
    report = service.build_report(AY_2022, None, history.coordinator, now=NOW)
    assert _rows(report, "output") == [
        ["Proeftuinen bezocht", 2],
        ["Bezoekverslagen gepubliceerd", 3],
        ["Projectupdates gepubliceerd", 0],
        ["Goede praktijken gepubliceerd", 5],
        ["Producten gepubliceerd", 0],
        ["Bijdragen ingediend", 3],
        ["Bijdragen aanvaard (gepubliceerd)", 2],
    ]
    assert _rows(report, "aanbevelingen") == [
        ["Open", 1],
        ["In bespreking", 1],
        ["Aanvaard", 2],
        ["Verworpen", 1],
        ["Totaal", 5],
    ]
    ho = service.build_report(AY_2022, HO, history.coordinator, now=NOW)
    assert _rows(ho, "aanbevelingen") == [
        ["Open", 1],
        ["In bespreking", 0],
        ["Aanvaard", 1],
        ["Verworpen", 1],
        ["Totaal", 3],
    ]


def test_key_figures_table_lists_every_figure_with_its_definition(history):
    report = service.build_report(AY_2022, None, history.coordinator, now=NOW)
    rows = _rows(report, "kerncijfers")
    assert [row[1] for row in rows] == [
        *(AY_2022_ALL[key] for key in KEY_FIGURES[:9]),
        Rate(7, 9),
        *(AY_2022_ALL[key] for key in KEY_FIGURES[10:]),
    ]
    assert all(row[2] for row in rows)


# --- periods ------------------------------------------------------------------------


def test_academic_year_bounds_are_brussels_midnight_in_utc():
    period = periods.academic_year(2022)
    assert (period.first_day, period.last_day) == (date(2022, 9, 1), date(2023, 8, 31))
    assert period.starts == datetime(2022, 8, 31, 22, 0, tzinfo=UTC)  # CEST, UTC+2
    assert period.ends == datetime(2023, 8, 31, 22, 0, tzinfo=UTC)
    assert period.name == "Academiejaar 2022-2023"
    assert period.key == "2022-2023"


def test_late_evening_of_31_august_belongs_to_the_old_academic_year():
    late = local(2023, 8, 31, 23, 30)
    assert late == datetime(2023, 8, 31, 21, 30, tzinfo=UTC)
    assert periods.academic_year(2022).contains(late)
    assert not periods.academic_year(2023).contains(late)
    early = local(2023, 9, 1, 0, 30)
    assert periods.academic_year(2023).contains(early)
    assert not periods.academic_year(2022).contains(early)


def test_calendar_year_bounds_in_winter_time():
    period = periods.calendar_year(2023)
    assert period.starts == datetime(2022, 12, 31, 23, 0, tzinfo=UTC)  # CET, UTC+1
    assert period.ends == datetime(2023, 12, 31, 23, 0, tzinfo=UTC)
    assert period.contains(local(2023, 1, 1, 0, 30))
    assert not period.contains(local(2022, 12, 31, 23, 30))


def test_quarters_are_local_and_clipped_to_the_period():
    quarters = periods.academic_year(2022).quarters()
    assert [q.label for q in quarters] == ["2022 K3", "2022 K4", "2023 K1", "2023 K2", "2023 K3"]
    assert quarters[0].first_day == date(2022, 9, 1)
    assert quarters[-1].last_day == date(2023, 8, 31)
    assert quarters[1].starts == datetime(2022, 9, 30, 22, 0, tzinfo=UTC)
    assert quarters[2].starts == datetime(2022, 12, 31, 23, 0, tzinfo=UTC)
    assert periods.custom(date(2022, 10, 1), date(2022, 10, 1)).quarters()[0].label == "2022 K4"
    assert len(periods.custom(date(2014, 9, 1), date(2024, 8, 31)).quarters()) == 41


def test_parse_academic_year():
    assert periods.parse_academic_year("2022-2023") == 2022
    for bad in ("2022-2024", "2022", "22-23", "2022/2023"):
        with pytest.raises(ValueError):
            periods.parse_academic_year(bad)


# --- CSV ----------------------------------------------------------------------------


def test_csv_is_excel_safe():
    body = to_csv(
        ["Naam", "Waarde"],
        [
            ["=SUM(A1:A3)", "+32 475"],
            ["-1", "@cmd"],
            ["a;b", 'zegt "ja"'],
            ["gewoon", 12],
            ["\tverborgen", None],
        ],
    )
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert text.endswith("\r\n")
    assert text.split("\r\n") == [
        "Naam;Waarde",
        "'=SUM(A1:A3);'+32 475",
        "'-1;'@cmd",
        '"a;b";"zegt ""ja"""',
        "gewoon;12",
        "'\tverborgen;",
        "",
    ]


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    text = response.data.decode("utf-8-sig")
    assert "\r\n" in text and "\n" not in text.replace("\r\n", "")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.fixture
def frozen_clock(monkeypatch):
    monkeypatch.setattr(service, "utcnow", lambda: NOW)


AY_ARGS = "soort=academiejaar&academiejaar=2022-2023"


def test_every_table_exports_as_csv_with_the_same_figures(client, history, frozen_clock):
    history.login(client, "coordinator")
    report = service.build_report(AY_2022, None, history.coordinator, now=NOW)
    for name in service.TABLE_NAMES:
        response = client.get(f"/indicatoren/{name}.csv?{AY_ARGS}")
        rows = _csv(response)
        table = report.section(name).table
        assert rows[0] == table.header
        assert len(rows) == len(table.rows) + 1
        disposition = response.headers["Content-Disposition"]
        assert f'filename="indicatoren-{name}-2022-2023.csv"' in disposition
    kerncijfers = _csv(client.get(f"/indicatoren/kerncijfers.csv?{AY_ARGS}"))
    values = {row[0]: row[1] for row in kerncijfers[1:]}
    assert values["Aanwezigheidsgraad (%)"] == "77,8"
    assert values["Bevestigde inschrijvingen"] == "10"
    assert values["Wachtlijstvraag (inschrijvingen)"] == "6"
    assert values["Unieke organisaties bereikt"] == "3"
    kwartalen = _csv(client.get(f"/indicatoren/kwartalen.csv?{AY_ARGS}"))
    assert kwartalen[1] == ["2022 K3", "2022-09-01", "2022-09-30", "1", "0", "2", "1", "50,0"]
    assert kwartalen[-1] == ["2023 K3", "2023-07-01", "2023-08-31", "0", "0", "1", "0", ""]


def test_csv_follows_the_level_and_period_arguments(client, history, frozen_clock):
    history.login(client, "coordinator")
    response = client.get(f"/indicatoren/kerncijfers.csv?{AY_ARGS}&niveau=hoger-onderwijs")
    values = {row[0]: row[1] for row in _csv(response)[1:]}
    assert values["Sessies doorgegaan"] == "2"
    assert values["Aanwezigheidsgraad (%)"] == "75,0"
    assert (
        "indicatoren-kerncijfers-2022-2023-hoger-onderwijs.csv"
        in (response.headers["Content-Disposition"])
    )
    response = client.get("/indicatoren/sessies.csv?soort=kalenderjaar&jaar=2022")
    assert _csv(response)[-1] == ["Totaal", "3", "0", "1", "4"]
    response = client.get("/indicatoren/sessies.csv?soort=aangepast&van=2022-10-01&tot=2022-10-01")
    assert _csv(response)[-1] == ["Totaal", "1", "0", "0", "1"]


def test_unknown_table_is_404_and_bad_period_400(client, history):
    history.login(client, "coordinator")
    assert client.get(f"/indicatoren/geheim.csv?{AY_ARGS}").status_code == 404
    assert (
        client.get("/indicatoren/sessies.csv?soort=academiejaar&academiejaar=x").status_code == 400
    )


# --- the page -----------------------------------------------------------------------


def test_page_shows_the_figures_with_charts_and_tables(client, history, frozen_clock):
    history.login(client, "coordinator")
    response = client.get(f"/indicatoren?{AY_ARGS}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Academiejaar 2022-2023" in page
    assert "1 september 2022 – 31 augustus 2023" in page
    assert "77,8 %" in page
    # No inline script or style: the strict CSP holds.
    assert "style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    # Every chart is an accessible image next to its data table.
    sections = re.findall(
        r'<section class="indicator-section" id="([^"]+)".*?</section>', page, re.S
    )
    assert set(service.TABLE_NAMES) <= set(sections)
    svgs = re.findall(r"<svg\b[^>]*>.*?</svg>", page, re.S)
    assert len(svgs) == 7
    for svg in svgs:
        assert 'role="img"' in svg
        title = re.search(r'aria-labelledby="([^"]+)"', svg).group(1)
        desc = re.search(r'aria-describedby="([^"]+)"', svg).group(1)
        assert f'<title id="{title}">' in svg
        assert f'<desc id="{desc}">' in svg
    for name in service.TABLE_NAMES:
        block = re.search(
            rf'<section class="indicator-section" id="{name}".*?</section>', page, re.S
        ).group(0)
        assert re.search(rf'<table class="indicator-table" id="tabel-{name}">\s*<caption>', block)
        assert f"/indicatoren/{name}.csv?" in block
    line = re.search(r'<svg class="chart chart-line-chart".*?</svg>', page, re.S).group(0)
    assert line.count("<polyline") == 3
    assert "2022 K4: bevestigde inschrijvingen 3" in line


def test_page_documents_the_rules(client, history):
    history.login(client, "coordinator")
    page = client.get(f"/indicatoren?{AY_ARGS}").get_data(as_text=True)
    assert "Sessies zonder proeftuin tellen enkel mee bij ‘alle niveaus’" in page
    assert "nog op de wachtlijst van een afgelopen sessie" in page
    assert "Kalenderkwartalen in Belgische tijd" in page


def test_default_period_is_the_current_academic_year(client, history):
    history.login(client, "coordinator")
    page = client.get("/indicatoren").get_data(as_text=True)
    start = periods.academic_start_year(periods.today_local())
    assert f"Academiejaar {start}-{start + 1}" in page


@pytest.mark.parametrize(
    "query,message",
    [
        ("soort=aangepast&van=2023-01-01", "Vul voor een eigen periode beide datums in."),
        ("soort=aangepast&van=2023-02-01&tot=2023-01-01", "De einddatum ligt voor de begindatum."),
        ("soort=aangepast&van=2001-01-01&tot=2030-01-01", "hoogstens 25 jaar"),
        ("soort=aangepast&van=1990-01-01&tot=2023-01-01", "tussen 2000 en 2100"),
        ("soort=academiejaar&academiejaar=1800-1801", "Kies een academiejaar uit de lijst."),
        ("soort=kalenderjaar&jaar=abc", "Kies een kalenderjaar uit de lijst."),
        ("soort=weekelijks", "Kies academiejaar, kalenderjaar of een eigen periode."),
        ("niveau=lager", "Kies een niveau uit de lijst."),
    ],
)
def test_invalid_choices_get_a_dutch_message(client, history, query, message):
    history.login(client, "coordinator")
    response = client.get(f"/indicatoren?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


# --- access -------------------------------------------------------------------------

ROLES = ("anonymous", "member", "coordinator", "admin")
EXPECTED = {"anonymous": "login", "member": 403, "coordinator": 200, "admin": 200}


@pytest.mark.parametrize("url", ["/indicatoren", "/indicatoren/kerncijfers.csv"])
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client, history, role, url):
    if role != "anonymous":
        history.login(client, role)
    response = client.get(url)
    expected = EXPECTED[role]
    if expected == "login":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == expected


# --- charts -------------------------------------------------------------------------


def test_nice_ticks():
    assert charts.nice_ticks(0) == [0, 1]
    assert charts.nice_ticks(3) == [0, 1, 2, 3]
    assert charts.nice_ticks(7) == [0, 2, 4, 6, 8]
    assert charts.nice_ticks(100) == [0, 20, 40, 60, 80, 100]
    assert charts.nice_ticks(1234)[-1] >= 1234


def test_bars_are_proportional_and_the_description_names_every_value():
    chart = charts.bar_chart(
        "c", "Titel", ["Een", "Twee"], [charts.Series("Aantal", [2, 8])], "Tabel"
    )
    one, two = chart.bars
    assert chart.ticks[-1].label == "8"
    assert two.width == chart.plot_width
    assert one.width == pytest.approx(two.width / 4)
    assert chart.desc == (
        "Staafdiagram van Aantal. Een: aantal 2; Twee: aantal 8. "
        "Dezelfde cijfers staan in de tabel ‘Tabel’."
    )

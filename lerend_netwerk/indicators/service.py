"""The indicators: every figure aggregated in SQL for one period and level.

Rules (also shown on the page, under "Werkwijze"):
- A session belongs to the period in which it starts. Its level is the level of its
  host proeftuin; a session without a host counts only under "alle niveaus".
- "Doorgegaan" means not cancelled and ended; a session that has not ended yet is
  "gepland".
- Registrations, attendance and participants count for sessions that were held (not
  cancelled). "Afgelopen" means the session has ended.
- Waiting-list demand: registrations that never got a seat since they were (last)
  made, i.e. `confirmed_at` is empty or older than `registered_at`, and that either
  are still on the waiting list of a session that has ended, or were cancelled.
- Published means status "published", dated by `published_at` (or `created_at` when
  that is missing); drafts never count. Visits are dated by the visit date. Imported
  content carries its own publication date (the content key `published`).
- A project update from a proeftuin is not a visit: it counts as a project update.
- The same visibility rule as the pages (`visible_clause`) applies to every query.

Every figure comes from a GROUP BY / COUNT / COUNT(DISTINCT) / CASE query; Python only
arranges the handful of aggregated rows into tables and charts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    func,
    literal_column,
    or_,
    select,
)

from lerend_netwerk.agenda.models import MEETING_KIND_LABELS, MEETING_KINDS, Meeting, Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.contributions.models import ACCEPTED, Contribution
from lerend_netwerk.db import utcnow
from lerend_netwerk.evaluations.indicators import satisfaction_section
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators import charts
from lerend_netwerk.indicators.periods import Period
from lerend_netwerk.indicators.tables import DataTable, Rate
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS, LEVELS, Proeftuin, VisitReport
from lerend_netwerk.recommendations.models import (
    RECOMMENDATION_STATUS_LABELS,
    RECOMMENDATION_STATUSES,
    Recommendation,
)
from lerend_netwerk.timeutil import to_local
from lerend_netwerk.visibility import visible_clause

ALL_LEVELS_LABEL = "Alle niveaus"
NO_HOST_LABEL = "Zonder proeftuin"
TABLE_NAMES = (
    "kerncijfers",
    "sessies",
    "inschrijvingen",
    "aanwezigheid",
    "niveaus",
    "kwartalen",
    "output",
    "aanbevelingen",
    "tevredenheid",
)
ONE = literal_column("1")
ZERO = literal_column("0")


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """COUNT(CASE WHEN condition THEN 1 END): portable conditional counting."""
    return func.count(case((condition, ONE)))


def count_distinct_if(condition: ColumnElement[bool], column: Any) -> ColumnElement[int]:
    """COUNT(DISTINCT CASE WHEN condition THEN column END); NULLs are not counted."""
    return func.count(distinct(case((condition, column))))


@dataclass(frozen=True)
class Scope:
    """What is being counted: a period, a level (None: all levels), for whom, when."""

    period: Period
    level: str | None
    viewer: Any
    now: datetime


@dataclass
class Figures:
    """The key figures of one period and level."""

    sessions_held: int = 0
    sessions_planned: int = 0
    sessions_cancelled: int = 0
    registrations_confirmed: int = 0
    registrations_waitlisted: int = 0
    registrations_cancelled: int = 0
    confirmed_past: int = 0
    checked_in: int = 0
    no_shows: int = 0
    waitlist_demand: int = 0
    waitlist_demand_people: int = 0
    unique_participants: int = 0
    unique_organisations: int = 0
    proeftuinen_visited: int = 0
    reports_published: int = 0
    updates_published: int = 0
    practices_published: int = 0
    contributions_submitted: int = 0
    contributions_accepted: int = 0
    recommendations: int = 0

    @property
    def attendance(self) -> Rate:
        return Rate(self.checked_in, self.confirmed_past)

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class Section:
    """One part of the page: a heading, its definition, a table and maybe a chart."""

    name: str
    title: str
    intro: str
    table: DataTable
    chart: charts.BarChart | charts.LineChart | None = None


@dataclass
class IndicatorReport:
    period: Period
    level: str | None
    generated_at: datetime
    figures: Figures
    sections: list[Section] = field(default_factory=list)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level) if self.level else ALL_LEVELS_LABEL

    def section(self, name: str) -> Section:
        return next(s for s in self.sections if s.name == name)


# --- the queries -----------------------------------------------------------------------


def _meetings(scope: Scope, *columns: Any) -> Select:
    """SELECT columns FROM meeting LEFT JOIN its host, for sessions in scope."""
    query = (
        select(*columns)
        .select_from(Meeting)
        .outerjoin(Proeftuin, Meeting.host_id == Proeftuin.id)
        .where(
            Meeting.starts_at >= scope.period.starts,
            Meeting.starts_at < scope.period.ends,
            visible_clause(Meeting, scope.viewer),
        )
    )
    if scope.level:
        query = query.where(Proeftuin.level == scope.level)
    return query


def _held_registrations(scope: Scope, *columns: Any) -> Select:
    """SELECT columns over registrations for sessions in scope that were held."""
    return (
        _meetings(scope, *columns)
        .join(Registration, Registration.meeting_id == Meeting.id)
        .where(Meeting.status != "cancelled")
    )


def _never_seated() -> ColumnElement[bool]:
    """No seat since the (last) registration: re-registering after a seat starts afresh."""
    return or_(
        Registration.confirmed_at.is_(None),
        Registration.confirmed_at < Registration.registered_at,
    )


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """CASE WHEN condition THEN 1 ELSE 0 END."""
    return case((condition, ONE), else_=ZERO)


def _ended(scope: Scope) -> ColumnElement[bool]:
    return Meeting.ends_at < scope.now


def sessions_by_kind(scope: Scope) -> dict[str, tuple[int, int, int]]:
    """{kind: (held, planned, cancelled)} for the sessions in scope."""
    not_cancelled = Meeting.status != "cancelled"
    query = _meetings(
        scope,
        Meeting.kind,
        count_if(and_(not_cancelled, _ended(scope))),
        count_if(and_(not_cancelled, ~_ended(scope))),
        count_if(Meeting.status == "cancelled"),
    ).group_by(Meeting.kind)
    return {kind: (h, p, c) for kind, h, p, c in db.session.execute(query)}


def _quarter_bucket(column: Any, scope: Scope) -> ColumnElement[int]:
    """CASE mapping a UTC timestamp to the index of its Brussels-local quarter.

    The WHERE clause keeps rows inside the period, so the first quarter whose
    (exclusive) end lies after the timestamp is its quarter.
    """
    quarters = scope.period.quarters()
    return case(*[(column < q.ends, literal_column(str(i))) for i, q in enumerate(quarters)])


GRID_MEASURES = (
    "held",
    "planned",
    "cancelled",
    "confirmed",
    "waitlisted",
    "registrations_cancelled",
    "confirmed_past",
    "checked_in",
    "waitlist_demand",
)


def registration_grid(scope: Scope) -> dict[tuple[str | None, int], dict[str, int]]:
    """Sessions and registration counts per (host level, quarter index).

    Two steps in one statement: registrations are first counted per session
    (GROUP BY meeting_id, using the (meeting_id, user_id) index), then those per-session
    counts are summed per level and quarter over the sessions of the period. The
    result has at most 4 x (number of quarters) rows; totals, levels and quarters are
    sums of them.
    """
    held_in_scope = select(Meeting.id).where(
        Meeting.starts_at >= scope.period.starts,
        Meeting.starts_at < scope.period.ends,
        Meeting.status != "cancelled",
        visible_clause(Meeting, scope.viewer),
    )
    never_seated = _never_seated()
    per_session = (
        select(
            Registration.meeting_id.label("meeting_id"),
            count_if(Registration.status == "confirmed").label("confirmed"),
            count_if(
                and_(Registration.status == "confirmed", Registration.checked_in_at.is_not(None))
            ).label("checked_in"),
            count_if(Registration.status == "waitlisted").label("waitlisted"),
            count_if(Registration.status == "cancelled").label("cancelled"),
            count_if(and_(Registration.status == "waitlisted", never_seated)).label(
                "waitlisted_unseated"
            ),
            count_if(and_(Registration.status == "cancelled", never_seated)).label(
                "cancelled_unseated"
            ),
        )
        .where(Registration.meeting_id.in_(held_in_scope))
        .group_by(Registration.meeting_id)
        .subquery("per_session")
    )
    sessions = (
        _meetings(
            scope,
            Proeftuin.level.label("level"),
            _quarter_bucket(Meeting.starts_at, scope).label("bucket"),
            _flag(Meeting.status != "cancelled").label("not_cancelled"),
            _flag(_ended(scope)).label("past"),
            per_session.c.confirmed,
            per_session.c.checked_in,
            per_session.c.waitlisted,
            per_session.c.cancelled,
            per_session.c.waitlisted_unseated,
            per_session.c.cancelled_unseated,
        )
        .outerjoin(per_session, per_session.c.meeting_id == Meeting.id)
        .subquery("sessions")
    )
    # Grouped in an outer query: PostgreSQL cannot match a GROUP BY on a CASE with
    # bound parameters to the same CASE in the SELECT list.
    past = sessions.c.past == 1
    not_cancelled = sessions.c.not_cancelled == 1
    query = select(
        sessions.c.level,
        sessions.c.bucket,
        count_if(and_(not_cancelled, past)),
        count_if(and_(not_cancelled, ~past)),
        count_if(sessions.c.not_cancelled == 0),
        func.sum(sessions.c.confirmed),
        func.sum(sessions.c.waitlisted),
        func.sum(sessions.c.cancelled),
        func.sum(case((past, sessions.c.confirmed))),
        func.sum(case((past, sessions.c.checked_in))),
        func.sum(sessions.c.cancelled_unseated),
        func.sum(case((past, sessions.c.waitlisted_unseated))),
    ).group_by(sessions.c.level, sessions.c.bucket)
    grid = {}
    for level, bucket, *values in db.session.execute(query):
        (
            held,
            planned,
            cancelled,
            confirmed,
            waitlisted,
            reg_cancelled,
            past_confirmed,
            checked_in,
        ) = (int(v or 0) for v in values[:8])
        demand = int(values[8] or 0) + int(values[9] or 0)
        grid[(level, int(bucket))] = dict(
            zip(
                GRID_MEASURES,
                (
                    held,
                    planned,
                    cancelled,
                    confirmed,
                    waitlisted,
                    reg_cancelled,
                    past_confirmed,
                    checked_in,
                    demand,
                ),
                strict=True,
            )
        )
    return grid


def _sum(cells: list[dict[str, int]]) -> dict[str, int]:
    return {m: sum(cell[m] for cell in cells) for m in GRID_MEASURES}


REACH_SLICES: tuple[str | None, ...] = (*LEVELS, None)


def reach(scope: Scope) -> dict[str | None, dict[str, int]]:
    """Distinct people and organisations: in total (key "all") and per host level.

    One statement: registrations of held sessions are first reduced to one row per
    person with flags (confirmed anywhere, confirmed per level, never got a seat),
    then people and their organisations are counted from those rows.
    """
    confirmed = Registration.status == "confirmed"
    demand = and_(
        _never_seated(),
        or_(
            and_(Registration.status == "waitlisted", Meeting.ends_at < scope.now),
            Registration.status == "cancelled",
        ),
    )
    slices = () if scope.level else REACH_SLICES

    def at_level(level: str | None) -> ColumnElement[bool]:
        return Meeting.host_id.is_(None) if level is None else Proeftuin.level == level

    people = (
        _held_registrations(
            scope,
            Registration.user_id.label("user_id"),
            func.max(_flag(confirmed)).label("participant"),
            func.max(_flag(demand)).label("waited"),
            *(
                func.max(_flag(and_(confirmed, at_level(level)))).label(f"at_{i}")
                for i, level in enumerate(slices)
            ),
        )
        .group_by(Registration.user_id)
        .subquery("people")
    )
    organisation = User.organisation_id
    columns = [
        count_if(people.c.participant == 1),
        count_distinct_if(people.c.participant == 1, organisation),
        count_if(people.c.waited == 1),
    ]
    for i in range(len(slices)):
        flag = people.c[f"at_{i}"] == 1
        columns += [count_if(flag), count_distinct_if(flag, organisation)]
    query = select(*columns).select_from(people).join(User, User.id == people.c.user_id)
    row = db.session.execute(query).one()
    result: dict[str | None, dict[str, int]] = {
        "all": {"people": row[0], "organisations": row[1], "waited": row[2]}
    }
    for i, level in enumerate(slices):
        result[level] = {"people": row[3 + 2 * i], "organisations": row[4 + 2 * i]}
    if scope.level:
        result[scope.level] = result["all"]
    return result


def output_figures(scope: Scope) -> dict[str, int]:
    """Proeftuinen visited, visit reports and updates published, good practices published."""
    period = scope.period
    is_visit = VisitReport.kind != "update"
    visited_in = and_(
        is_visit, VisitReport.visited >= period.first_day, VisitReport.visited <= period.last_day
    )
    report_date = func.coalesce(VisitReport.published_at, VisitReport.created_at)
    report_published = and_(
        VisitReport.status == "published", report_date >= period.starts, report_date < period.ends
    )
    visits = (
        select(
            count_distinct_if(visited_in, VisitReport.proeftuin_id),
            count_if(and_(is_visit, report_published)),
            count_if(and_(~is_visit, report_published)),
        )
        .select_from(VisitReport)
        .join(Proeftuin, VisitReport.proeftuin_id == Proeftuin.id)
        .where(visible_clause(VisitReport, scope.viewer))
    )
    if scope.level:
        visits = visits.where(Proeftuin.level == scope.level)
    visited, reports, updates = db.session.execute(visits).one()

    practice_date = func.coalesce(Practice.published_at, Practice.created_at)
    practices = (
        select(func.count())
        .select_from(Practice)
        .outerjoin(Proeftuin, Practice.proeftuin_id == Proeftuin.id)
        .where(
            Practice.status == "published",
            practice_date >= period.starts,
            practice_date < period.ends,
            visible_clause(Practice, scope.viewer),
        )
    )
    if scope.level:
        practices = practices.where(func.coalesce(Practice.level, Proeftuin.level) == scope.level)
    submitted_in = and_(
        Contribution.submitted_at >= period.starts, Contribution.submitted_at < period.ends
    )
    accepted_in = and_(
        Contribution.status == ACCEPTED,
        Contribution.reviewed_at >= period.starts,
        Contribution.reviewed_at < period.ends,
    )
    # Contributions are seen by coordinators only (this page's audience): no
    # visibility clause of their own.
    contributions = (
        select(count_if(submitted_in), count_if(accepted_in))
        .select_from(Contribution)
        .join(Proeftuin, Contribution.proeftuin_id == Proeftuin.id)
        .where(or_(submitted_in, accepted_in))
    )
    if scope.level:
        contributions = contributions.where(Proeftuin.level == scope.level)
    submitted, accepted = db.session.execute(contributions).one()
    return {
        "proeftuinen_visited": visited,
        "reports_published": reports,
        "updates_published": updates,
        "practices_published": db.session.scalar(practices),
        "contributions_submitted": submitted,
        "contributions_accepted": accepted,
    }


def recommendations_by_status(scope: Scope) -> dict[str, int]:
    """Recommendation threads started in the period, by their current status."""
    started = func.coalesce(Recommendation.published_at, Recommendation.created_at)
    query = (
        select(Recommendation.status, func.count())
        .where(
            started >= scope.period.starts,
            started < scope.period.ends,
            visible_clause(Recommendation, scope.viewer),
        )
        .group_by(Recommendation.status)
    )
    if scope.level:
        query = query.where(Recommendation.level == scope.level)
    return {row[0]: row[1] for row in db.session.execute(query)}


# --- the report ------------------------------------------------------------------------

DEFINITIONS = {
    "sessions_held": "Sessies die in de periode startten, afgelopen zijn en niet geannuleerd "
    "werden.",
    "sessions_planned": "Sessies die in de periode starten, niet geannuleerd zijn en nog niet "
    "afgelopen zijn.",
    "sessions_cancelled": "Sessies die in de periode zouden starten maar geannuleerd zijn.",
    "registrations_confirmed": "Inschrijvingen met een bevestigde plaats, voor sessies die "
    "niet geannuleerd zijn (afgelopen of gepland).",
    "registrations_waitlisted": "Inschrijvingen die nu op de wachtlijst staan.",
    "registrations_cancelled": "Inschrijvingen die uitgeschreven zijn.",
    "confirmed_past": "Bevestigde inschrijvingen voor sessies die al afgelopen zijn.",
    "checked_in": "Bevestigde inschrijvingen voor afgelopen sessies met een check-in.",
    "no_shows": "Bevestigd voor een afgelopen sessie, maar niet ingecheckt.",
    "attendance": "Aanwezig gedeeld door bevestigd, enkel voor afgelopen sessies.",
    "waitlist_demand": "Inschrijvingen die geen plaats kregen: nog op de wachtlijst van een "
    "afgelopen sessie, of uitgeschreven zonder ooit een plaats te hebben gehad.",
    "waitlist_demand_people": "Verschillende personen achter de wachtlijstvraag.",
    "unique_participants": "Verschillende personen met minstens één bevestigde inschrijving.",
    "unique_organisations": "Verschillende organisaties van die personen (personen zonder "
    "organisatie tellen niet mee).",
    "proeftuinen_visited": "Verschillende proeftuinen met een bezoek (ook met een "
    "ontwerpverslag) in de periode; projectupdates zijn geen bezoek.",
    "reports_published": "Bezoekverslagen gepubliceerd in de periode; ontwerpen tellen niet.",
    "updates_published": "Projectupdates van proeftuinen, aanvaard en gepubliceerd in de periode.",
    "practices_published": "Goede praktijken gepubliceerd in de periode; ontwerpen tellen niet.",
    "contributions_submitted": "Bijdragen van proeftuinen (sjabloon) voor het eerst ingediend "
    "in de periode.",
    "contributions_accepted": "Bijdragen die de coördinatoren in de periode aanvaardden en "
    "daarmee publiceerden.",
    "recommendations": "Draden over beleidsaanbevelingen gestart in de periode.",
}
LABELS = {
    "sessions_held": "Sessies doorgegaan",
    "sessions_planned": "Sessies gepland",
    "sessions_cancelled": "Sessies geannuleerd",
    "registrations_confirmed": "Bevestigde inschrijvingen",
    "registrations_waitlisted": "Inschrijvingen op de wachtlijst",
    "registrations_cancelled": "Geannuleerde inschrijvingen",
    "confirmed_past": "Bevestigd voor afgelopen sessies",
    "checked_in": "Aanwezig (ingecheckt)",
    "no_shows": "No-shows",
    "attendance": "Aanwezigheidsgraad (%)",
    "waitlist_demand": "Wachtlijstvraag (inschrijvingen)",
    "waitlist_demand_people": "Wachtlijstvraag (personen)",
    "unique_participants": "Unieke deelnemers",
    "unique_organisations": "Unieke organisaties bereikt",
    "proeftuinen_visited": "Proeftuinen bezocht",
    "reports_published": "Bezoekverslagen gepubliceerd",
    "updates_published": "Projectupdates gepubliceerd",
    "practices_published": "Goede praktijken gepubliceerd",
    "contributions_submitted": "Bijdragen ingediend",
    "contributions_accepted": "Bijdragen aanvaard (gepubliceerd)",
    "recommendations": "Beleidsaanbevelingen (nieuwe draden)",
}
KEY_FIGURES = (
    "sessions_held",
    "sessions_planned",
    "sessions_cancelled",
    "registrations_confirmed",
    "registrations_waitlisted",
    "registrations_cancelled",
    "confirmed_past",
    "checked_in",
    "no_shows",
    "attendance",
    "waitlist_demand",
    "waitlist_demand_people",
    "unique_participants",
    "unique_organisations",
    "proeftuinen_visited",
    "reports_published",
    "updates_published",
    "practices_published",
    "contributions_submitted",
    "contributions_accepted",
    "recommendations",
)


def _key_figures_section(figures: Figures) -> Section:
    table = DataTable("kerncijfers", "Kerncijfers", ["Indicator", "Waarde", "Definitie"])
    for key in KEY_FIGURES:
        value = figures.attendance if key == "attendance" else getattr(figures, key)
        table.rows.append([LABELS[key], value, DEFINITIONS[key]])
    return Section(
        "kerncijfers",
        "Kerncijfers",
        "Alle cijfers van de gekozen periode en het gekozen niveau, met hun definitie.",
        table,
    )


def _sessions_section(by_kind: dict[str, tuple[int, int, int]]) -> Section:
    kinds = list(MEETING_KINDS) + sorted(set(by_kind) - set(MEETING_KINDS))
    table = DataTable(
        "sessies",
        "Sessies per soort",
        ["Soort", "Doorgegaan", "Gepland", "Geannuleerd", "Totaal"],
    )
    for kind in kinds:
        counts = by_kind.get(kind, (0, 0, 0))
        table.rows.append([MEETING_KIND_LABELS.get(kind, kind), *counts, sum(counts)])
    totals = [sum(counts[i] for counts in by_kind.values()) for i in range(3)]
    table.rows.append(["Totaal", *totals, sum(totals)])
    body = table.rows[:-1]
    chart = charts.bar_chart(
        "grafiek-sessies",
        "Sessies per soort: doorgegaan, gepland en geannuleerd",
        [row[0] for row in body],
        [
            charts.Series("Doorgegaan", [row[1] for row in body]),
            charts.Series("Gepland", [row[2] for row in body]),
            charts.Series("Geannuleerd", [row[3] for row in body]),
        ],
        table.caption,
    )
    return Section(
        "sessies",
        "Sessies per soort",
        "Sessies tellen in de periode waarin ze starten. Doorgegaan zijn ze pas als ze "
        "afgelopen zijn; wat nog moet komen, is gepland.",
        table,
        chart,
    )


def _registrations_section(figures: Figures) -> Section:
    table = DataTable("inschrijvingen", "Inschrijvingen per status", ["Status", "Aantal"])
    table.rows = [
        ["Bevestigd", figures.registrations_confirmed],
        ["Wachtlijst", figures.registrations_waitlisted],
        ["Geannuleerd", figures.registrations_cancelled],
        ["Wachtlijstvraag (nooit een plaats)", figures.waitlist_demand],
    ]
    chart = charts.bar_chart(
        "grafiek-inschrijvingen",
        "Inschrijvingen per status",
        [row[0] for row in table.rows],
        [charts.Series("Inschrijvingen", [row[1] for row in table.rows])],
        table.caption,
    )
    return Section(
        "inschrijvingen",
        "Inschrijvingen",
        "Inschrijvingen voor sessies die doorgingen. " + DEFINITIONS["waitlist_demand"],
        table,
        chart,
    )


def _attendance_section(figures: Figures) -> Section:
    table = DataTable("aanwezigheid", "Aanwezigheid bij afgelopen sessies", ["Indicator", "Aantal"])
    table.rows = [
        ["Bevestigd", figures.confirmed_past],
        ["Aanwezig", figures.checked_in],
        ["No-show", figures.no_shows],
        ["Aanwezigheidsgraad (%)", figures.attendance],
    ]
    chart = charts.bar_chart(
        "grafiek-aanwezigheid",
        "Aanwezig en no-shows bij afgelopen sessies",
        ["Aanwezig", "No-show"],
        [charts.Series("Personen", [figures.checked_in, figures.no_shows])],
        table.caption,
    )
    return Section(
        "aanwezigheid",
        "Aanwezigheid",
        DEFINITIONS["attendance"] + " " + DEFINITIONS["no_shows"],
        table,
        chart,
    )


def _levels_section(scope: Scope, by_level: dict[str | None, dict[str, int]]) -> Section:
    table = DataTable(
        "niveaus",
        "Per niveau",
        [
            "Niveau",
            "Sessies doorgegaan",
            "Sessies geannuleerd",
            "Bevestigde inschrijvingen",
            "Aanwezigheidsgraad (%)",
            "Unieke deelnemers",
            "Unieke organisaties",
        ],
    )
    levels: list[str | None] = [scope.level] if scope.level else [*LEVELS, None]
    for level in levels:
        row = by_level.get(level, {})
        table.rows.append(
            [
                LEVEL_LABELS.get(level, level) if level else NO_HOST_LABEL,
                row.get("held", 0),
                row.get("cancelled", 0),
                row.get("confirmed", 0),
                Rate(row.get("checked_in", 0), row.get("confirmed_past", 0)),
                row.get("people", 0),
                row.get("organisations", 0),
            ]
        )
    chart = charts.bar_chart(
        "grafiek-niveaus",
        "Unieke deelnemers en organisaties per niveau",
        [row[0] for row in table.rows],
        [
            charts.Series("Unieke deelnemers", [row[5] for row in table.rows]),
            charts.Series("Unieke organisaties", [row[6] for row in table.rows]),
        ],
        table.caption,
    )
    return Section(
        "niveaus",
        "Per niveau",
        "Het niveau van een sessie is het niveau van de proeftuin die ze organiseert. "
        "Sessies zonder proeftuin tellen enkel mee bij ‘alle niveaus’. Eén persoon kan op "
        "meer niveaus deelnemen: de unieke aantallen per niveau tellen niet op tot het "
        "totaal.",
        table,
        chart,
    )


def _quarters_section(scope: Scope, by_quarter: list[dict[str, int]]) -> Section:
    quarters = scope.period.quarters()
    table = DataTable(
        "kwartalen",
        "Verloop per kwartaal",
        [
            "Kwartaal",
            "Van",
            "Tot en met",
            "Sessies doorgegaan",
            "Sessies geannuleerd",
            "Bevestigde inschrijvingen",
            "Aanwezig",
            "Aanwezigheidsgraad (%)",
        ],
    )
    for quarter, row in zip(quarters, by_quarter, strict=True):
        table.rows.append(
            [
                quarter.label,
                quarter.first_day,
                quarter.last_day,
                row["held"],
                row["cancelled"],
                row["confirmed"],
                row["checked_in"],
                Rate(row["checked_in"], row["confirmed_past"]),
            ]
        )
    chart = charts.line_chart(
        "grafiek-kwartalen",
        "Sessies, inschrijvingen en aanwezigen per kwartaal",
        [q.label for q in quarters],
        [
            charts.Series("Sessies doorgegaan", [row["held"] for row in by_quarter]),
            charts.Series("Bevestigde inschrijvingen", [row["confirmed"] for row in by_quarter]),
            charts.Series("Aanwezig", [row["checked_in"] for row in by_quarter]),
        ],
        table.caption,
    )
    return Section(
        "kwartalen",
        "Verloop per kwartaal",
        "Kalenderkwartalen in Belgische tijd (K1 januari–maart, K2 april–juni, K3 juli–"
        "september, K4 oktober–december), afgekapt aan de gekozen periode.",
        table,
        chart,
    )


def _output_section(figures: Figures) -> Section:
    table = DataTable(
        "output", "Proeftuinen, verslagen, goede praktijken en bijdragen", ["Indicator", "Aantal"]
    )
    keys = [
        "proeftuinen_visited",
        "reports_published",
        "updates_published",
        "practices_published",
        "contributions_submitted",
        "contributions_accepted",
    ]
    table.rows = [[LABELS[key], getattr(figures, key)] for key in keys]
    chart = charts.bar_chart(
        "grafiek-output",
        "Proeftuinen bezocht, verslagen, goede praktijken en bijdragen",
        [row[0] for row in table.rows],
        [charts.Series("Aantal", [row[1] for row in table.rows])],
        table.caption,
    )
    return Section(
        "output",
        "Proeftuinen, verslagen, goede praktijken en bijdragen",
        " ".join(DEFINITIONS[key] for key in keys)
        + " Een goede praktijk heeft het niveau dat erbij staat, of anders dat van haar "
        "proeftuin; bezoeken, verslagen en bijdragen het niveau van hun proeftuin.",
        table,
        chart,
    )


def _recommendations_section(by_status: dict[str, int]) -> Section:
    statuses = list(RECOMMENDATION_STATUSES) + sorted(set(by_status) - set(RECOMMENDATION_STATUSES))
    table = DataTable("aanbevelingen", "Beleidsaanbevelingen per status", ["Status", "Aantal"])
    table.rows = [
        [RECOMMENDATION_STATUS_LABELS.get(status, status), by_status.get(status, 0)]
        for status in statuses
    ]
    table.rows.append(["Totaal", sum(by_status.values())])
    body = table.rows[:-1]
    chart = charts.bar_chart(
        "grafiek-aanbevelingen",
        "Beleidsaanbevelingen per status",
        [row[0] for row in body],
        [charts.Series("Draden", [row[1] for row in body])],
        table.caption,
    )
    return Section(
        "aanbevelingen",
        "Beleidsaanbevelingen",
        DEFINITIONS["recommendations"] + " Met hun huidige status; het niveau is dat van de "
        "aanbeveling zelf.",
        table,
        chart,
    )


def build_report(
    period: Period, level: str | None, viewer: Any, now: datetime | None = None
) -> IndicatorReport:
    """Compute every indicator for `period` and `level` as `viewer` may see the data."""
    scope = Scope(period=period, level=level or None, viewer=viewer, now=now or utcnow())
    by_kind = sessions_by_kind(scope)
    grid = registration_grid(scope)
    people = reach(scope)
    # Totals, levels and quarters are sums over the (level, quarter) grid: a few dozen
    # aggregated rows, never the registrations themselves.
    totals = _sum(list(grid.values()))
    by_level = {
        level: {
            **_sum([cell for (lvl, _), cell in grid.items() if lvl == level]),
            **people.get(level, {}),
        }
        for level in ([scope.level] if scope.level else REACH_SLICES)
    }
    by_quarter = [
        _sum([cell for (_, bucket), cell in grid.items() if bucket == index])
        for index in range(len(period.quarters()))
    ]
    figures = Figures(
        sessions_held=totals["held"],
        sessions_planned=totals["planned"],
        sessions_cancelled=totals["cancelled"],
        registrations_confirmed=totals["confirmed"],
        registrations_waitlisted=totals["waitlisted"],
        registrations_cancelled=totals["registrations_cancelled"],
        confirmed_past=totals["confirmed_past"],
        checked_in=totals["checked_in"],
        no_shows=totals["confirmed_past"] - totals["checked_in"],
        waitlist_demand=totals["waitlist_demand"],
        waitlist_demand_people=people["all"]["waited"],
        unique_participants=people["all"]["people"],
        unique_organisations=people["all"]["organisations"],
        **output_figures(scope),
    )
    by_status = recommendations_by_status(scope)
    figures.recommendations = sum(by_status.values())
    report = IndicatorReport(
        period=period, level=scope.level, generated_at=scope.now, figures=figures
    )
    report.sections = [
        _key_figures_section(figures),
        _sessions_section(by_kind),
        _registrations_section(figures),
        _attendance_section(figures),
        _levels_section(scope, by_level),
        _quarters_section(scope, by_quarter),
        _output_section(figures),
        _recommendations_section(by_status),
        satisfaction_section(period, scope.level, viewer),
    ]
    return report


def export_table(
    name: str, period: Period, level: str | None, viewer: Any, now: datetime | None = None
) -> tuple[str, bytes] | None:
    """One table of the report as Excel-safe CSV: (file name, bytes), or None if unknown."""
    if name not in TABLE_NAMES:
        return None
    report = build_report(period, level, viewer, now)
    suffix = f"-{level}" if level else ""
    filename = f"indicatoren-{name}-{period.key}{suffix}.csv"
    return filename, report.section(name).table.csv_bytes()


def first_year(default: int) -> int:
    """The calendar year of the oldest session, to offer periods from; `default` if none."""
    oldest = db.session.scalar(select(func.min(Meeting.starts_at)))
    if oldest is None:
        return default
    return min(to_local(oldest).year, default)

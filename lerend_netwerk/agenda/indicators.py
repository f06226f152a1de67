"""The session and registration figures of the indicators (see `indicators.service` for
the rules). Every figure comes from a GROUP BY / COUNT / CASE query.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
)

from lerend_netwerk.agenda.models import MEETING_KIND_LABELS, MEETING_KINDS, Meeting, Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators.figures import Figure
from lerend_netwerk.indicators.sql import count_distinct_if, count_if, flag
from lerend_netwerk.levels import LEVELS
from lerend_netwerk.proeftuinen.models import Organisation, Proeftuin
from lerend_netwerk.timeutil import to_local

Scope = Any  # indicators.figures.Scope: period, level, network_id, viewer, now

# The key figures `session_indicators` counts, as the indicators page names them.
SESSION_FIGURES = (
    Figure(
        "sessions_held",
        "Sessies doorgegaan",
        "Sessies die in de periode startten, afgelopen zijn en niet geannuleerd werden.",
        order=100,
    ),
    Figure(
        "sessions_planned",
        "Sessies gepland",
        "Sessies die in de periode starten, niet geannuleerd zijn en nog niet afgelopen zijn.",
        order=101,
    ),
    Figure(
        "sessions_cancelled",
        "Sessies geannuleerd",
        "Sessies die in de periode zouden starten maar geannuleerd zijn.",
        order=102,
    ),
    Figure(
        "registrations_confirmed",
        "Bevestigde inschrijvingen",
        (
            "Inschrijvingen met een bevestigde plaats, voor sessies die niet geannuleerd zijn "
            "(afgelopen of gepland)."
        ),
        order=103,
    ),
    Figure(
        "registrations_waitlisted",
        "Inschrijvingen op de wachtlijst",
        "Inschrijvingen die nu op de wachtlijst staan.",
        order=104,
    ),
    Figure(
        "registrations_cancelled",
        "Geannuleerde inschrijvingen",
        "Inschrijvingen die uitgeschreven zijn.",
        order=105,
    ),
    Figure(
        "confirmed_past",
        "Bevestigd voor afgelopen sessies",
        "Bevestigde inschrijvingen voor sessies die al afgelopen zijn.",
        order=106,
    ),
    Figure(
        "checked_in",
        "Aanwezig (ingecheckt)",
        "Bevestigde inschrijvingen voor afgelopen sessies met een check-in.",
        order=107,
    ),
    Figure(
        "no_shows",
        "No-shows",
        "Bevestigd voor een afgelopen sessie, maar niet ingecheckt.",
        order=108,
    ),
    Figure(
        "attendance",
        "Aanwezigheidsgraad (%)",
        "Aanwezig gedeeld door bevestigd, enkel voor afgelopen sessies.",
        order=109,
        rate=("checked_in", "confirmed_past"),
    ),
    Figure(
        "waitlist_demand",
        "Wachtlijstvraag (inschrijvingen)",
        (
            "Inschrijvingen die geen plaats kregen: nog op de wachtlijst van een afgelopen sessie, "
            "of uitgeschreven zonder ooit een plaats te hebben gehad."
        ),
        order=110,
    ),
    Figure(
        "waitlist_demand_people",
        "Wachtlijstvraag (personen)",
        "Verschillende personen achter de wachtlijstvraag.",
        order=111,
    ),
    Figure(
        "unique_participants",
        "Unieke deelnemers",
        (
            "Verschillende personen met minstens één bevestigde inschrijving, leden, gasten en wie "
            "ter plaatse werd toegevoegd: herkend aan het e-mailadres, of aan naam en organisatie."
        ),
        order=112,
    ),
    Figure(
        "unique_organisations",
        "Unieke organisaties bereikt",
        (
            "Verschillende organisaties van die personen (personen zonder organisatie tellen niet "
            "mee; voor gasten de organisatie die ze opgaven)."
        ),
        order=113,
    ),
)


def _meetings(scope: Scope, *columns: Any) -> Select:
    """SELECT columns FROM meeting LEFT JOIN its host, for sessions in scope."""
    query = (
        select(*columns)
        .select_from(Meeting)
        .outerjoin(Proeftuin, Meeting.host_id == Proeftuin.id)
        .where(
            Meeting.starts_at >= scope.period.starts,
            Meeting.starts_at < scope.period.ends,
            scope.visible(Meeting),
        )
    )
    if scope.level:
        query = query.where(Proeftuin.level == scope.level)
    if scope.network_id is not None:
        query = query.where(Meeting.network_id == scope.network_id)
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
        scope.visible(Meeting),
    )
    if scope.network_id is not None:
        held_in_scope = held_in_scope.where(Meeting.network_id == scope.network_id)
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
            flag(Meeting.status != "cancelled").label("not_cancelled"),
            flag(_ended(scope)).label("past"),
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
        counts = [int(v or 0) for v in values[:8]]
        # Waiting-list demand: cancelled without a seat, and still waiting once ended.
        demand = int(values[8] or 0) + int(values[9] or 0)
        grid[(level, int(bucket))] = dict(zip(GRID_MEASURES, (*counts, demand), strict=True))
    return grid


def _sum(cells: list[dict[str, int]]) -> dict[str, int]:
    return {m: sum(cell[m] for cell in cells) for m in GRID_MEASURES}


REACH_SLICES: tuple[str | None, ...] = (*LEVELS, None)


def _person_and_organisation() -> tuple[ColumnElement[str], ColumnElement[str]]:
    """Who a registration is, for counting unique people, members and guests alike:
    the address (a member and a guest with one address are one person), else the
    member, else a walk-in's name and organisation, else (erased) the row itself. And
    the organisation: the member's, or the name a guest typed (case-insensitive, so a
    guest from "Hogeschool X" and a member of Hogeschool X count once)."""
    person = case(
        (Registration.email_key.is_not(None), literal("email:") + Registration.email_key),
        (
            Registration.user_id.is_not(None),
            literal("member:") + cast(Registration.user_id, String),
        ),
        (
            Registration.guest_name.is_not(None),
            literal("name:")
            + func.lower(func.trim(Registration.guest_name))
            + literal("|")
            + func.lower(func.trim(func.coalesce(Registration.guest_organisation, ""))),
        ),
        else_=literal("row:") + cast(Registration.id, String),
    )
    organisation = func.coalesce(
        func.lower(Organisation.title),
        func.lower(func.nullif(func.trim(Registration.guest_organisation), "")),
    )
    return person, organisation


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

    person, organisation_key = _person_and_organisation()
    people = (
        _held_registrations(
            scope,
            person.label("person"),
            func.max(organisation_key).label("organisation"),
            func.max(flag(confirmed)).label("participant"),
            func.max(flag(demand)).label("waited"),
            *(
                func.max(flag(and_(confirmed, at_level(level)))).label(f"at_{i}")
                for i, level in enumerate(slices)
            ),
        )
        .outerjoin(User, User.id == Registration.user_id)
        .outerjoin(Organisation, Organisation.id == User.organisation_id)
        .group_by(person)
        .subquery("people")
    )
    organisation = people.c.organisation
    columns = [
        count_if(people.c.participant == 1),
        count_distinct_if(people.c.participant == 1, organisation),
        count_if(people.c.waited == 1),
    ]
    for i in range(len(slices)):
        at = people.c[f"at_{i}"] == 1
        columns += [count_if(at), count_distinct_if(at, organisation)]
    row = db.session.execute(select(*columns).select_from(people)).one()
    result: dict[str | None, dict[str, int]] = {
        "all": {"people": row[0], "organisations": row[1], "waited": row[2]}
    }
    for i, level in enumerate(slices):
        result[level] = {"people": row[3 + 2 * i], "organisations": row[4 + 2 * i]}
    if scope.level:
        result[scope.level] = result["all"]
    return result


def session_indicators(scope: Scope) -> dict[str, Any]:
    """The session figures, and the rows of the sessions, levels and quarters tables."""
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
        for index in range(len(scope.period.quarters()))
    ]
    kinds = list(MEETING_KINDS) + sorted(set(by_kind) - set(MEETING_KINDS))
    return {
        "sessions_held": totals["held"],
        "sessions_planned": totals["planned"],
        "sessions_cancelled": totals["cancelled"],
        "registrations_confirmed": totals["confirmed"],
        "registrations_waitlisted": totals["waitlisted"],
        "registrations_cancelled": totals["registrations_cancelled"],
        "confirmed_past": totals["confirmed_past"],
        "checked_in": totals["checked_in"],
        "no_shows": totals["confirmed_past"] - totals["checked_in"],
        "waitlist_demand": totals["waitlist_demand"],
        "waitlist_demand_people": people["all"]["waited"],
        "unique_participants": people["all"]["people"],
        "unique_organisations": people["all"]["organisations"],
        # (label, held, planned, cancelled) per kind of session, the known kinds first.
        "sessions_by_kind": [
            (MEETING_KIND_LABELS.get(kind, kind), *by_kind.get(kind, (0, 0, 0))) for kind in kinds
        ],
        "by_level": by_level,
        "by_quarter": by_quarter,
    }


def first_year() -> int | None:
    """The calendar year of the oldest session; None without sessions."""
    oldest = db.session.scalar(select(func.min(Meeting.starts_at)))
    return to_local(oldest).year if oldest is not None else None

"""Satisfaction for the indicators page: the average score per kind of session and quarter."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import select

from lerend_netwerk.agenda.models import MEETING_KIND_LABELS, MEETING_KINDS, Meeting
from lerend_netwerk.evaluations.models import Evaluation
from lerend_netwerk.extensions import db
from lerend_netwerk.proeftuinen.models import Proeftuin
from lerend_netwerk.timeutil import LOCALE, to_local
from lerend_netwerk.visibility import visible_clause

TABLE_NAME = "tevredenheid"


def average_text(value: float | None) -> str | None:
    """4.25 -> '4,3' (nl-BE); None when there are no answers."""
    return None if value is None else format_decimal(value, "0.0", locale=LOCALE)


def satisfaction(period: Any, level: str | None, viewer: Any) -> dict[tuple[str, int], list[int]]:
    """{(kind, quarter index): [scores]} for answered evaluations of sessions in `period`."""
    query = (
        select(Meeting.kind, Meeting.starts_at, Evaluation.score)
        .join(Evaluation, Evaluation.meeting_id == Meeting.id)
        .outerjoin(Proeftuin, Meeting.host_id == Proeftuin.id)
        .where(
            Evaluation.score.is_not(None),
            Meeting.status != "cancelled",
            Meeting.starts_at >= period.starts,
            Meeting.starts_at < period.ends,
            visible_clause(Meeting, viewer),
        )
    )
    if level:
        query = query.where(Proeftuin.level == level)
    quarters = period.quarters()
    found: dict[tuple[str, int], list[int]] = {}
    for kind, starts_at, score in db.session.execute(query):
        day = to_local(starts_at).date()
        index = next(i for i, q in enumerate(quarters) if q.first_day <= day <= q.last_day)
        found.setdefault((kind, index), []).append(score)
    return found


def satisfaction_section(period: Any, level: str | None, viewer: Any) -> Any:
    """The "Tevredenheid" section: answers and average per kind, and per quarter."""
    from lerend_netwerk.indicators.service import Section
    from lerend_netwerk.indicators.tables import DataTable

    scores = satisfaction(period, level, viewer)
    quarters = period.quarters()
    table = DataTable(
        TABLE_NAME,
        "Tevredenheid per soort sessie (gemiddelde score op 5)",
        ["Soort", "Antwoorden", "Gemiddelde", *[q.label for q in quarters]],
    )
    kinds = list(MEETING_KINDS) + sorted({k for k, _ in scores} - set(MEETING_KINDS))

    def mean(values: list[int]) -> str | None:
        return average_text(sum(values) / len(values)) if values else None

    for kind in kinds:
        per_quarter = [scores.get((kind, i), []) for i in range(len(quarters))]
        everything = [s for values in per_quarter for s in values]
        if not everything:
            continue
        table.rows.append(
            [
                MEETING_KIND_LABELS.get(kind, kind),
                len(everything),
                mean(everything),
                *[mean(values) for values in per_quarter],
            ]
        )
    all_scores = [s for values in scores.values() for s in values]
    table.rows.append(
        [
            "Alle sessies",
            len(all_scores),
            mean(all_scores),
            *[
                mean([s for (_, i), values in scores.items() if i == index for s in values])
                for index in range(len(quarters))
            ],
        ]
    )
    return Section(
        TABLE_NAME,
        "Tevredenheid",
        "De scores (1 tot 5) die deelnemers gaven in de evaluatie na de sessie, per soort "
        "sessie en per kwartaal waarin de sessie startte. Enkel beantwoorde vragenlijsten "
        "tellen.",
        table,
    )

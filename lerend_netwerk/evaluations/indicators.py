"""Satisfaction for the indicators page: the average score per kind of session and quarter.

The `indicators` hook of the evaluations' content type: rows for the "Tevredenheid"
table (indicators/sections.py), computed for the indicators' scope.
"""

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

ALL_SESSIONS_LABEL = "Alle sessies"


def average_text(values: list[int]) -> str | None:
    """[4, 5] -> '4,5' (nl-BE); None when there are no answers."""
    if not values:
        return None
    return format_decimal(sum(values) / len(values), "0.0", locale=LOCALE)


def _scores(scope: Any) -> dict[tuple[str, int], list[int]]:
    """{(kind, quarter index): [scores]} for answered evaluations of sessions in scope."""
    period = scope.period
    query = (
        select(Meeting.kind, Meeting.starts_at, Evaluation.score)
        .join(Evaluation, Evaluation.meeting_id == Meeting.id)
        .outerjoin(Proeftuin, Meeting.host_id == Proeftuin.id)
        .where(
            Evaluation.score.is_not(None),
            Meeting.status != "cancelled",
            Meeting.starts_at >= period.starts,
            Meeting.starts_at < period.ends,
            visible_clause(Meeting, scope.viewer),
        )
    )
    if scope.level:
        query = query.where(Proeftuin.level == scope.level)
    if scope.network_id is not None:
        query = query.where(Meeting.network_id == scope.network_id)
    quarters = period.quarters()
    found: dict[tuple[str, int], list[int]] = {}
    for kind, starts_at, score in db.session.execute(query):
        day = to_local(starts_at).date()
        index = next(i for i, q in enumerate(quarters) if q.first_day <= day <= q.last_day)
        found.setdefault((kind, index), []).append(score)
    return found


def satisfaction_indicators(scope: Any) -> dict[str, Any]:
    """The rows of the satisfaction table: (label, answers, average, [average per quarter])
    per kind with answers, then all sessions; and the quarters' labels."""
    scores = _scores(scope)
    quarters = scope.period.quarters()
    kinds = list(MEETING_KINDS) + sorted({k for k, _ in scores} - set(MEETING_KINDS))
    rows = []
    for kind in kinds:
        per_quarter = [scores.get((kind, i), []) for i in range(len(quarters))]
        everything = [s for values in per_quarter for s in values]
        if everything:
            label = MEETING_KIND_LABELS.get(kind, kind)
            rows.append(
                (
                    label,
                    len(everything),
                    average_text(everything),
                    [average_text(v) for v in per_quarter],
                )
            )
    all_scores = [s for values in scores.values() for s in values]
    per_quarter = [
        [s for (_, i), values in scores.items() if i == index for s in values]
        for index in range(len(quarters))
    ]
    rows.append(
        (
            ALL_SESSIONS_LABEL,
            len(all_scores),
            average_text(all_scores),
            [average_text(v) for v in per_quarter],
        )
    )
    return {"satisfaction_quarters": [q.label for q in quarters], "satisfaction_by_kind": rows}

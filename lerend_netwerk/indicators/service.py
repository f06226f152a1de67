"""The indicators: every figure aggregated in SQL for one period and level.

Rules (also shown on the page, under "Werkwijze"):
- A session belongs to the period in which it starts. Its level is the level of its
  host proeftuin; a session without a host counts only under "alle niveaus".
- "Doorgegaan" means not cancelled and ended; a session that has not ended yet is
  "gepland".
- Registrations, attendance and participants count for sessions that were held (not
  cancelled), members, guests and walk-ins alike; unconfirmed guest requests do not
  count. "Afgelopen" means the session has ended.
- Waiting-list demand: registrations that never got a seat since they were (last)
  made, i.e. `confirmed_at` is empty or older than `registered_at`, and that either
  are still on the waiting list of a session that has ended, or were cancelled.
- Published means status "published", dated by `published_at` (or `created_at` when
  that is missing); drafts never count. Visits are dated by the visit date. Imported
  content carries its own publication date (the content key `published`).
- A project update from a proeftuin is not a visit: it counts as a project update.
- The same visibility rule as the pages (`visible_clause`) applies to every query.
- A network's figures count its own sessions, practices, threads and proeftuinen (and
  the registrations, evaluations, visit reports and contributions that belong to them);
  the installation's are the sum of every network's. A network coordinator sees their
  networks' figures, an administrator also the installation's.

Every figure comes from a GROUP BY / COUNT / COUNT(DISTINCT) / CASE query; Python only
arranges the handful of aggregated rows into tables and charts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lerend_netwerk.core.content_types import content_types
from lerend_netwerk.core.errors import ForbiddenError
from lerend_netwerk.db import utcnow
from lerend_netwerk.indicators import sections
from lerend_netwerk.indicators.figures import (  # noqa: F401  (the indicators' vocabulary)
    ALL_LEVELS_LABEL,
    INSTALLATION_LABEL,
    TABLE_NAMES,
    Figure,
    Figures,
    IndicatorReport,
    Scope,
    Section,
    figure,
    registered_figures,
)
from lerend_netwerk.indicators.periods import Period
from lerend_netwerk.networks.access import coordinated_network_list
from lerend_netwerk.visibility import is_admin


def networks_for(viewer: Any) -> list[Any]:
    """The networks whose figures `viewer` may see (the ones they coordinate, in order);
    an administrator may also count the whole installation (`network=None`).
    ForbiddenError when they coordinate none."""
    networks = coordinated_network_list(viewer)
    if not networks:
        raise ForbiddenError("Alleen coördinatoren van een netwerk zien de indicatoren.")
    return networks


def may_count_installation(viewer: Any) -> bool:
    """Whether `viewer` sees the installation's totals (every network together)."""
    return is_admin(viewer)


def build_report(
    period: Period,
    level: str | None,
    viewer: Any,
    now: datetime | None = None,
    network: Any = None,
) -> IndicatorReport:
    """Compute every indicator for `period` and `level` as `viewer` may see the data, in
    one network or, with None, the whole installation.

    Each content type counts its own (`indicators` in its `content_type.py`): figures by
    name (the key figures it declares in `figures`), and the rows of the tables that
    break them down.
    """
    scope = Scope(
        period=period,
        level=level or None,
        viewer=viewer,
        now=now or utcnow(),
        network_id=network.id if network is not None else None,
    )
    counts: dict[str, Any] = {}
    for content_type in content_types.with_hook("indicators"):
        counts.update(content_type.indicators(scope))
    figures = Figures(counts)
    report = IndicatorReport(
        period=period,
        level=scope.level,
        generated_at=scope.now,
        figures=figures,
        network_label=network.title if network is not None else INSTALLATION_LABEL,
    )
    report.sections = [
        sections.key_figures_section(figures),
        sections.sessions_section(counts.get("sessions_by_kind", [])),
        sections.registrations_section(figures),
        sections.attendance_section(figures),
        sections.levels_section(scope, counts.get("by_level", {})),
        sections.quarters_section(scope, counts["by_quarter"]),
        sections.output_section(figures),
        sections.recommendations_section(counts.get("recommendations_by_status", [])),
        sections.satisfaction_section(
            counts.get("satisfaction_quarters", []), counts.get("satisfaction_by_kind", [])
        ),
    ]
    return report


def export_table(
    name: str,
    period: Period,
    level: str | None,
    viewer: Any,
    now: datetime | None = None,
    network: Any = None,
) -> tuple[str, bytes] | None:
    """One table of the report as Excel-safe CSV: (file name, bytes), or None if unknown."""
    if name not in TABLE_NAMES:
        return None
    report = build_report(period, level, viewer, now, network)
    # Named after the network unless it is the default one (as with one network).
    named = network is not None and not network.is_default
    suffix = (f"-{network.slug}" if named else "") + (f"-{level}" if level else "")
    filename = f"indicatoren-{name}-{period.key}{suffix}.csv"
    return filename, report.section(name).table.csv_bytes()


def first_year(default: int) -> int:
    """The calendar year of the oldest data, to offer periods from; `default` if none."""
    years = [ct.oldest_year() for ct in content_types.with_hook("oldest_year")]
    return min([year for year in years if year is not None] + [default])

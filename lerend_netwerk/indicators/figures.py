"""What the indicators are: the scope they are computed for, the figures (each declared,
with its name and definition, by the content type that counts it) and the report they
make."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement

from lerend_netwerk.core.content_types import content_types
from lerend_netwerk.indicators import charts
from lerend_netwerk.indicators.periods import Period
from lerend_netwerk.indicators.tables import DataTable, Rate
from lerend_netwerk.levels import LEVEL_LABELS
from lerend_netwerk.visibility import visible_clause

ALL_LEVELS_LABEL = "Alle niveaus"
INSTALLATION_LABEL = "Alle netwerken samen"
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


@dataclass(frozen=True)
class Scope:
    """What is being counted: a period, a level (None: all levels), for whom, when, and
    in which network (`network_id`; None: the whole installation)."""

    period: Period
    level: str | None
    viewer: Any
    now: datetime
    network_id: int | None = None

    def visible(self, model: Any) -> ColumnElement[bool]:
        """Rows of `model` the viewer may see (the network is chosen among the ones they
        coordinate: `indicators.service.networks_for`; each hook filters on it)."""
        return visible_clause(model, self.viewer)


@dataclass(frozen=True)
class Figure:
    """A key figure of the indicators, declared by the content type that counts it (its
    `figures`): the count its `indicators(scope)` returns under `name`, or with `rate` the
    share of one figure in another (numerator, denominator) as a `Rate`.

    The key figures table lists every registered figure by `order` (a hundred per kind:
    the sessions' 100–113, the visit reports' 200–202, … the recommendations' 600), with
    `label` and `definition`; one with `output` is also a row of the table of what the
    proeftuinen made (`sections.output_section`).
    """

    name: str
    label: str
    definition: str
    order: int
    rate: tuple[str, str] | None = None
    output: bool = False


def registered_figures() -> tuple[Figure, ...]:
    """Every registered content type's figures, by `order`."""
    return _figures(content_types.version)


@cache
def _figures(version: int) -> tuple[Figure, ...]:
    found = [figure for content_type in content_types for figure in content_type.figures]
    return tuple(sorted(found, key=lambda figure: figure.order))


def figure(name: str) -> Figure:
    """The registered figure `name` (KeyError: no content type declares it)."""
    for found in registered_figures():
        if found.name == name:
            return found
    raise KeyError(name)


class Figures:
    """The key figures of one period and level, by name: `figures.sessions_held`, and a
    rate figure as a `Rate` (`figures.attendance`). A count nobody made is 0."""

    def __init__(self, counts: Mapping[str, Any] | None = None) -> None:
        counts = counts or {}
        self._figures = {figure.name: figure for figure in registered_figures()}
        self._counts: dict[str, int] = {
            name: counts.get(name, 0) for name, figure in self._figures.items() if not figure.rate
        }

    def value(self, name: str) -> int | Rate:
        rate = self._figures[name].rate
        if rate is not None:
            numerator, denominator = rate
            return Rate(self._counts[numerator], self._counts[denominator])
        return self._counts[name]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self.value(name)
        except KeyError:
            raise AttributeError(f"no figure {name!r} is registered") from None

    def as_dict(self) -> dict[str, int]:
        """The counts (not the rates), by name."""
        return dict(self._counts)


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
    # The network counted, or the whole installation.
    network_label: str = ""

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level) if self.level else ALL_LEVELS_LABEL

    def section(self, name: str) -> Section:
        return next(s for s in self.sections if s.name == name)

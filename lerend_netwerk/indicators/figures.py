"""What the indicators are: the scope they are computed for, the figures, their names and
definitions, and the report they make."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement

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
    products_published: int = 0
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
    # The network counted, or the whole installation.
    network_label: str = ""

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS.get(self.level, self.level) if self.level else ALL_LEVELS_LABEL

    def section(self, name: str) -> Section:
        return next(s for s in self.sections if s.name == name)


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
    "unique_participants": "Verschillende personen met minstens één bevestigde inschrijving, "
    "leden, gasten en wie ter plaatse werd toegevoegd: herkend aan het e-mailadres, of aan "
    "naam en organisatie.",
    "unique_organisations": "Verschillende organisaties van die personen (personen zonder "
    "organisatie tellen niet mee; voor gasten de organisatie die ze opgaven).",
    "proeftuinen_visited": "Verschillende proeftuinen met een bezoek (ook met een "
    "ontwerpverslag) in de periode; projectupdates zijn geen bezoek.",
    "reports_published": "Bezoekverslagen gepubliceerd in de periode; ontwerpen tellen niet.",
    "updates_published": "Projectupdates van proeftuinen, aanvaard en gepubliceerd in de periode.",
    "practices_published": "Goede praktijken gepubliceerd in de periode; ontwerpen tellen niet.",
    "products_published": "Producten (productenmarkt) gepubliceerd in de periode; concepten "
    "tellen niet.",
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
    "products_published": "Producten gepubliceerd",
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
    "products_published",
    "contributions_submitted",
    "contributions_accepted",
    "recommendations",
)

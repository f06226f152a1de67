"""The sections of the indicators page: a table, its definition and maybe a chart each."""

from __future__ import annotations

from lerend_netwerk.indicators import charts
from lerend_netwerk.indicators.figures import (
    NO_HOST_LABEL,
    Figures,
    Scope,
    Section,
    figure,
    registered_figures,
)
from lerend_netwerk.indicators.tables import DataTable, Rate
from lerend_netwerk.levels import LEVEL_LABELS, LEVELS


def key_figures_section(figures: Figures) -> Section:
    table = DataTable("kerncijfers", "Kerncijfers", ["Indicator", "Waarde", "Definitie"])
    for key in registered_figures():
        table.rows.append([key.label, figures.value(key.name), key.definition])
    return Section(
        "kerncijfers",
        "Kerncijfers",
        "Alle cijfers van de gekozen periode en het gekozen niveau, met hun definitie.",
        table,
    )


def sessions_section(by_kind: list[tuple[str, int, int, int]]) -> Section:
    table = DataTable(
        "sessies",
        "Sessies per soort",
        ["Soort", "Doorgegaan", "Gepland", "Geannuleerd", "Totaal"],
    )
    for label, *counts in by_kind:
        table.rows.append([label, *counts, sum(counts)])
    totals = [sum(row[1 + i] for row in by_kind) for i in range(3)]
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


def registrations_section(figures: Figures) -> Section:
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
        "Inschrijvingen voor sessies die doorgingen. " + figure("waitlist_demand").definition,
        table,
        chart,
    )


def attendance_section(figures: Figures) -> Section:
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
        figure("attendance").definition + " " + figure("no_shows").definition,
        table,
        chart,
    )


def levels_section(scope: Scope, by_level: dict[str | None, dict[str, int]]) -> Section:
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


def quarters_section(scope: Scope, by_quarter: list[dict[str, int]]) -> Section:
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


def output_section(figures: Figures) -> Section:
    table = DataTable(
        "output",
        "Proeftuinen, verslagen, goede praktijken, producten en bijdragen",
        ["Indicator", "Aantal"],
    )
    keys = [key for key in registered_figures() if key.output]
    table.rows = [[key.label, figures.value(key.name)] for key in keys]
    chart = charts.bar_chart(
        "grafiek-output",
        "Proeftuinen bezocht, verslagen, goede praktijken, producten en bijdragen",
        [row[0] for row in table.rows],
        [charts.Series("Aantal", [row[1] for row in table.rows])],
        table.caption,
    )
    return Section(
        "output",
        "Proeftuinen, verslagen, goede praktijken, producten en bijdragen",
        " ".join(key.definition for key in keys)
        + " Een goede praktijk en een product hebben het niveau dat erbij staat, of anders "
        "dat van hun proeftuin; bezoeken, verslagen en bijdragen het niveau van hun proeftuin.",
        table,
        chart,
    )


def recommendations_section(by_status: list[tuple[str, int]]) -> Section:
    table = DataTable("aanbevelingen", "Beleidsaanbevelingen per status", ["Status", "Aantal"])
    table.rows = [[label, count] for label, count in by_status]
    table.rows.append(["Totaal", sum(count for _, count in by_status)])
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
        figure("recommendations").definition + " Met hun huidige status; het niveau is dat van de "
        "aanbeveling zelf.",
        table,
        chart,
    )


def satisfaction_section(
    quarters: list[str], by_kind: list[tuple[str, int, str | None, list[str | None]]]
) -> Section:
    """The scores attendees gave in the evaluation after a session (evaluations' hook)."""
    table = DataTable(
        "tevredenheid",
        "Tevredenheid per soort sessie (gemiddelde score op 5)",
        ["Soort", "Antwoorden", "Gemiddelde", *quarters],
    )
    for label, answers, average, per_quarter in by_kind:
        table.rows.append([label, answers, average, *per_quarter])
    return Section(
        "tevredenheid",
        "Tevredenheid",
        "De scores (1 tot 5) die deelnemers gaven in de evaluatie na de sessie, per soort "
        "sessie en per kwartaal waarin de sessie startte. Enkel beantwoorde vragenlijsten "
        "tellen.",
        table,
    )

"""The period, level and network chooser: a GET form without CSRF (it changes nothing)."""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import DateField, SelectField
from wtforms.meta import DefaultMeta
from wtforms.validators import Optional, ValidationError

from lerend_netwerk.core.forms import Form
from lerend_netwerk.indicators import periods
from lerend_netwerk.indicators.figures import INSTALLATION_LABEL
from lerend_netwerk.levels import LEVEL_LABELS


class PeriodForm(Form):
    """Choose an academic year, a calendar year or an own range, a level, and the network
    (one the viewer coordinates, or for an administrator every network together)."""

    class Meta:
        csrf = False
        locales = ("nl_BE", "nl")

        def get_translations(self, form):
            # WTForms' own Dutch messages ("Geen geldige datum"), without Flask-Babel.
            return DefaultMeta.get_translations(self, form)

    soort = SelectField(
        "Soort periode",
        choices=list(periods.KINDS.items()),
        default=periods.ACADEMIC,
        validate_choice=False,
    )
    academiejaar = SelectField("Academiejaar", validate_choice=False)
    jaar = SelectField("Kalenderjaar", validate_choice=False)
    van = DateField("Van", validators=[Optional()])
    tot = DateField("Tot en met", validators=[Optional()])
    niveau = SelectField(
        "Niveau",
        choices=[("", "Alle niveaus"), *LEVEL_LABELS.items()],
        default="",
        validate_choice=False,
    )
    netwerk = SelectField("Netwerk", validate_choice=False)

    def __init__(
        self,
        formdata: Any,
        first_year: int,
        today: date,
        networks: list[Any] = (),  # type: ignore[assignment]
        installation: bool = True,
    ) -> None:
        current = periods.academic_start_year(today)
        self._networks = {network.slug: network for network in networks}
        choices = [(network.slug, network.title) for network in networks]
        if installation:
            choices.insert(0, ("", INSTALLATION_LABEL))
        super().__init__(
            formdata=formdata,
            academiejaar=periods.academic_year_label(current),
            jaar=str(today.year),
            netwerk=choices[0][0] if choices else "",
        )
        self.netwerk.choices = choices
        # At least ten years back, further when the data goes further back.
        start = min(first_year - 1, current - 10)
        self.academiejaar.choices = [
            (periods.academic_year_label(y), periods.academic_year_label(y))
            for y in range(current + 1, start - 1, -1)
        ]
        self.jaar.choices = [(str(y), str(y)) for y in range(today.year + 1, start - 1, -1)]

    @staticmethod
    def _check_choice(field: SelectField, message: str) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError(message)

    def validate_soort(self, field: SelectField) -> None:
        self._check_choice(field, "Kies academiejaar, kalenderjaar of een eigen periode.")

    def validate_academiejaar(self, field: SelectField) -> None:
        if self.soort.data == periods.ACADEMIC:
            self._check_choice(field, "Kies een academiejaar uit de lijst.")

    def validate_jaar(self, field: SelectField) -> None:
        if self.soort.data == periods.CALENDAR:
            self._check_choice(field, "Kies een kalenderjaar uit de lijst.")

    def validate_niveau(self, field: SelectField) -> None:
        self._check_choice(field, "Kies een niveau uit de lijst.")

    def validate_netwerk(self, field: SelectField) -> None:
        self._check_choice(field, "Kies een netwerk uit de lijst.")

    def validate(self, extra_validators: Any = None) -> bool:
        """Field checks, then the range of an own period (which needs both dates)."""
        valid = super().validate(extra_validators)
        if self.soort.data != periods.CUSTOM or self.van.errors or self.tot.errors:
            return valid
        if self.van.data is None or self.tot.data is None:
            self.tot.errors.append("Vul voor een eigen periode beide datums in.")
        elif self.tot.data < self.van.data:
            self.tot.errors.append("De einddatum ligt voor de begindatum.")
        elif (self.tot.data - self.van.data).days > periods.MAX_CUSTOM_DAYS:
            self.tot.errors.append("Kies een periode van hoogstens 25 jaar.")
        else:
            return valid
        return False

    def period(self) -> periods.Period:
        """The chosen period; call after a successful validate()."""
        if self.soort.data == periods.CALENDAR:
            return periods.calendar_year(int(self.jaar.data))
        if self.soort.data == periods.CUSTOM:
            return periods.custom(self.van.data, self.tot.data)
        return periods.academic_year(periods.parse_academic_year(self.academiejaar.data))

    def level(self) -> str | None:
        return self.niveau.data or None

    def network(self) -> Any:
        """The chosen network, or None for every network together."""
        return self._networks.get(self.netwerk.data or "")

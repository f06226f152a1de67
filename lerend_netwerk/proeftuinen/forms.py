"""The visit-report form: one text area per template section."""

from __future__ import annotations

from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lerend_netwerk.core.forms import MARKDOWN_EDITOR, Form, slug_field, visibility_field
from lerend_netwerk.proeftuinen.models import REPORT_SECTIONS
from lerend_netwerk.proeftuinen.sections import PREAMBLE, field_name

# The example a visit report's slug gives (a contribution accepted as a report too).
REPORT_SLUG_EXAMPLE = "bezoek-2022-leie"
SECTION_MAX = 20_000


class ReportForm(Form):
    title = StringField("Titel", validators=[DataRequired(), Length(max=200)])
    slug = slug_field(example=REPORT_SLUG_EXAMPLE)
    proeftuin = SelectField("Proeftuin", validators=[DataRequired()], choices=[])
    visited = DateField("Datum van het bezoek", validators=[DataRequired()])
    visibility = visibility_field("Zichtbaarheid", default="members")
    intro = TextAreaField(
        "Inleiding", validators=[Optional(), Length(max=SECTION_MAX)], render_kw=MARKDOWN_EDITOR
    )

    save = SubmitField("Opslaan als concept")
    preview = SubmitField("Voorbeeld")
    publish = SubmitField("Opslaan en publiceren")

    def section_fields(self) -> list:
        """The section text areas, in template order."""
        return [self[field_name(name)] for name in REPORT_SECTIONS]

    def section_values(self) -> dict[str, str]:
        """The submitted text per section (and the introduction under PREAMBLE)."""
        values = {PREAMBLE: self.intro.data or ""}
        for name in REPORT_SECTIONS:
            values[name] = self[field_name(name)].data or ""
        return values

    def fill_sections(self, values: dict[str, str]) -> None:
        """Put a report's section texts into the text areas."""
        self.intro.data = values.get(PREAMBLE, "")
        for name in REPORT_SECTIONS:
            self[field_name(name)].data = values.get(name, "")


for _section in REPORT_SECTIONS:
    setattr(
        ReportForm,
        field_name(_section),
        TextAreaField(
            _section, validators=[Optional(), Length(max=SECTION_MAX)], render_kw=MARKDOWN_EDITOR
        ),
    )

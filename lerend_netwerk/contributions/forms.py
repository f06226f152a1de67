"""Contribution forms: the template (sjabloon) per kind, and the coordinators' review."""

from __future__ import annotations

from wtforms import SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lerend_netwerk.contributions.models import PRACTICE_SECTIONS, UPDATE_SECTIONS
from lerend_netwerk.core.forms import MARKDOWN_EDITOR, Form, slug_field, visibility_field
from lerend_netwerk.proeftuinen.forms import REPORT_SLUG_EXAMPLE, SECTION_MAX
from lerend_netwerk.proeftuinen.sections import field_name


class ContributionForm(Form):
    """What both templates share; the section text areas are added per kind."""

    SECTIONS: tuple[str, ...] = ()
    REQUIRED: tuple[str, ...] = ()

    title = StringField("Titel", validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(
        "Samenvatting", validators=[Optional(), Length(max=2000)], render_kw=MARKDOWN_EDITOR
    )
    themes = SelectMultipleField(
        "Thema's",
        choices=[],
        validate_choice=True,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField("Insturen")

    def section_fields(self) -> list:
        """The template's text areas, in order."""
        return [self[field_name(name)] for name in self.SECTIONS]

    def section_values(self) -> dict[str, str]:
        """The submitted text per section."""
        return {name: self[field_name(name)].data or "" for name in self.SECTIONS}

    def fill_sections(self, values: dict[str, str]) -> None:
        """Put a contribution's section texts into the text areas."""
        for name in self.SECTIONS:
            self[field_name(name)].data = values.get(name, "")

    def validate(self, extra_validators=None) -> bool:
        """Besides the fields: the required sections, and at least one section filled."""
        ok = super().validate(extra_validators)
        values = self.section_values()
        for name in self.REQUIRED:
            if not values[name].strip():
                self[field_name(name)].errors.append("Vul dit onderdeel in.")
                ok = False
        if not any(text.strip() for text in values.values()):
            self[field_name(self.SECTIONS[0])].errors.append(
                "Vul minstens één onderdeel van het sjabloon in."
            )
            ok = False
        return ok


class PracticeForm(ContributionForm):
    SECTIONS = PRACTICE_SECTIONS
    REQUIRED = ("Aanpak",)

    summary = TextAreaField(
        "Samenvatting", validators=[DataRequired(), Length(max=2000)], render_kw=MARKDOWN_EDITOR
    )


class UpdateForm(ContributionForm):
    SECTIONS = UPDATE_SECTIONS


SECTION_HELP = {
    "Aanpak": "Wat doen jullie, voor wie, en hoe is het georganiseerd?",
    "Wat werkte": "Wat loopt goed, en waaraan merk je dat?",
    "Valkuilen": "Wat zouden anderen beter anders doen of vermijden?",
    "Contact": "Wie kunnen anderen aanspreken voor meer informatie?",
}

for _form, _sections in ((PracticeForm, PRACTICE_SECTIONS), (UpdateForm, UPDATE_SECTIONS)):
    for _section in _sections:
        setattr(
            _form,
            field_name(_section),
            TextAreaField(
                _section,
                validators=[Optional(), Length(max=SECTION_MAX)],
                render_kw=MARKDOWN_EDITOR,
            ),
        )

FORMS = {"practice": PracticeForm, "update": UpdateForm}


class RequestChangesForm(Form):
    comment = TextAreaField(
        "Wat moet er aangepast worden?",
        validators=[DataRequired(), Length(max=5000)],
        render_kw=MARKDOWN_EDITOR,
    )
    submit = SubmitField("Aanpassingen vragen")


class AcceptForm(Form):
    visibility = visibility_field("Zichtbaarheid na publicatie", default="public")
    slug = slug_field(example=REPORT_SLUG_EXAMPLE)
    submit = SubmitField("Aanvaarden en publiceren")


class DeclineForm(Form):
    reason = TextAreaField("Reden", validators=[DataRequired(), Length(max=5000)])
    submit = SubmitField("Afwijzen")

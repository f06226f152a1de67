"""The coordinators' product form."""

from __future__ import annotations

from wtforms import SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.fields import URLField
from wtforms.validators import URL, DataRequired, Length, Optional, Regexp

from lerend_netwerk.core.forms import MARKDOWN_EDITOR, Form, slug_field, visibility_field
from lerend_netwerk.levels import LEVEL_LABELS
from lerend_netwerk.products.models import PRODUCT_KIND_LABELS

LINK_MESSAGE = "Geef een volledige link die begint met https:// (of http://)."


class ProductForm(Form):
    title = StringField("Titel", validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(
        "Korte beschrijving",
        validators=[DataRequired(), Length(max=1000)],
        description="Een of twee zinnen: wat is het en voor wie.",
    )
    kind = SelectField(
        "Soort product",
        validators=[DataRequired(message="Kies een soort product.")],
        choices=[("", "Kies een soort"), *PRODUCT_KIND_LABELS.items()],
    )
    proeftuin = SelectField("Proeftuin", choices=[], validators=[Optional()])
    organisation = SelectField("Organisatie", choices=[], validators=[Optional()])
    level = SelectField(
        "Niveau",
        choices=[("", "Zoals de proeftuin"), *LEVEL_LABELS.items()],
        validators=[Optional()],
    )
    themes = SelectMultipleField("Thema's", choices=[], validators=[Optional()])
    sessions = SelectMultipleField("Getoond op", choices=[], validators=[Optional()])
    link = URLField(
        "Link",
        validators=[
            Optional(),
            Length(max=500),
            Regexp(r"^https?://", message=LINK_MESSAGE),
            URL(require_tld=False, message=LINK_MESSAGE),
        ],
    )
    body = TextAreaField(
        "Beschrijving",
        validators=[Optional(), Length(max=50_000)],
        description="Markdown: **vet**, *schuin*, lijstjes met -, koppen met ##.",
        render_kw=MARKDOWN_EDITOR,
    )
    visibility = visibility_field(default="public")
    slug = slug_field(example="toolkit-mentoren")

    save = SubmitField("Opslaan als concept")
    publish = SubmitField("Opslaan en publiceren")

    def set_choices(self, choices: dict[str, list[tuple[str, str]]]) -> None:
        self.proeftuin.choices = [("", "Geen proeftuin"), *choices["proeftuinen"]]
        self.organisation.choices = [("", "Geen organisatie"), *choices["organisations"]]
        self.themes.choices = choices["themes"]
        self.sessions.choices = choices["sessions"]

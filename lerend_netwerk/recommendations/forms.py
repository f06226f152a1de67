"""Forms of the recommendation threads (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)
from wtforms.widgets import HiddenInput

from lerend_netwerk.core.edge import MAX_INT
from lerend_netwerk.core.forms import MARKDOWN_EDITOR, Form
from lerend_netwerk.core.slugs import SLUG_MESSAGE, SLUG_PATTERN
from lerend_netwerk.recommendations.models import FLAG_REASONS, STANCE_LABELS
from lerend_netwerk.visibility import VISIBILITY_LABELS

MAX_BODY = 20_000


class ActionForm(Form):
    """A button that changes something: only the CSRF token."""


class EditReplyForm(Form):
    """The author changes the text or stance of a reply."""

    stance = RadioField(
        "Jouw standpunt",
        choices=list(STANCE_LABELS.items()),
        validate_choice=False,
        validators=[InputRequired(message="Kies eens, oneens of neutraal.")],
    )
    body = TextAreaField(
        "Je reactie",
        validators=[
            DataRequired(message="Schrijf een reactie."),
            Length(max=MAX_BODY, message=f"Een reactie telt hoogstens {MAX_BODY} tekens."),
        ],
        render_kw=MARKDOWN_EDITOR,
    )


class ReplyForm(EditReplyForm):
    """A reply with a stance, optionally answering another reply."""

    parent_id = IntegerField(
        widget=HiddenInput(),
        validators=[
            Optional(),
            NumberRange(min=1, max=MAX_INT, message="Deze reactie bestaat niet (meer)."),
        ],
    )


class FlagForm(Form):
    """A member reports a reply."""

    reason = SelectField(
        "Reden",
        choices=list(FLAG_REASONS.items()),
        validate_choice=False,
        validators=[InputRequired(message="Kies een reden.")],
    )
    details = TextAreaField("Toelichting (niet verplicht)", validators=[Length(max=1000)])


class HideForm(Form):
    """A coordinator hides a reply, with a reason."""

    reason = TextAreaField(
        "Reden",
        validators=[DataRequired(message="Geef een reden."), Length(max=1000)],
    )


class StatusForm(Form):
    """A coordinator moves a thread along the workflow."""

    status = SelectField("Nieuwe status", validate_choice=False, validators=[InputRequired()])
    reason = TextAreaField("Reden", validators=[Length(max=5000)], render_kw=MARKDOWN_EDITOR)


class ThreadForm(Form):
    """A coordinator creates or edits a thread."""

    title = StringField(
        "Titel", validators=[DataRequired(message="Geef een titel."), Length(max=200)]
    )
    slug = StringField(
        "Webadres (slug)",
        validators=[
            DataRequired(message="Geef een webadres."),
            Length(max=120),
            Regexp(SLUG_PATTERN, message=SLUG_MESSAGE),
        ],
    )
    theme_id = SelectField(
        "Thema",
        coerce=int,
        validate_choice=False,
        validators=[
            InputRequired("Kies een thema."),
            NumberRange(min=1, max=MAX_INT, message="Kies een thema."),
        ],
    )
    level = SelectField("Niveau", validate_choice=False, validators=[Optional()])
    visibility = RadioField(
        "Zichtbaarheid",
        choices=list(VISIBILITY_LABELS.items()),
        default="public",
        validate_choice=False,
    )
    body = TextAreaField(
        "Voorstel (Markdown)", validators=[Length(max=MAX_BODY)], render_kw=MARKDOWN_EDITOR
    )
    proeftuin_ids = SelectMultipleField(
        "Proeftuinen waarop de aanbeveling steunt", coerce=int, validate_choice=False
    )
    # Only for a new thread of someone who coordinates several networks (the view sets
    # the choices, or removes the field).
    network_id = SelectField("Netwerk", coerce=int, choices=[])


class FreezeReportForm(Form):
    """A coordinator freezes the working version of the final report."""

    report_date = DateField(
        "Datum van deze versie", validators=[InputRequired(message="Geef een datum.")]
    )
    label = StringField(
        "Naam (niet verplicht)",
        validators=[Length(max=200, message="Een naam telt hoogstens 200 tekens.")],
    )

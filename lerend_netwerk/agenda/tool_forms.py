"""Forms of the coordinators' tools: mail to registrants, cancelling with a message,
duplicating a session."""

from __future__ import annotations

from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lerend_netwerk.agenda.forms import INVALID_TIME, check_session_slug
from lerend_netwerk.agenda.models import MESSAGE_AUDIENCE_LABELS
from lerend_netwerk.core.flemish_time import FlemishDateTimeField
from lerend_netwerk.core.forms import Form, slug_field


class MessageForm(Form):
    """A mail from the coordinators to everyone registered for a session."""

    audience = SelectField(
        "Aan wie?",
        choices=[(key, MESSAGE_AUDIENCE_LABELS[key]) for key in ("all", "confirmed", "waitlisted")],
        default="all",
    )
    subject = StringField(
        "Onderwerp",
        validators=[DataRequired("Geef een onderwerp."), Length(max=150)],
    )
    body = TextAreaField(
        "Bericht",
        validators=[DataRequired("Schrijf je bericht."), Length(max=10_000)],
        description="Gewone tekst. Een lege regel begint een nieuwe alinea.",
    )


class CancelForm(Form):
    """Cancel a session, with an optional message for the registrants."""

    bericht = TextAreaField(
        "Bericht aan de deelnemers (niet verplicht)",
        validators=[Optional(), Length(max=5000, message="Hou je bericht onder 5000 tekens.")],
    )


class DuplicateForm(Form):
    """A copy of a session on a new date."""

    title = StringField("Titel", validators=[DataRequired("Geef een titel."), Length(max=200)])
    slug = slug_field("Laat leeg: we maken ze uit de titel.", from_title=True)
    starts_at = FlemishDateTimeField(
        "Nieuwe datum en beginuur",
        validators=[DataRequired(INVALID_TIME)],
        invalid_value_message=INVALID_TIME,
    )

    def validate_slug(self, field: StringField) -> None:
        check_session_slug(field)

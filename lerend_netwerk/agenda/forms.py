"""Forms of the agenda: registering, and the coordinators' session forms."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    DateTimeField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError

from lerend_netwerk.agenda.meetings import MeetingValues, slug_taken
from lerend_netwerk.agenda.models import MEETING_KIND_LABELS
from lerend_netwerk.agenda.planning import slug_for_title
from lerend_netwerk.auth.service import email_problem
from lerend_netwerk.core.flemish_time import FORMAT_HELP, INVALID_MESSAGE, FlemishDateTimeField
from lerend_netwerk.core.forms import MARKDOWN_EDITOR, Form, slug_field, visibility_field
from lerend_netwerk.core.slugs import SLUG_RE

INVALID_TIME = INVALID_MESSAGE


def check_session_slug(field: StringField, exclude: Any = None) -> None:
    """A typed slug (trimmed) follows the slug rule and is free; left empty, it is made
    from the title when the session is saved."""
    value = (field.data or "").strip()
    field.data = value
    if not value:
        return
    if not SLUG_RE.match(value):
        raise ValidationError("Gebruik enkel kleine letters, cijfers en koppeltekens.")
    if slug_taken(value, exclude=exclude):
        raise ValidationError("Deze korte naam is al in gebruik: kies een andere.")


class RegistrationForm(Form):
    """Register (or update the remark of a registration)."""

    remark = TextAreaField(
        "Opmerking (niet verplicht)",
        validators=[Optional(), Length(max=1000, message="Hou je opmerking onder 1000 tekens.")],
    )


class GuestRegistrationForm(Form):
    """A visitor without an account asks for a place in a session open to guests."""

    name = StringField("Naam", validators=[DataRequired("Vul je naam in."), Length(max=200)])
    email = EmailField(
        "E-mailadres",
        validators=[DataRequired("Vul je e-mailadres in."), Length(max=254)],
        description="Hierheen sturen we de link om je inschrijving te bevestigen.",
    )
    organisation = StringField("Organisatie (niet verplicht)", validators=[Length(max=200)])
    function = StringField("Functie (niet verplicht)", validators=[Length(max=200)])
    remark = TextAreaField(
        "Opmerking (niet verplicht)",
        validators=[Optional(), Length(max=1000, message="Hou je opmerking onder 1000 tekens.")],
    )
    # A field people never see or fill in; scripts that fill every field do.
    website = StringField("Laat dit veld leeg", validators=[Length(max=200)])

    def validate_email(self, field: EmailField) -> None:
        problem = email_problem(field.data or "")
        if problem:
            raise ValidationError(problem)

    @property
    def is_bot(self) -> bool:
        return bool((self.website.data or "").strip())


class GuestConfirmForm(Form):
    """The button on the personal link's page that confirms the request (double opt-in)."""


class WalkInForm(Form):
    """A coordinator adds someone at the door who did not register."""

    name = StringField("Naam", validators=[DataRequired("Vul de naam in."), Length(max=200)])
    organisation = StringField("Organisatie", validators=[Length(max=200)])
    email = EmailField("E-mailadres (niet verplicht)", validators=[Optional(), Length(max=254)])


class CheckInForm(Form):
    """Mark one registrant present (aanwezig = "ja") or not ("nee")."""

    aanwezig = HiddenField()

    def present(self) -> bool | None:
        """True, False, or None (toggle) from the submitted value."""
        return {"ja": True, "nee": False}.get(self.aanwezig.data or "")


class ReportForm(Form):
    """The verslag of a session, in Markdown."""

    report = TextAreaField("Verslag", validators=[Length(max=100_000)], render_kw=MARKDOWN_EDITOR)
    visibility = SelectField(
        "Wie mag het verslag lezen?",
        choices=[
            ("members", "De leden van de netwerken"),
            ("network", "Enkel de leden van dit netwerk"),
            ("public", "Iedereen (enkel bij een openbare sessie)"),
        ],
        default="members",
    )


class MeetingForm(Form):
    """Create or edit a session. Times are local time in Brussels."""

    title = StringField("Titel", validators=[DataRequired("Geef een titel."), Length(max=200)])
    slug = slug_field(
        "Wordt gemaakt uit de titel. Pas aan als je wil: kleine letters, cijfers en "
        "koppeltekens, bv. intervisie-mentoren-2025.",
        from_title=True,
    )
    kind = SelectField("Soort sessie", choices=list(MEETING_KIND_LABELS.items()))
    starts_at = FlemishDateTimeField(
        "Begint op", validators=[DataRequired(INVALID_TIME)], invalid_value_message=INVALID_TIME
    )
    ends_at = FlemishDateTimeField(
        "Eindigt op",
        validators=[DataRequired(INVALID_TIME)],
        invalid_value_message=INVALID_TIME,
        time_only_after="starts_at",
        description=f"{FORMAT_HELP} Op dezelfde dag als het begin volstaat het uur (16u30).",
    )
    location = StringField("Plaats", validators=[Optional(), Length(max=300)])
    online_url = URLField(
        "Link voor online deelname",
        validators=[
            Optional(),
            URL(require_tld=False, message="Geef een volledige link (https://...)."),
            Length(max=500),
        ],
    )
    capacity = IntegerField(
        "Aantal plaatsen",
        validators=[Optional(), NumberRange(min=1, max=10_000, message="Minstens 1 plaats.")],
    )
    registration_deadline = FlemishDateTimeField(
        "Inschrijven kan tot", validators=[Optional()], invalid_value_message=INVALID_TIME
    )
    theme_ids = SelectMultipleField("Thema's", coerce=int, validators=[Optional()])
    host_id = SelectField("Gastproeftuin", coerce=int, default=0)
    visibility = visibility_field()
    open_to_guests = BooleanField(
        "Open voor externen",
        description=(
            "Ook mensen zonder account kunnen zich inschrijven, met naam en e-mailadres; "
            "ze bevestigen via een link in een mail."
        ),
    )
    body = TextAreaField(
        "Beschrijving",
        validators=[Optional(), Length(max=50_000)],
        description="Markdown: **vet**, *schuin*, lijstjes met -, koppen met ##.",
        render_kw=MARKDOWN_EDITOR,
    )

    # Only for a new session of someone who coordinates several networks.
    network_id = SelectField("Netwerk", coerce=int)

    def __init__(self, *args, choices: dict, meeting=None, networks=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._meeting = meeting
        if meeting is not None or len(networks) < 2:
            del self.network_id
        else:
            self.network_id.choices = list(networks)
        self.theme_ids.choices = choices["themes"]
        self.host_id.choices = [(0, "Geen (netwerkbrede sessie)"), *choices["hosts"]]
        if meeting is not None:
            # The slug is part of links and calendar entries: it stays once published.
            del self.slug

    def validate_slug(self, field: StringField) -> None:
        check_session_slug(field, exclude=self._meeting)

    def validate_online_url(self, field: URLField) -> None:
        if field.data and not field.data.startswith(("https://", "http://")):
            raise ValidationError("De link moet beginnen met https://.")

    def validate_ends_at(self, field: DateTimeField) -> None:
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError("Het einde moet na het begin liggen.")

    def validate_registration_deadline(self, field: DateTimeField) -> None:
        if self.starts_at.data and field.data and field.data > self.starts_at.data:
            raise ValidationError("De inschrijvingen sluiten ten laatste bij het begin.")

    def _slug(self) -> str:
        """The slug entered, or one made from the title when left empty."""
        return self.slug.data or slug_for_title(self.title.data or "")

    def values(self) -> MeetingValues:
        """The submitted fields as the service takes them."""
        return MeetingValues(
            title=self.title.data or "",
            slug=self._slug() if "slug" in self else None,
            kind=self.kind.data,
            starts_at=self.starts_at.data,
            ends_at=self.ends_at.data,
            location=self.location.data,
            online_url=self.online_url.data,
            capacity=self.capacity.data,
            registration_deadline=self.registration_deadline.data,
            theme_ids=list(self.theme_ids.data or []),
            host_id=self.host_id.data or None,
            visibility=self.visibility.data,
            body=self.body.data or "",
            open_to_guests=bool(self.open_to_guests.data),
            network_id=self.network_id.data if "network_id" in self else None,
        )

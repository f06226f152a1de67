"""Forms for creating networks and managing a network's members (validate, never save)."""

from __future__ import annotations

from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from lerend_netwerk.core.fields import MultiCheckboxField
from lerend_netwerk.core.forms import Form, slug_field
from lerend_netwerk.levels import LEVEL_LABELS
from lerend_netwerk.networks.models import NETWORK_ROLE_LABELS

ROLE_CHOICES = list(NETWORK_ROLE_LABELS.items())


def _address_field(label: str, missing: str, description: str) -> EmailField:
    """The address of an existing account or of someone to invite."""
    return EmailField(
        label,
        validators=[DataRequired(missing), Email("Geef een geldig e-mailadres."), Length(max=254)],
        description=description,
    )


class NetworkForm(Form):
    """An admin's new network and its first coordinator."""

    title = StringField(
        "Naam van het netwerk", validators=[DataRequired("Geef een naam."), Length(max=200)]
    )
    slug = slug_field(
        "Wordt gemaakt uit de naam: kleine letters, cijfers en koppeltekens.", from_title=True
    )
    region = StringField("Regio", validators=[Optional(), Length(max=200)])
    levels = MultiCheckboxField("Onderwijsniveaus", choices=list(LEVEL_LABELS.items()))
    summary = TextAreaField("Korte voorstelling", validators=[Optional(), Length(max=2000)])
    coordinator_email = _address_field(
        "E-mailadres van de eerste coördinator",
        "Geef het e-mailadres van de eerste coördinator.",
        "Een bestaand account wordt coördinator; een nieuw adres krijgt een uitnodiging.",
    )
    coordinator_name = StringField(
        "Naam van de eerste coördinator", validators=[Optional(), Length(max=200)]
    )


class AddMemberForm(Form):
    """A coordinator adds an account to their network, or invites a new one."""

    email = _address_field(
        "E-mailadres",
        "Geef een e-mailadres.",
        "Heeft deze persoon al een account, dan komt die meteen in het netwerk; "
        "anders vertrekt een uitnodiging.",
    )
    name = StringField(
        "Naam (voor een nieuwe uitnodiging)", validators=[Optional(), Length(max=200)]
    )
    role = SelectField("Rol in dit netwerk", choices=ROLE_CHOICES, default="member")


class RoleForm(Form):
    role = SelectField("Rol in dit netwerk", choices=ROLE_CHOICES)


class RemoveForm(Form):
    """Taking someone out of the network: only the CSRF token."""

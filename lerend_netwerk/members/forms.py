"""Forms for the member directory and account administration."""

from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from lerend_netwerk.auth.models import ROLE_LABELS
from lerend_netwerk.core.fields import MultiCheckboxField
from lerend_netwerk.core.forms import Form

ROLE_CHOICES = list(ROLE_LABELS.items())


class InvitationForm(Form):
    addresses = TextAreaField(
        "E-mailadressen",
        validators=[DataRequired(), Length(max=20000)],
        description="Eén per regel, eventueel met naam: An Peeters <an.peeters@hogeschool.be>",
    )
    role = SelectField("Rol", choices=ROLE_CHOICES, default="member")
    # Only for who coordinates several networks: the network the invitations are for.
    network = SelectField("Netwerk", coerce=int)
    organisation = SelectField("Organisatie", coerce=int, validators=[Optional()])
    proeftuinen = MultiCheckboxField("Proeftuinen", coerce=int)


class AccountForm(Form):
    name = StringField("Naam", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Rol", choices=ROLE_CHOICES)
    organisation = SelectField("Organisatie", coerce=int, validators=[Optional()])
    proeftuinen = MultiCheckboxField("Proeftuinen", coerce=int)
    active = BooleanField("Actief (kan zich aanmelden)")

"""Forms for signing in, passwords, invitations and the profile."""

from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from lerend_netwerk.auth.models import FUNCTIONS
from lerend_netwerk.auth.service import MAX_PASSWORD_LENGTH, password_problem
from lerend_netwerk.core.fields import MultiCheckboxField
from lerend_netwerk.core.forms import Form

PASSWORD_HELP = "Minstens 10 tekens. Een zin van enkele woorden is sterk en makkelijk te onthouden."


class LoginForm(Form):
    email = EmailField("E-mailadres", validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField("Wachtwoord", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Aangemeld blijven")


class ForgotPasswordForm(Form):
    email = EmailField("E-mailadres", validators=[DataRequired(), Email(), Length(max=254)])


class NewPasswordForm(Form):
    """Choose a password (reset link, invitation, account page)."""

    password = PasswordField(
        "Nieuw wachtwoord", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    confirm = PasswordField(
        "Herhaal het wachtwoord",
        validators=[DataRequired(), EqualTo("password", "De twee wachtwoorden verschillen.")],
    )

    def __init__(self, *args, email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._email = email

    def validate_password(self, field) -> None:
        problem = password_problem(field.data or "", email=self._email)
        if problem:
            raise ValidationError(problem)


class AcceptInvitationForm(NewPasswordForm):
    name = StringField("Je naam", validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(NewPasswordForm):
    current = PasswordField("Huidig wachtwoord", validators=[DataRequired(), Length(max=1024)])


class ProfileForm(Form):
    name = StringField("Naam", validators=[DataRequired(), Length(max=200)])
    function = SelectField(
        "Functie", choices=[("", "— kies —"), *FUNCTIONS.items()], validators=[Optional()]
    )
    expertise = MultiCheckboxField("Thema's waarin je ervaring hebt", coerce=int)
    bio = TextAreaField("Over mij", validators=[Optional(), Length(max=2000)])
    phone = StringField("Telefoon", validators=[Optional(), Length(max=50)])
    listed_in_directory = BooleanField("Toon mij in de ledenlijst")
    show_email = BooleanField("Toon mijn e-mailadres aan andere leden")
    show_phone = BooleanField("Toon mijn telefoonnummer aan andere leden")


class DeleteAccountForm(Form):
    password = PasswordField("Bevestig met je wachtwoord", validators=[DataRequired()])
    confirm = BooleanField(
        "Ik begrijp dat mijn account en inschrijvingen definitief verdwijnen",
        validators=[DataRequired("Vink dit aan om te bevestigen.")],
    )

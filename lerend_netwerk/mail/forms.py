"""Forms: mail preferences on the account page, and the unsubscribe confirmation."""

from wtforms import BooleanField, RadioField

from lerend_netwerk.core.forms import Form
from lerend_netwerk.recommendations.following import THREAD_MAIL_CHOICES


class PreferencesForm(Form):
    wants_reminders = BooleanField("Stuur me een herinnering twee dagen voor een sessie")
    wants_digest = BooleanField("Stuur me wekelijks een overzicht van wat nieuw is")
    thread_mail = RadioField(
        "Aanbevelingen die je volgt", choices=list(THREAD_MAIL_CHOICES.items()), default="direct"
    )


class UnsubscribeForm(Form):
    """Only the CSRF token: the signed link says who and what."""

"""Forms: mail preferences on the account page, and the unsubscribe confirmation."""

from wtforms import BooleanField

from lerend_netwerk.core.forms import Form


class PreferencesForm(Form):
    wants_reminders = BooleanField("Stuur me een herinnering twee dagen voor een sessie")
    wants_digest = BooleanField("Stuur me wekelijks een overzicht van wat nieuw is")


class UnsubscribeForm(Form):
    """Only the CSRF token: the signed link says who and what."""

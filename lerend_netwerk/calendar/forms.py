"""Forms of the calendar feature."""

from lerend_netwerk.core.forms import Form


class RenewTokenForm(Form):
    """Renew the personal feed link: no fields, only the CSRF token."""

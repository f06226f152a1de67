"""Forms of the calendar feature."""

from flask_wtf import FlaskForm


class RenewTokenForm(FlaskForm):
    """Renew the personal feed link: no fields, only the CSRF token."""

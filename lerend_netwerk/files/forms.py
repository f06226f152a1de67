"""Forms of the file list (Flask-WTF: every POST carries a CSRF token)."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from lerend_netwerk.core.forms import Form
from lerend_netwerk.files.names import MAX_LENGTH


class UploadForm(Form):
    """One or more files for a document."""

    files = MultipleFileField("Bestanden")


class ReplaceForm(Form):
    """A new version of one file."""

    file = FileField("Nieuwe versie", validators=[FileRequired("Kies een bestand.")])


class RenameForm(Form):
    filename = StringField(
        "Naam",
        validators=[
            DataRequired("Geef het bestand een naam."),
            Length(max=MAX_LENGTH + 40, message="Die naam is te lang."),
        ],
    )


class RemoveForm(Form):
    """The remove button: only the CSRF token."""

"""Forms of the core blueprint."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

# render_kw of every Markdown text area: static/markdown-preview.js gives it a "Voorbeeld".
MARKDOWN_EDITOR = {"data-markdown": True}

# The longest Markdown field of any form (a session description) is 50,000 characters.
PREVIEW_MAX = 100_000


class MarkdownPreviewForm(FlaskForm):
    """The text of a Markdown field, sent by the editor's "Voorbeeld" button."""

    text = TextAreaField("Tekst", validators=[Length(max=PREVIEW_MAX)])

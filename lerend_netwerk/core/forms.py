"""Forms of the core blueprint."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_wtf import FlaskForm
from wtforms import DateTimeField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.core import Field
from wtforms.i18n import get_translations
from wtforms.validators import Length, Optional, Regexp, ValidationError

from lerend_netwerk.core.slugs import SLUG_PATTERN
from lerend_netwerk.core.validation import (
    DATE_RANGE_MESSAGE,
    NONEXISTENT_TIME_MESSAGE,
    SINGLE_LINE_MESSAGE,
    exists_in_brussels,
    has_control_characters,
    in_date_range,
    is_single_line,
)
from lerend_netwerk.visibility import VISIBILITY_LABELS

# render_kw of every Markdown text area: static/markdown-preview.js gives it a "Voorbeeld".
MARKDOWN_EDITOR = {"data-markdown": True}

# The longest Markdown field of any form (a session description) is 50,000 characters.
PREVIEW_MAX = 100_000


CONTROL_CHARACTERS_MESSAGE = "Verwijder de stuurtekens uit je tekst."
# WTForms' own Dutch messages, for every validator without a message of its own.
_DUTCH = get_translations(["nl"])


def _single_line(form: Any, field: Field) -> None:
    if isinstance(field.data, str) and not is_single_line(field.data):
        raise ValidationError(SINGLE_LINE_MESSAGE)


def _no_control_characters(form: Any, field: Field) -> None:
    if isinstance(field.data, str) and has_control_characters(field.data):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE)


def _sane_date(form: Any, field: Field) -> None:
    if isinstance(field.data, date) and not in_date_range(field.data):
        raise ValidationError(DATE_RANGE_MESSAGE)


def _existing_local_time(form: Any, field: Field) -> None:
    # Times in forms are local time in Brussels, naive.
    value = field.data
    if (
        isinstance(value, datetime)
        and value.tzinfo is None
        and in_date_range(value)  # out of range: _sane_date's message, no overflow
        and not exists_in_brussels(value)
    ):
        raise ValidationError(NONEXISTENT_TIME_MESSAGE)


def _edge_checks(field: Field) -> list:
    if isinstance(field, TextAreaField):
        return [_no_control_characters]
    if isinstance(field, PasswordField):
        return []
    if isinstance(field, StringField):
        return [_single_line]
    if isinstance(field, DateTimeField):  # DateField and DateTimeLocalField too
        return [_sane_date, _existing_local_time]
    return []


class Form(FlaskForm):
    """The base of every form: the shared rules for text and dates on each field.

    Single-line fields refuse line breaks and control characters, multi-line ones
    control characters; dates lie between 2000 and 2100 and local times exist in
    Brussels (see core/validation.py). The field's own validators run first. Messages
    that a validator does not set (a length limit, a required field) are in Dutch.
    """

    class Meta:
        def get_translations(self, form: Any) -> Any:
            return _DUTCH

    def validate(self, extra_validators: dict | None = None) -> bool:
        extra = {name: list(checks) for name, checks in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            checks = _edge_checks(field)
            if checks:
                extra[name] = [*extra.get(name, []), *checks]
        return super().validate(extra_validators=extra)


def slug_field(
    description: str = "", *, example: str | None = None, from_title: bool = False
) -> StringField:
    """A document's slug ("Korte naam in de link"): optional, at most 120 characters. With
    `example` the form checks the slug rule and names that example when it fails; without,
    the form's own `validate_slug` or the service checks it (`core.slugs.chosen_slug`).
    `from_title`: static/site.js fills it in from the title until someone edits it."""
    validators: list[Any] = [Optional(), Length(max=120)]
    if example is not None:
        message = f"Enkel kleine letters, cijfers en koppeltekens (bijvoorbeeld {example})."
        validators.append(Regexp(SLUG_PATTERN, message=message))
    return StringField(
        "Korte naam in de link",
        validators=validators,
        description=description,
        render_kw={"data-slug-from": "title"} if from_title else None,
    )


def visibility_field(label: str = "Zichtbaar voor", default: str | None = None) -> SelectField:
    """Who may see a document: one of `visibility.VISIBILITY_LABELS`."""
    return SelectField(label, choices=list(VISIBILITY_LABELS.items()), default=default)


class MarkdownPreviewForm(Form):
    """The text of a Markdown field, sent by the editor's "Voorbeeld" button."""

    text = TextAreaField("Tekst", validators=[Length(max=PREVIEW_MAX)])

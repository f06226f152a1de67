"""Every validation message is Dutch: WTForms' own messages included, in every form."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import date

import pytest
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    FileField,
    HiddenField,
    IntegerField,
    SelectFieldBase,
    SubmitField,
    URLField,
)
from wtforms.csrf.core import CSRFTokenField

import lerend_netwerk
from conftest import post_form

# Words of WTForms' and Flask-WTF's English messages that no Dutch sentence contains.
ENGLISH = re.compile(
    r"\b(this field|required|invalid|not a valid|must be|cannot|characters?|"
    r"choices?|missing|expired|number|email address|value)\b",
    re.I,
)


def all_form_classes() -> list[type[FlaskForm]]:
    """Every FlaskForm subclass defined in lerend_netwerk (all modules imported first)."""
    for module in pkgutil.walk_packages(lerend_netwerk.__path__, "lerend_netwerk."):
        if module.name.rsplit(".", 1)[-1] == "forms":
            importlib.import_module(module.name)
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        # ContributionForm is the abstract base of the kinds with SECTIONS of their own.
        if cls.__module__.startswith("lerend_netwerk.") and getattr(cls, "SECTIONS", 1) != ():
            found.append(cls)
    return sorted(set(found), key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def build(cls: type[FlaskForm], formdata: MultiDict) -> FlaskForm:
    """An instance with the constructor arguments its views pass (choices, context)."""
    parameters = inspect.signature(cls.__init__).parameters
    kwargs = {}
    if "choices" in parameters:
        kwargs["choices"] = {"themes": [(1, "Thema")], "hosts": [(2, "Proeftuin")]}
    if "first_year" in parameters:
        kwargs["first_year"] = 2020
    if "today" in parameters:
        kwargs["today"] = date(2026, 1, 15)
    form = cls(formdata=formdata, **kwargs)
    for field in form:
        # Views fill dynamic choices; an empty list keeps "not a valid choice" reachable.
        if isinstance(field, SelectFieldBase) and getattr(field, "choices", ()) is None:
            field.choices = []
    return form


def empty_data(form: FlaskForm) -> MultiDict:
    return MultiDict({field.name: "" for field in form if field.name != "csrf_token"})


def invalid_data(form: FlaskForm) -> MultiDict:
    data = MultiDict()
    for field in form:
        if isinstance(field, SubmitField | BooleanField | FileField | HiddenField | CSRFTokenField):
            continue
        if isinstance(field, EmailField) or "email" in field.name:
            value = "geen-adres"
        elif isinstance(field, URLField):
            value = "geen link"
        elif isinstance(field, DateTimeLocalField | DateField):
            value = "31-02-gisteren"
        elif isinstance(field, IntegerField | DecimalField):
            value = "veel"
        elif isinstance(field, SelectFieldBase):
            value = "bestaat-niet"
        else:
            value = "x" * 200_001
        data.add(field.name, value)
    return data


FORMS = all_form_classes()


def test_every_form_is_found():
    names = {cls.__name__ for cls in FORMS}
    assert {"LoginForm", "ForgotPasswordForm", "MeetingForm", "PracticeForm"} <= names
    assert len(FORMS) >= 25


@pytest.mark.parametrize("cls", FORMS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
@pytest.mark.parametrize("make_data", [empty_data, invalid_data], ids=["empty", "invalid"])
def test_no_form_says_anything_in_english(app, cls, make_data):
    with app.test_request_context("/", method="POST"):
        form = build(cls, MultiDict())
        # A valid token, as every page sends: a bad one is refused (in Dutch) before the view.
        data = make_data(form)
        data["csrf_token"] = generate_csrf()
        form = build(cls, data)
        form.validate()
        messages = [
            str(message)
            for errors in form.errors.values()
            for message in (errors if isinstance(errors, list) else [errors])
        ]
        required = any(
            getattr(validator, "field_flags", {}).get("required")
            for field in form
            for validator in field.validators
        )
    if required and make_data is empty_data:
        assert messages, f"{cls.__name__} accepted empty required fields"
    english = [message for message in messages if ENGLISH.search(message)]
    assert not english, f"{cls.__name__}: {english}"


def test_the_check_catches_wtforms_english(app):
    """Without the translations, WTForms' defaults are what ENGLISH recognises."""
    from wtforms import Form, StringField
    from wtforms.validators import DataRequired, Email

    class Plain(Form):
        email = StringField(validators=[DataRequired(), Email()])

    assert ENGLISH.search(str(Plain(MultiDict({"email": ""})).validate() or "This field is"))
    plain = Plain(MultiDict({"email": "geen-adres"}))
    plain.validate()
    assert ENGLISH.search(plain.errors["email"][0])


@pytest.mark.parametrize(
    "path,data,expected",
    [
        ("/login", {"email": "", "password": ""}, "Dit veld is vereist."),
        ("/login", {"email": "geen-adres", "password": "x"}, "Ongeldig e-mailadres."),
        ("/wachtwoord-vergeten", {"email": ""}, "Dit veld is vereist."),
        ("/wachtwoord-vergeten", {"email": "geen-adres"}, "Ongeldig e-mailadres."),
    ],
)
def test_sign_in_pages_answer_in_dutch(client, path, data, expected):
    response = post_form(client, path, data)
    page = response.get_data(as_text=True)
    assert expected in page
    errors = re.findall(r'<p class="error"[^>]*>(.*?)</p>', page, re.S)
    assert errors
    assert not [error for error in errors if ENGLISH.search(error)], errors

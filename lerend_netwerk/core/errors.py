"""Dutch error pages; the 500 handler rolls the database session back.

Services do not know HTTP: one that finds nothing to show raises `NotFoundError`, one
that refuses an action to this user `ForbiddenError`, one that needs a signed-in user
`SignInRequired`; the handlers here turn them into the 404, 403 and 401 pages.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from werkzeug.exceptions import HTTPException, Unauthorized

from lerend_netwerk.extensions import db


class AccessError(Exception):
    """Base of the domain errors that become an error page; the message (if any) is shown."""

    code = 500


class NotFoundError(AccessError):
    """Nothing this user may see here (unknown, hidden or not theirs): a 404."""

    code = 404


class ForbiddenError(AccessError):
    """The user may see it but not do this: a 403."""

    code = 403


class SignInRequired(AccessError):
    """Only for signed-in users (views send visitors to the login page first): a 401."""

    code = 401


class FieldError(ValueError):
    """What a form asked that a service will not save: `field` names the form field at
    fault and `message` says why, for people (the form shows it at that field)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def one_or_not_found(statement: Any) -> Any:
    """The one row `statement` selects; NotFoundError when there is none (or several)."""
    try:
        return db.session.execute(statement).scalar_one()
    except (NoResultFound, MultipleResultsFound):
        raise NotFoundError() from None


def get_or_not_found(model: type, ident: Any) -> Any:
    """The row of `model` with primary key `ident`; NotFoundError when there is none."""
    found = db.session.get(model, ident)
    if found is None:
        raise NotFoundError()
    return found


MESSAGES = {
    400: ("Ongeldige aanvraag", "De aanvraag kon niet verwerkt worden."),
    403: ("Geen toegang", "Je hebt geen toegang tot deze pagina."),
    404: ("Pagina niet gevonden", "Deze pagina bestaat niet of is niet (meer) beschikbaar."),
    405: ("Methode niet toegestaan", "Deze actie kan zo niet uitgevoerd worden."),
    413: ("Te groot", "Wat je doorstuurde is te groot."),
    429: ("Te veel pogingen", "Je probeerde het te vaak. Wacht even en probeer opnieuw."),
    500: ("Er ging iets mis", "Er ging iets mis aan onze kant. Probeer het later opnieuw."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if _wants_json():
        return jsonify({"error": title, "detail": detail or message, "status": code}), code
    return render_template(
        "core/error.html",
        code=code,
        title=title,
        message=detail or message,
        sign_in_next=_sign_in_next(code),
    ), code


def _sign_in_next(code: int) -> str | None:
    """The link to come back to after signing in, on a visitor's 404 of a GET."""
    if code != 404 or request.method != "GET" or current_user.is_authenticated:
        return None
    return request.full_path.removesuffix("?")


def init_errorhandlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, "Je formulier is verlopen of ongeldig. Laad de pagina opnieuw.")

    @app.errorhandler(AccessError)
    def access_error(error: AccessError):
        if error.code not in MESSAGES:
            return Unauthorized()
        return render_error(error.code, str(error) or None)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if code == 429:
            # Repeated refusals on the login or registration forms are what a lock-out
            # monitor (fail2ban, a log alert) watches for.
            app.logger.warning(
                "rate limit exceeded on %s %s from %s (%s)",
                request.method,
                request.path,
                request.remote_addr,
                error.description,
            )
        if code in MESSAGES:
            body, status = render_error(code)
            # HTTP requires the methods a 405 would have taken.
            headers = [("Allow", value) for name, value in error.get_headers() if name == "Allow"]
            return body, status, headers
        return error

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)

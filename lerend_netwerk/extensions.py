"""Flask extensions, created unbound and initialised in the app factory."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from lerend_netwerk.db import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Flask-WTF takes WTForms' translations from Flask-Babel's locale: Dutch messages in every form.
babel = Babel()
# Storage from RATELIMIT_STORAGE_URI (e.g. redis://127.0.0.1:6379); in memory otherwise.
limiter = Limiter(get_remote_address)


@limiter.request_filter
def _reads_are_not_limited() -> bool:
    """Only POST routes carry limits (registration, the Markdown preview): a GET, HEAD or
    OPTIONS request never costs a limiter lookup."""
    return request.method in ("GET", "HEAD", "OPTIONS")

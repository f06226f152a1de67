"""lerend-netwerk: the platform of the learning network on dual learning."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from lerend_netwerk.config import DefaultConfig


class ConfigurationError(RuntimeError):
    """The app cannot start with this configuration."""


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """Build the application: config, extensions, blueprints, commands, error pages."""
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_object(DefaultConfig)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)

    configure_defaults(app)
    register_logging(app)
    register_content_types()
    register_extensions(app)
    register_blueprints(app)
    register_listeners(app)
    register_template_helpers(app)
    register_commands(app)
    register_errorhandlers(app)
    return app


def configure_defaults(app: Flask) -> None:
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        db_path = Path(app.instance_path) / "lerend-netwerk.sqlite"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    if not app.config.get("SEARCH_INDEX_DIR"):
        app.config["SEARCH_INDEX_DIR"] = os.path.join(app.instance_path, "search-index")
    if not app.config.get("SECRET_KEY"):
        if app.debug or app.testing:
            app.config["SECRET_KEY"] = "dev-only-not-secret"
        else:
            raise ConfigurationError(
                "FLASK_SECRET_KEY is not set: put SECRET_KEY in instance/config.py "
                "or set the FLASK_SECRET_KEY environment variable."
            )
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite"):
        # Several workers share one SQLite file: wait for the write lock instead of failing.
        options = {"connect_args": {"timeout": 30}}
        options.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    else:
        options = {"pool_pre_ping": True}
        options.update(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register_logging(app: Flask) -> None:
    from lerend_netwerk.core.logs import init_logging

    init_logging(app)
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def register_content_types() -> None:
    """Every kind of content the central modules (search, themes, content import and
    export, indicators, digest, account deletion) handle, each declared in its own
    feature's `content_type.py`. In import order: a kind refers only to kinds before it."""
    from lerend_netwerk.agenda.content_type import MEETING
    from lerend_netwerk.contributions.content_type import CONTRIBUTION
    from lerend_netwerk.core.content_types import content_types
    from lerend_netwerk.evaluations.content_type import EVALUATION
    from lerend_netwerk.files.content_type import ATTACHMENT_TEXT
    from lerend_netwerk.mail.content_type import OUTGOING_MAIL
    from lerend_netwerk.networks.content_type import NETWORK
    from lerend_netwerk.practices.content_type import PRACTICE
    from lerend_netwerk.products.content_type import PRODUCT
    from lerend_netwerk.proeftuinen.content_type import ORGANISATION, PROEFTUIN, VISIT_REPORT
    from lerend_netwerk.recommendations.content_type import FINAL_REPORT, RECOMMENDATION
    from lerend_netwerk.search.content_type import ABBREVIATION
    from lerend_netwerk.themes.content_type import THEME

    for content_type in (
        NETWORK,
        THEME,
        ORGANISATION,
        PROEFTUIN,
        MEETING,
        EVALUATION,
        CONTRIBUTION,
        PRACTICE,
        PRODUCT,
        VISIT_REPORT,
        RECOMMENDATION,
        FINAL_REPORT,
        ABBREVIATION,
        OUTGOING_MAIL,
        ATTACHMENT_TEXT,
    ):
        content_types.register(content_type)


def register_extensions(app: Flask) -> None:
    from lerend_netwerk import models  # noqa: F401  (every model known to metadata)
    from lerend_netwerk.core.edge import init_edge
    from lerend_netwerk.core.security import init_security
    from lerend_netwerk.extensions import babel, csrf, db, limiter, login_manager, migrate
    from lerend_netwerk.sqlite import install_sqlite_pragmas, lock_writes_per_request

    # First: its checks run before every other before_request (CSRF, sign-in).
    init_edge(app)
    db.init_app(app)
    migrations_dir = Path(__file__).resolve().parent.parent / "migrations"
    migrate.init_app(app, db, directory=str(migrations_dir), render_as_batch=True)
    csrf.init_app(app)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["BABEL_LOCALE"])
    babel.init_app(app, locale_selector=lambda: app.config["BABEL_LOCALE"])
    limiter.init_app(app)
    init_security(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Meld je aan om deze pagina te zien."
    login_manager.login_message_category = "info"
    from lerend_netwerk.auth.service import live_reader_key
    from lerend_netwerk.core.pagecache import init_pagecache
    from lerend_netwerk.files.storage import init_storage

    # Signed-in readers get their own cached pages while their login session is live.
    init_pagecache(app, signed_in_reader=live_reader_key)
    init_storage(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine)
        if db.engine.dialect.name == "sqlite":
            lock_writes_per_request(app, db.session)


def register_blueprints(app: Flask) -> None:
    from lerend_netwerk.agenda.routes import bp as agenda_bp
    from lerend_netwerk.agenda.tools import bp as agenda_tools_bp
    from lerend_netwerk.api.routes import blueprint as api_blueprint
    from lerend_netwerk.auth.routes import bp as auth_bp
    from lerend_netwerk.calendar.routes import bp as calendar_bp
    from lerend_netwerk.contributions.routes import bp as contributions_bp
    from lerend_netwerk.core.routes import bp as core_bp
    from lerend_netwerk.evaluations.routes import bp as evaluations_bp
    from lerend_netwerk.files.routes import bp as files_bp
    from lerend_netwerk.indicators.routes import bp as indicators_bp
    from lerend_netwerk.mail.routes import bp as mail_bp
    from lerend_netwerk.members.network_routes import bp as networks_bp
    from lerend_netwerk.members.routes import bp as members_bp
    from lerend_netwerk.networks.context import init_network_urls, network_blueprint_options
    from lerend_netwerk.practices.routes import bp as practices_bp
    from lerend_netwerk.products.routes import bp as products_bp
    from lerend_netwerk.proeftuinen.routes import bp as proeftuinen_bp
    from lerend_netwerk.recommendations.routes import bp as recommendations_bp
    from lerend_netwerk.search.routes import bp as search_bp
    from lerend_netwerk.themes.routes import bp as themes_bp

    for blueprint in (
        core_bp,
        auth_bp,
        agenda_bp,
        agenda_tools_bp,
        evaluations_bp,
        calendar_bp,
        proeftuinen_bp,
        contributions_bp,
        practices_bp,
        products_bp,
        recommendations_bp,
        search_bp,
        themes_bp,
        members_bp,
        networks_bp,
        api_blueprint(),
        mail_bp,
        indicators_bp,
        files_bp,
    ):
        app.register_blueprint(blueprint, **network_blueprint_options(blueprint.name))
    # Every network's pages again under /n/<network-slug>/ (networks/context.py).
    init_network_urls(app)


def register_listeners(app: Flask) -> None:
    """What runs beside the views: the search outbox and the mail receivers.

    The search outbox records changes to searchable rows in the same transaction (a
    SQLAlchemy flush listener) and syncs the index after requests that wrote; mail hears
    the features' domain events (`signals.py`) and queues their mails; the agenda hears
    of accepted invitations (a guest's places become the member's).
    """
    from lerend_netwerk.agenda import receivers as agenda_receivers
    from lerend_netwerk.mail import receivers as mail_receivers
    from lerend_netwerk.search import init_search

    init_search(app)
    mail_receivers.connect()
    agenda_receivers.connect()


def register_template_helpers(app: Flask) -> None:
    from lerend_netwerk.core.templating import init_templating
    from lerend_netwerk.files.templating import init_files_templating

    init_templating(app)
    init_files_templating(app)


def register_commands(app: Flask) -> None:
    from lerend_netwerk.cli import register_cli

    register_cli(app)


def register_errorhandlers(app: Flask) -> None:
    from lerend_netwerk.core.errors import init_errorhandlers

    init_errorhandlers(app)

"""The migration chain builds the models' schema and goes down again, on both databases."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from conftest import DATABASES, POSTGRES_SERVER, _admin_connection
from lerend_netwerk import create_app
from lerend_netwerk.extensions import db


@pytest.fixture(params=DATABASES)
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    name = f"ln_migr_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"{POSTGRES_SERVER}/{name}"
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_matches_models_and_downgrade_empties(empty_database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "idx"),
        }
    )
    with app.app_context():
        upgrade()
        upgrade()  # safe to run on every deploy: a second run changes nothing
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "render_as_batch": True}
            )
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        downgrade(revision="base")
        engine = create_engine(empty_database_url)
        try:
            remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
        finally:
            engine.dispose()
        assert remaining == set()
        upgrade()
        db.engine.dispose()


def test_existing_sessions_keep_the_uid_their_subscribers_know(empty_database_url, tmp_path):
    """Rows from before stored UIDs get "meeting-<id>@<host of SITE_URL>", as feeds had."""
    from sqlalchemy import text

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "idx"),
            "SITE_URL": "https://lerend-netwerk.example.be/",
        }
    )
    with app.app_context():
        upgrade(revision="1c1c0dbd1c98")
        with db.engine.begin() as connection:
            for meeting_id in (3, 7):
                connection.execute(
                    text(
                        "INSERT INTO meeting (id, title, kind, starts_at, ends_at, status,"
                        " visibility, body, report, sequence, slug, created_at, updated_at)"
                        " VALUES (:id, 'Sessie', 'intervisie', :t, :t, 'scheduled', 'public',"
                        " '', '', 2, :slug, :t, :t)"
                    ),
                    {"id": meeting_id, "t": "2027-01-15 12:00:00+00:00", "slug": f"s-{meeting_id}"},
                )
        upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(text("SELECT id, uid, sequence FROM meeting ORDER BY id"))
            assert [tuple(row) for row in rows] == [
                (3, "meeting-3@lerend-netwerk.example.be", 2),
                (7, "meeting-7@lerend-netwerk.example.be", 2),
            ]
        db.engine.dispose()


def test_upgrading_a_database_with_data_keeps_every_row(empty_database_url, tmp_path):
    """Batch rebuilds of a table on SQLite must not cascade into the rows that point at it."""
    from sqlalchemy import text

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "idx"),
        }
    )
    now = "2026-01-15 12:00:00+00:00"
    with app.app_context():
        upgrade(revision="1c1c0dbd1c98")
        with db.engine.begin() as connection:
            connection.execute(
                text(
                    'INSERT INTO "user" (id, email, name, role, active, calendar_token,'
                    " session_version, wants_reminders, wants_digest, bio, show_email,"
                    " show_phone, listed_in_directory, created_at, updated_at)"
                    " VALUES (1, 'an@example.be', 'An', 'member', :yes, 'tok', 1, :yes, :yes,"
                    " '', :no, :no, :yes, :t, :t)"
                ),
                {"t": now, "yes": True, "no": False},
            )
            connection.execute(
                text(
                    "INSERT INTO meeting (id, title, kind, starts_at, ends_at, status,"
                    " visibility, body, report, sequence, slug, created_at, updated_at)"
                    " VALUES (1, 'Sessie', 'intervisie', :t, :t, 'scheduled', 'public',"
                    " '', '', 0, 'sessie', :t, :t)"
                ),
                {"t": now},
            )
            connection.execute(
                text(
                    "INSERT INTO registration (id, meeting_id, user_id, status, remark,"
                    " registered_at, created_at, updated_at)"
                    " VALUES (1, 1, 1, 'confirmed', '', :t, :t, :t)"
                ),
                {"t": now},
            )
        upgrade()
        with db.engine.connect() as connection:
            registrations = connection.execute(text("SELECT count(*) FROM registration"))
            assert registrations.scalar() == 1
            users = connection.execute(text('SELECT count(*) FROM "user"'))
            assert users.scalar() == 1
            if connection.dialect.name == "sqlite":
                # Foreign keys are enforced again on the connections the app gets.
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()

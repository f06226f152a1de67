"""The migration chain builds the models' schema and goes down again, on both databases."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
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


def _demo_source(tmp_path):
    """A demo database made by the current code (both networks, accounts, a year of
    activity), on SQLite."""
    from pathlib import Path

    from lerend_netwerk.demo import prepare_demo

    url = f"sqlite:///{tmp_path / 'demo-source.sqlite'}"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_INDEX_DIR": str(tmp_path / "idx-source"),
        }
    )
    with app.app_context():
        db.create_all()
        prepare_demo(Path(__file__).resolve().parent.parent / "content")
        db.session.commit()
        db.engine.dispose()
    return url


def _rows(connection, table):
    columns = sorted(column.name for column in table.columns)
    query = sa.select(*(table.c[name] for name in columns)).order_by(*table.primary_key.columns)
    return [tuple(row) for row in connection.execute(query)]


def test_the_demo_database_of_the_previous_head_moves_into_the_default_network(
    empty_database_url, tmp_path
):
    """A copy of the demo database at k19a (before networks), upgraded: every row is
    kept, every document is in the default network, every account a member there."""
    source_url = _demo_source(tmp_path)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "idx"),
        }
    )
    with app.app_context():
        upgrade(revision="k19a0000001")
        previous = inspect(db.engine)
        old_columns = {
            name: {column["name"] for column in previous.get_columns(name)}
            for name in previous.get_table_names()
            if name != "alembic_version"
        }
        # The tables as they were at k19a: the models' types, only the columns of then.
        old_tables = {
            name: sa.Table(
                name,
                sa.MetaData(),
                *(
                    sa.Column(column.name, column.type, primary_key=column.primary_key)
                    for column in db.metadata.tables[name].columns
                    if column.name in columns
                ),
            )
            for name, columns in old_columns.items()
        }
        assert "network" not in old_tables and "network_id" not in old_columns["meeting"]
        source = create_engine(source_url)
        before = {}
        try:
            with source.connect() as reading, db.engine.begin() as writing:
                # What the migrations seeded (the data version) is replaced by the copy.
                for model_table in reversed(db.metadata.sorted_tables):
                    if model_table.name in old_tables:
                        writing.execute(old_tables[model_table.name].delete())
                for model_table in db.metadata.sorted_tables:
                    table = old_tables.get(model_table.name)
                    if table is None:
                        continue
                    rows = [row._asdict() for row in reading.execute(sa.select(*table.columns))]
                    if rows:
                        writing.execute(table.insert(), rows)
                if writing.dialect.name == "postgresql":
                    for name, table in old_tables.items():
                        if "id" in table.c:
                            writing.exec_driver_sql(
                                f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), "
                                f'COALESCE((SELECT max(id) FROM "{name}"), 1))'
                            )
            with db.engine.connect() as connection:
                before = {name: _rows(connection, table) for name, table in old_tables.items()}
        finally:
            source.dispose()
        # A copy of the whole demo: sessions of both demo networks, people, activity.
        assert len(before["meeting"]) >= 25 and len(before["user"]) >= 50
        assert len(before["registration"]) >= 200 and len(before["post"]) >= 20

        upgrade()
        with db.engine.connect() as connection:
            for name, table in old_tables.items():
                assert _rows(connection, table) == before[name], name
            networks = connection.execute(sa.text("SELECT id, slug, is_default FROM network"))
            [(default_id, slug, is_default)] = networks.all()
            assert slug == "duaal-leren-ho-vwo" and is_default
            for owned in ("meeting", "practice", "proeftuin", "recommendation"):
                spread = connection.execute(sa.text(f"SELECT DISTINCT network_id FROM {owned}"))
                assert spread.scalars().all() == [default_id], owned
            # Themes become shared by every network.
            themes = connection.execute(sa.text("SELECT DISTINCT network_id FROM theme"))
            assert themes.scalars().all() == [None]
            users = dict(connection.execute(sa.text('SELECT id, role FROM "user"')).all())
            memberships = connection.execute(
                sa.text("SELECT user_id, network_id, role FROM network_membership")
            ).all()
            assert sorted(user_id for user_id, _, _ in memberships) == sorted(users)
            for user_id, network_id, role in memberships:
                assert network_id == default_id
                expected = "coordinator" if users[user_id] in ("coordinator", "admin") else "member"
                assert role == expected, (user_id, users[user_id])
            assert "coordinator" in {role for _, _, role in memberships}
        db.engine.dispose()


def test_a_migration_leaves_the_apps_loggers_enabled(empty_database_url, tmp_path):
    """Alembic's logging set-up ran with disable_existing_loggers: after an upgrade in the
    same process (the demo, a test) the platform's own log lines were lost."""
    import logging

    mail_log = logging.getLogger("lerend_netwerk.mail")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": empty_database_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "idx"),
        }
    )
    with app.app_context():
        upgrade()
        db.engine.dispose()
    assert not mail_log.disabled
    assert not logging.getLogger("lerend_netwerk").disabled

"""SQLite settings for several processes sharing one database file."""

from flask import Flask, request
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, scoped_session


def install_sqlite_pragmas(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # pysqlite must not issue BEGIN itself, so that `BEGIN IMMEDIATE` can be asked for.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def begin_write_transaction(session: Session | scoped_session) -> None:
    """Start a transaction that holds SQLite's write lock from its first statement.

    A deferred transaction that reads and later writes can fail at once with
    SQLITE_BUSY when another process wrote in between; taking the lock up front makes
    concurrent writers queue instead. Any read-only transaction still open is ended
    first. On PostgreSQL this does nothing: lock rows with SELECT ... FOR UPDATE.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def lock_writes_per_request(app: Flask, session) -> None:
    """On SQLite, a request that may write holds the write lock from its start.

    Requests from several workers then queue (busy_timeout) instead of failing when
    one read a snapshot that another's write made stale.
    """

    @app.before_request
    def _begin_immediate_for_unsafe_methods() -> None:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            begin_write_transaction(session)

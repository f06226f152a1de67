"""SQLite settings for several processes sharing one database file."""

from flask import Flask, request
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, scoped_session

_CHANGES_AT_BEGIN = "sqlite_changes_at_begin"


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
        # What the transaction has changed so far is total_changes minus this.
        connection.info[_CHANGES_AT_BEGIN] = connection.connection.dbapi_connection.total_changes


def began_immediate(session: Session | scoped_session) -> bool:
    """Whether the session's SQLite transaction has held the write lock since it began:
    then nobody else has written since, so everything it read is current."""
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        return False
    return session.connection().get_execution_options().get("sqlite_begin") == "IMMEDIATE"


def holds_write_lock(session: Session | scoped_session) -> bool:
    """Whether the session's SQLite transaction holds the database write lock.

    It does when it began IMMEDIATE or has already written (a write takes the lock).
    """
    if isinstance(session, scoped_session):
        session = session()
    if not session.in_transaction():
        return False
    if began_immediate(session):
        return True
    connection = session.connection()
    dbapi_connection = connection.connection.dbapi_connection
    return dbapi_connection.total_changes != connection.info.get(_CHANGES_AT_BEGIN)


def begin_write_transaction(session: Session | scoped_session) -> None:
    """Make sure the transaction holds SQLite's write lock from here on; never commits.

    A deferred transaction that reads and later writes can fail at once with
    SQLITE_BUSY when another process wrote in between; taking the lock up front makes
    concurrent writers queue instead. Requests that may write and CLI commands take it
    at their start; called later, it keeps a transaction that already wrote (it holds
    the lock) and ends one that only read, which loses nothing. So a rollback still
    undoes everything since the start. On PostgreSQL this does nothing: lock rows with
    SELECT ... FOR UPDATE.
    """
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        # Pending objects are written now, under the transaction they belong to.
        session.flush()
        if holds_write_lock(session):
            return
        session.rollback()
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

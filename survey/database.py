"""Engine settings per database.

SQLite (the embedded default) gets WAL (readers never block the writer), a generous busy
timeout, and `BEGIN IMMEDIATE` for POST requests: a request that reads and then writes
(record an answer, submit) takes the write lock up front, so two tabs or a double tap wait
for each other instead of failing with "database is locked" half-way. Reads stay deferred,
so a long report never holds up an answer. PostgreSQL needs nothing: conditional UPDATEs
take row locks.
"""

from __future__ import annotations

import logging
import os
import traceback
from pathlib import Path
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Engine, event


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        make_sqlite_files_private(Path(database))

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN, instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        writes = has_request_context() and request.method == "POST"
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def make_sqlite_files_private(database: Path) -> None:
    """The database and its -wal and -shm files readable by this user only (0600).

    SQLite creates -wal and -shm with the database file's mode, so creating that file 0600
    before the first connection covers all three; existing files are tightened.
    """
    try:
        fd = os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        os.close(fd)
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        if path.exists() and path.stat().st_mode & 0o777 != 0o600:
            path.chmod(0o600)


class RedactDatabaseDetail(logging.Filter):
    """Keep the values of a failed row out of the log.

    `hide_parameters=True` keeps bound parameters out of SQLAlchemy's messages, but
    PostgreSQL's own error text adds a DETAIL (or HINT, CONTEXT) line that quotes them:
    "Failing row contains (…, <free text>)", "Key (invitation_id, …)=(42, …)". The
    formatted traceback keeps each database error's primary message only.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            for error in _chain(record.exc_info[1]):
                primary = getattr(getattr(error, "diag", None), "message_primary", None)
                if primary is not None and str(error) != primary:
                    text = text.replace(str(error), f"{primary} [detail hidden]")
            record.exc_text = text
        return True


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen

"""Engine creation and the unit of work.

SQLite runs in WAL mode with a busy timeout, and every writing transaction starts with BEGIN IMMEDIATE so
that concurrent writers queue instead of failing on a stale snapshot; read-only units of work
(``read_scope``) begin deferred and run beside writers. PostgreSQL uses row locks instead. Lock waits are
bounded below Slack's three-second window, so a stuck lock fails a request instead of silently timing it out.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

SQLITE_BUSY_TIMEOUT_MS = 2_500
# Page cache per connection. SQLite's default (2 MiB) filled slowly on each of a process's pooled connections, so a
# server's memory kept rising for its first tens of thousands of requests (docs/benchmarks.md); and in WAL mode a
# connection drops its cache whenever another one commits, which here is nearly every request, so a large one bought
# little. A quarter of a mebibyte holds what an acknowledgement reads; a larger read (a big design's summary) takes
# its pages again from the operating system's cache.
SQLITE_PAGE_CACHE_KIB = 256
POSTGRES_LOCK_TIMEOUT = "2500ms"
READ_ONLY = "mldesign_read_only"

logger = logging.getLogger(__name__)


def normalize_url(url: str) -> str:
    """Accept the common ``postgres://`` and ``postgresql://`` spellings and use the psycopg 3 driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def create_private_sqlite_file(url: str) -> None:
    """Create a SQLite database file readable by this user alone (0600, as its WAL and shared-memory files then
    are: SQLite gives them the database's mode), before SQLite would create it with the umask's 0644. The file
    holds every answer and, when distributed, the workspaces' (encrypted) tokens. An existing file that others
    can read is left as the operator made it, with a warning."""
    path = make_url(url).database if url.startswith("sqlite") else None
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            logger.warning("the database file %s can be read by other users (mode %04o): chmod 600 it", path, mode)
    except FileNotFoundError:
        return  # no such directory: SQLite says so in its own words when it connects


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 10, **kwargs: Any) -> Engine:
    """An engine whose pool fits the process: ``pool_size`` connections for its request threads, and
    ``max_overflow`` more for background work, so no thread waits on the pool under a normal load."""
    url = normalize_url(url)
    pool = {"pool_size": pool_size, "max_overflow": max_overflow}
    if url.startswith("sqlite"):
        create_private_sqlite_file(url)
        sqlite_arguments = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        engine = create_engine(url, connect_args=sqlite_arguments, **(pool if ":memory:" not in url else {}), **kwargs)
        _configure_sqlite(engine)
        return engine
    engine = create_engine(url, pool_pre_ping=True, **pool, **kwargs)
    _configure_postgres(engine)
    return engine


def _configure_postgres(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = '{POSTGRES_LOCK_TIMEOUT}'")
        dbapi_connection.commit()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (the documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        # Switching a database to WAL (once: it stays) needs it to itself, which SQLite's busy handler doesn't
        # wait for, and the web process and its worker open it at the same moment.
        _retry_while_busy(dbapi_connection, "PRAGMA journal_mode=WAL")
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_PAGE_CACHE_KIB}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Straight to the driver: through SQLAlchemy, the BEGIN cost as much as a query.
        driver = connection.connection.driver_connection
        if connection.get_execution_options().get(READ_ONLY, False):
            driver.execute("BEGIN")
        else:
            _begin_writing(driver)


# Waits between tries for another process's write lock: short at first, as write transactions are.
WRITE_LOCK_PAUSE_START = 0.0001
WRITE_LOCK_PAUSE_CAP = 0.002


def _begin_writing(driver: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, waiting for another process's writer in short steps. SQLite's own busy handler sleeps 1, 2,
    5, 10 … 100 ms between tries whatever the other writer's progress, and with the worker process writing beside
    the acknowledgements (bot.runtime.worker), a wait of a few hundred microseconds became tens of milliseconds. Once a
    transaction holds the write lock, nothing in it waits (WAL): the busy timeout is back for everything else."""
    driver.execute("PRAGMA busy_timeout=0")
    try:
        _retry_while_busy(driver, "BEGIN IMMEDIATE")
    finally:
        driver.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _retry_while_busy(driver: sqlite3.Connection, statement: str) -> None:
    """Run ``statement``, trying again after a short pause while another connection holds the lock it needs, for
    as long as the busy timeout."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    pause = WRITE_LOCK_PAUSE_START
    while True:
        try:
            driver.execute(statement)
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, WRITE_LOCK_PAUSE_CAP)


@contextmanager
def read_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work that only reads: on SQLite it does not take the write lock. Closing the session ends
    its transaction and leaves the loaded rows readable (a rollback would expire them)."""
    with Session(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False) as session:
        yield session


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll back if it raises. The session never escapes."""
    with _one_writer(engine), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def statement_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work of one writing statement. On PostgreSQL it runs in autocommit mode: a single statement is
    atomic on its own, and the BEGIN and COMMIT round trips, half of such a transaction's, are saved. Anywhere
    else it is a ``session_scope``."""
    if engine.dialect.name != "postgresql":
        with session_scope(engine) as session:
            yield session
        return
    with (
        engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
        Session(bind=connection, expire_on_commit=False) as session,
    ):
        yield session


_sqlite_writers: dict[str, threading.RLock] = {}
_sqlite_writers_guard = threading.Lock()


def _one_writer(engine: Engine) -> AbstractContextManager[object]:
    """SQLite lets one connection write at a time, and a connection that finds the lock taken sleeps in
    SQLite's busy handler (1, 2, 5 … 100 ms steps) whatever the other writer's progress. Within a process,
    writers queue on a lock per database file instead and start the moment the previous one commits. The
    lock is reentrant so a nested unit of work behaves as before. PostgreSQL locks rows: nothing to queue."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    database = engine.url.database or ":memory:"
    with _sqlite_writers_guard:
        lock = _sqlite_writers.setdefault(database, threading.RLock())
    return _bounded(lock)


@contextmanager
def _bounded(lock: threading.RLock) -> Iterator[None]:
    """The writer lock, waited for no longer than SQLite's own busy timeout: a stuck writer fails this request
    within Slack's three seconds instead of queueing everyone behind it."""
    if not lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
        raise sqlite3.OperationalError("database is locked (another writer held it too long)")
    try:
        yield
    finally:
        lock.release()

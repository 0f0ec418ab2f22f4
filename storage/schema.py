"""The schema's versions, with Alembic: `mldesign db upgrade` brings a database to the code's version, and
the server refuses to start on a database that is behind (or ahead), instead of failing on its first query.

Migrations live in ``storage/migrations/versions``; ``mldesign db revision -m "..."`` drafts the next one
from the difference between the models and a database at the current head.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, event, inspect, text
from sqlmodel import SQLModel

from storage import installations, models  # noqa: F401  (register their tables on SQLModel.metadata)
from storage.engine import create_private_sqlite_file, normalize_url

if TYPE_CHECKING:
    from alembic.config import Config
    from cryptography.fernet import MultiFernet

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration. Serving checks the database against it without importing Alembic, which costs start-up
# half a second; a test keeps it equal to the head of storage/migrations/versions.
HEAD = "0020"
# The schema that `create_all` built before migrations existed; such a database is adopted at this revision.
BASELINE = "0001"


class SchemaError(Exception):
    """The database's schema is not the one this code needs; the message says what to run."""


def metadata() -> MetaData:
    """Every table mldesign owns: its own models and slack_sdk's installation and OAuth state tables."""
    return SQLModel.metadata


def _config() -> Config:
    from alembic.config import Config  # Alembic only when migrating (see HEAD)

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    from alembic.script import ScriptDirectory

    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def migration_engine(url: str) -> Engine:
    """A plain engine for DDL. On SQLite its foreign keys stay off, so a batch table copy never cascades
    deletes, and SQLAlchemy (not the driver, which commits before DDL) begins the transaction, so a failed
    migration leaves nothing half done (the documented pysqlite recipe)."""
    create_private_sqlite_file(normalize_url(url))
    engine = create_engine(normalize_url(url))
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

    return engine


def current(engine: Engine) -> str | None:
    """The revision the database is at (None before any migration), read as Alembic stores it."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


@contextmanager
def _migrating(url: str, token_cipher: MultiFernet | None = None) -> Iterator[tuple[Config, Connection]]:
    """Alembic's configuration bound to one transaction on the database: all of a command, or nothing. Migrations
    that encrypt or decrypt stored Slack tokens find ``token_cipher`` in the configuration's attributes."""
    engine = migration_engine(url)
    try:
        with engine.begin() as connection:
            config = _config()
            config.attributes["connection"] = connection
            config.attributes["token_cipher"] = token_cipher
            yield config, connection
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head", *, token_cipher: MultiFernet | None = None) -> str:
    """Migrate the database to ``revision`` in one transaction; returns the revision it is at afterwards."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with _migrating(url, token_cipher) as (config, connection):
        if _predates_migrations(connection):
            command.stamp(config, BASELINE)
        command.upgrade(config, revision)
        found = MigrationContext.configure(connection).get_current_revision()
    assert found is not None
    return found


def downgrade(url: str, revision: str, *, token_cipher: MultiFernet | None = None) -> None:
    """Undo migrations down to ``revision`` ("base" for none): for a rollback to an older release."""
    from alembic import command

    with _migrating(url, token_cipher) as (config, _):
        command.downgrade(config, revision)


def draft_revision(url: str, message: str) -> None:
    """Write the next migration from what the models add to a database at head (review it before committing)."""
    latest = head()
    number = f"{int(latest) + 1:04d}" if latest.isdigit() else None  # 0001, 0002…: the order reads at a glance
    from alembic import command

    with _migrating(url) as (config, _):
        command.revision(config, message=message, autogenerate=True, rev_id=number)


def require_current(engine: Engine) -> None:
    """Refuse a database the code cannot use: never migrated, behind, or migrated by newer code."""
    found = current(engine)
    if found == HEAD:
        return
    from alembic.script import ScriptDirectory

    wanted = head()
    if found is None:
        raise SchemaError("the database has no mldesign schema yet: run `mldesign db upgrade` first.")
    if found not in {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}:
        raise SchemaError(f"the database is at schema {found}, newer than this code knows ({wanted}).")
    raise SchemaError(f"the database is at schema {found}, this code needs {wanted}: run `mldesign db upgrade`.")


def _predates_migrations(connection: Connection) -> bool:
    tables = set(inspect(connection).get_table_names())
    return "design" in tables and "alembic_version" not in tables

"""Alembic's entry point: migrate the database given by ``storage.schema`` (never read from the environment)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from storage.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata(),
        # SQLite cannot ALTER most things in place: Alembic's batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `mldesign db upgrade` (storage.schema), which passes the connection")
_run(connection)

"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and a database built
before migrations existed is adopted without losing a row."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import Session, select

from storage import schema
from storage.engine import make_engine, normalize_url
from storage.models import Answer, Design


def differences(url: str) -> list[object]:
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, schema.metadata()))
    finally:
        engine.dispose()


def test_the_migrations_and_the_models_agree(empty_database_url):
    reached = schema.upgrade(empty_database_url)

    assert reached == schema.head()
    assert differences(empty_database_url) == []


def test_every_migration_can_be_undone_and_redone(empty_database_url):
    schema.upgrade(empty_database_url)

    schema.downgrade(empty_database_url, "base")

    engine = make_engine(empty_database_url)
    with engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) == {"alembic_version"}
    engine.dispose()
    assert schema.upgrade(empty_database_url) == schema.head()
    assert differences(empty_database_url) == []


def test_a_database_built_before_migrations_is_adopted_with_its_rows(empty_database_url):
    schema.upgrade(empty_database_url, schema.BASELINE)  # the tables create_all made before migrations…
    engine = make_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))  # …with no revision recorded
        connection.execute(
            text(
                "INSERT INTO design (id, team_id, channel_id, name, name_key, started_by, catalog_id, catalog_version,"
                " status, step, summary_wanted, summary_pinned, reminders_enabled, revision, published_revision,"
                " created_at, updated_at) VALUES (1, 'T1', 'C1', 'Churn model', 'churn model', 'U1', 'c', 1, 'active',"
                " 1, false, false, true, 1, 0, '2026-11-01 10:00:00+00:00', '2026-11-01 10:00:00+00:00')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO answer (id, team_id, design_id, question_id, status, text, choices, author_id, reacted,"
                " created_at) VALUES (1, 'T1', 1, 'goals', 'answered', 'Keep customers', '[]', 'U1', false,"
                " '2026-11-01 10:00:00+00:00')"
            )
        )

    assert schema.upgrade(empty_database_url) == schema.head()

    assert differences(empty_database_url) == []
    with Session(engine) as session:
        assert [d.name for d in session.exec(select(Design))] == ["Churn model"]
        assert [a.text for a in session.exec(select(Answer))] == ["Keep customers"]
    engine.dispose()


def test_the_server_refuses_a_database_behind_the_code(empty_database_url):
    schema.upgrade(empty_database_url)
    engine = make_engine(empty_database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0001'"))

    with pytest.raises(schema.SchemaError) as refused:
        schema.require_current(engine)
    engine.dispose()

    assert str(refused.value) == (
        f"the database is at schema 0001, this code needs {schema.head()}: run `mldesign db upgrade`."
    )


def test_a_migration_that_fails_leaves_the_database_as_it_was(empty_database_url):
    schema.upgrade(empty_database_url, "0001")
    engine = make_engine(empty_database_url)
    with engine.begin() as connection:  # a table in the way makes 0002's second step fail
        connection.execute(text("CREATE TABLE slack_bots (id INTEGER PRIMARY KEY)"))

    with pytest.raises(Exception):  # noqa: B017  (the driver's own error, whichever database)
        schema.upgrade(empty_database_url)

    with engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
    assert schema.current(engine) == "0001"
    assert "catalogversion" not in tables, "0002's first table was rolled back with the rest"
    engine.dispose()


def test_head_names_the_newest_migration():
    """Serving compares the database with schema.HEAD, not with Alembic's scripts: a new migration bumps it."""
    assert schema.head() == schema.HEAD, "a migration was added: set storage.schema.HEAD to its revision"

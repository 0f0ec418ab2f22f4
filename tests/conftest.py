"""Shared fixtures: each test gets its own database, on SQLite always and on PostgreSQL when
MLDESIGN_TEST_DATABASE_URL is set (as .ci/run does)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, text

from bot.usecases.catalogs import Catalogs
from flows.catalog import FIRST_CATALOG_PATH, Catalog, load_catalog
from storage import schema
from storage.engine import make_engine

POSTGRES_URL = os.environ.get("MLDESIGN_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """Version 1 of the built-in catalog, which the end-to-end suite walks (``MLDESIGN_CATALOG`` points the
    processes it starts at it); version 2's own tests take ``default_catalog``."""
    return load_catalog(FIRST_CATALOG_PATH)


@pytest.fixture(scope="session")
def default_catalog() -> Catalog:
    """The catalog new designs get: version 2, with follow-up questions."""
    return load_catalog()


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database URL for one test, with nothing in it: a new SQLite file, or a new schema on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'mldesign.db'}"
        return
    assert POSTGRES_URL is not None
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(empty_database_url: str) -> str:
    """A database for one test, migrated to the code's schema as `mldesign db upgrade` does it."""
    schema.upgrade(empty_database_url)
    return empty_database_url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def catalogs(engine: Engine, catalog: Catalog) -> Catalogs:
    """The catalogs a bot process keeps, with the built-in one stored as at start-up."""
    kept = Catalogs(engine=engine, current=catalog)
    kept.keep_current()
    return kept


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "sqlite_only: the behaviour lives in Slack's protocol, not the database; run it on SQLite alone",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the PostgreSQL run of tests marked sqlite_only (they stay in the count as deselected)."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("empty_database_url") == "postgresql"
        (dropped if on_postgres and item.get_closest_marker("sqlite_only") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept

"""A SQLite database is this user's alone: it holds every answer and, when distributed, the workspaces' tokens."""

from __future__ import annotations

import logging
import os
import stat

from sqlalchemy import text

from storage import schema
from storage.engine import make_engine


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_database_and_its_journal_files_are_readable_by_their_owner_alone(tmp_path):
    previous = os.umask(0o022)  # the usual umask, which would make SQLite's files 0644
    try:
        url = f"sqlite:///{tmp_path / 'mldesign.db'}"
        schema.upgrade(url)  # `mldesign db upgrade` creates the file
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE scratch (id INTEGER)"))
            connection.execute(text("INSERT INTO scratch VALUES (1)"))
        files = sorted(path.name for path in tmp_path.iterdir())
        modes = {name: mode(tmp_path / name) for name in files}
        engine.dispose()
    finally:
        os.umask(previous)

    assert {"mldesign.db", "mldesign.db-wal", "mldesign.db-shm"} <= set(files)
    assert modes == dict.fromkeys(files, 0o600)


def test_an_existing_database_others_can_read_is_named_in_a_warning_and_left_alone(tmp_path, caplog):
    database = tmp_path / "shared.db"
    database.touch()
    database.chmod(0o644)

    with caplog.at_level(logging.WARNING, logger="storage.engine"):
        make_engine(f"sqlite:///{database}").dispose()

    assert f"the database file {database} can be read by other users (mode 0644): chmod 600 it" in caplog.text
    assert mode(database) == 0o644

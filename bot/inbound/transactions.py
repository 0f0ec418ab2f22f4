"""The database as a listener sees it: a unit of work that also stores the request's signature, and reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlmodel import Session

from bot.inbound.replays import ReplayGuard
from storage.engine import read_scope, session_scope


class Transactions:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def engine(self) -> Engine:
        """For slack_sdk's OAuth state store, which opens its own connections."""
        return self._engine

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A transaction; the first one of a listener answering a request also stores the request's signature,
        so a replay of a request that changes something is refused by every process (bot.inbound.replays)."""
        with session_scope(self._engine) as session, ReplayGuard.store_with(session):
            yield session

    @contextmanager
    def read_only(self) -> Iterator[Session]:
        with read_scope(self._engine) as session:
            yield session

    def remember_request(self) -> None:
        """For a request that changes nothing in the database but posts in Slack (an export): its signature is
        stored as a change's would be, so a replay of it is refused by every process."""
        with self.unit_of_work():
            pass

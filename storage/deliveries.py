"""Deliveries seen before: Slack's event and interaction ids (a retry changes nothing) and request signatures (a replay
is refused), kept as long as they can come back.

Every query takes the Slack team id, and none commits (the caller's unit of work does)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel, col

from storage.models import (
    ProcessedEvent,
    SeenRequest,
)


def claim_event(*, session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    """Record an event id; False when it was already recorded (a retry or a duplicate delivery)."""
    return _insert_if_new(session, ProcessedEvent, team_id=team_id, event_id=event_id, received_at=now)


def first_sight_of_request(*, session: Session, signature: str, now: datetime) -> bool:
    """Record a request's signature; False when it was seen before (a replay). Not team-scoped: a signature
    is the same secret-keyed digest whichever workspace the request claims to come from."""
    return _insert_if_new(session, SeenRequest, signature=signature, received_at=now)


def _insert_if_new(session: Session, table: type[SQLModel], **row: object) -> bool:
    """Insert ``row`` unless its primary key is taken; True when it was inserted. Atomic on both databases."""
    statement = _insert_if_new_statement(session.get_bind().dialect.name, table)
    # Core, not the ORM's bulk-insert path, which costs several times the insert itself.
    return session.connection().execute(statement, row).first() is not None


@cache
def _insert_if_new_statement(dialect: str, table: type[SQLModel]) -> Any:
    """Built once per table: these inserts run on the acknowledgement path, where building the statement anew
    cost more than executing it."""
    columns = table.__table__.columns  # type: ignore[attr-defined]
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    keys = [column.name for column in columns if column.primary_key]
    return (
        insert(table)
        .values({column.name: bindparam(column.name) for column in columns})
        .on_conflict_do_nothing(index_elements=keys)
        .returning(*(columns[key] for key in keys))
    )


def prune_seen(*, session: Session, requests_before: datetime, events_before: datetime) -> None:
    """Forget request signatures past the replay window and event ids past Slack's retry horizon."""
    session.exec(delete(SeenRequest).where(col(SeenRequest.received_at) < requests_before))  # type: ignore[call-overload]
    session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.received_at) < events_before))  # type: ignore[call-overload]

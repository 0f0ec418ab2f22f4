"""Workspaces that uninstalled the app: the grace period before everything of theirs is purged, and the purge.

Every query takes the Slack team id, and none commits (the caller's unit of work does)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import (
    Design,
    ProcessedEvent,
    WorkspaceRemoval,
)


def schedule_workspace_removal(*, session: Session, team_id: str, now: datetime, purge_after: datetime) -> None:
    """Record an uninstall (a repeated one keeps the first date, so the grace period is not extended)."""
    if session.get(WorkspaceRemoval, team_id) is None:
        session.add(WorkspaceRemoval(team_id=team_id, uninstalled_at=now, purge_after=purge_after))


def cancel_workspace_removal(*, session: Session, team_id: str) -> bool:
    found = session.get(WorkspaceRemoval, team_id)
    if found is not None:
        session.delete(found)
    return found is not None


def workspace_removals_due(*, session: Session, now: datetime) -> list[str]:
    return list(session.exec(select(WorkspaceRemoval.team_id).where(col(WorkspaceRemoval.purge_after) <= now)).all())


def purge_workspace(*, session: Session, team_id: str, now: datetime) -> int | None:
    """Delete everything mldesign keeps of a workspace whose removal is still due (None when it was cancelled
    meanwhile: a reinstall wins over a purge); returns how many designs went (their answers, history,
    prompts, revisits and owners go with them)."""
    due = session.exec(  # type: ignore[call-overload]
        delete(WorkspaceRemoval).where(
            col(WorkspaceRemoval.team_id) == team_id, col(WorkspaceRemoval.purge_after) <= now
        )
    )
    if due.rowcount != 1:
        return None
    designs = session.exec(delete(Design).where(col(Design.team_id) == team_id))  # type: ignore[call-overload]
    session.exec(delete(ProcessedEvent).where(col(ProcessedEvent.team_id) == team_id))  # type: ignore[call-overload]
    return int(designs.rowcount or 0)

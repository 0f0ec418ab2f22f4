"""Use cases on a design as a whole: starting one, finding one by name, asking for its summary, an unpinned summary.

Each runs in the caller's unit of work; returning the design id tells the caller what to publish."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.usecases.catalogs import Catalogs
from bot.usecases.errors import DesignExists, DesignNotFound
from flows import walkthrough
from flows.commands import name_key
from storage import designs as design_repo
from storage import publishing as publishing_repo
from storage import walkthroughs as walks
from storage.models import Design, stored_id


def start_design(
    *,
    session: Session,
    catalogs: Catalogs,
    team_id: str,
    channel_id: str,
    user_id: str,
    name: str,
    response_url: str | None,
    now: datetime,
) -> int:
    """A new design at its first question, and its id; ``response_url`` lets the publisher tell the starter if
    the channel turns out to be one the bot cannot post in."""
    catalog = catalogs.current
    first = walkthrough.start(catalog)
    design_id = walks.add_design(
        session=session,
        team_id=team_id,
        channel_id=channel_id,
        name=name,
        name_key=name_key(name),
        started_by=user_id,
        catalog_id=catalog.id,
        catalog_version=catalog.version,
        current_question_id=first.current,
        step=first.step,
        response_url=response_url,
        now=now,
    )
    if design_id is None:
        existing = design_repo.get_design_by_name(
            session=session, team_id=team_id, channel_id=channel_id, name_key=name_key(name)
        )
        taken = existing.name if existing is not None else name
        raise DesignExists(f"This channel already has a design named “{taken}”. Pick another name.")
    return design_id


def find_design(*, session: Session, team_id: str, channel_id: str, name: str) -> Design:
    design = design_repo.get_design_by_name(
        session=session, team_id=team_id, channel_id=channel_id, name_key=name_key(name)
    )
    if design is None:
        raise DesignNotFound(f"There is no design named “{name}” in this channel. `/mldesign list` shows them.")
    return design


def request_summary(*, session: Session, team_id: str, channel_id: str, name: str, now: datetime) -> Design:
    """Post and pin the design's summary, or bring back the one there is (re-pinned, re-posted if deleted)."""
    design = find_design(session=session, team_id=team_id, channel_id=channel_id, name=name)
    design = lock_design(session, design)
    design.summary_wanted = True
    design.summary_pinned = False  # pinning again is harmless ("already_pinned") and repairs a removed pin
    design_repo.mark_changed(session=session, design=design, now=now)
    return design


def record_unpinned(*, session: Session, team_id: str, channel_id: str, message_ts: str) -> int | None:
    """A person unpinned a design's summary: respect that until the summary next changes, then pin it again."""
    design = design_repo.get_design_by_summary(
        session=session, team_id=team_id, channel_id=channel_id, summary_ts=message_ts
    )
    if design is None:
        return None
    publishing_repo.record_publication(
        session=session, team_id=team_id, design_id=stored_id(design), summary_pinned=False
    )
    return design.id


def lock_design(session: Session, design: Design) -> Design:
    """The design re-read under its row lock, as every writer takes it (design first), so concurrent changes
    to one design apply one by one and never deadlock."""
    locked = design_repo.get_design(
        session=session, team_id=design.team_id, design_id=stored_id(design), for_update=True
    )
    assert locked is not None
    return locked

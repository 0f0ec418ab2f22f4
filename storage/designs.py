"""Designs: finding one (by id, name, summary or any reference), a channel's list, a person's designs, adding, marking
a change, deleting, and the owners added to one.

Every query takes the Slack team id, and none commits (the caller's unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Integer, Table, and_, bindparam, delete, func, or_, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.models import (
    Answer,
    Assignment,
    Design,
    DesignOwner,
)


def get_design(*, session: Session, team_id: str, design_id: int, for_update: bool = False) -> Design | None:
    """Load a design; ``for_update`` locks its row on PostgreSQL so concurrent answers apply one by one."""
    query = select(Design).where(Design.team_id == team_id, Design.id == design_id)
    if for_update:
        # populate_existing: a row loaded earlier in this session is re-read once the lock is held.
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


def designs_by_id(*, session: Session, keys: Sequence[tuple[str, int]]) -> dict[tuple[str, int], Design]:
    """Many designs in one query, by (team id, design id): a nudge dispatch loads its whole batch's at once. A
    key whose design belongs to another team finds nothing."""
    if not keys:
        return {}
    wanted = set(keys)
    found = session.exec(select(Design).where(col(Design.id).in_(sorted({design_id for _, design_id in keys}))))
    return {
        (design.team_id, design.id): design
        for design in found
        if design.id is not None and (design.team_id, design.id) in wanted
    }


def design_revision(*, session: Session, team_id: str, design_id: int) -> int | None:
    """The design's revision, or None once it is deleted: the publisher's cheap check between Slack calls."""
    row = session.connection().execute(_REVISION, {"team_id": team_id, "design_id": design_id}).first()
    return None if row is None else int(row[0])


def get_design_by_name(*, session: Session, team_id: str, channel_id: str, name_key: str) -> Design | None:
    return session.exec(
        select(Design).where(Design.team_id == team_id, Design.channel_id == channel_id, Design.name_key == name_key)
    ).first()


def get_design_by_summary(*, session: Session, team_id: str, channel_id: str, summary_ts: str) -> Design | None:
    return session.exec(
        select(Design).where(
            Design.team_id == team_id, Design.channel_id == channel_id, Design.summary_ts == summary_ts
        )
    ).first()


def find_designs(*, session: Session, reference: str, team_id: str | None = None) -> Sequence[Design]:
    """Designs a person means by a name or an id, in any channel (and any workspace unless ``team_id``
    is given): for operators, who export from the command line."""
    matches = Design.name_key == reference.casefold()
    if reference.isdigit():
        matches = or_(matches, Design.id == int(reference))
    query = select(Design).where(matches)
    if team_id is not None:
        query = query.where(Design.team_id == team_id)
    return session.exec(query.order_by(col(Design.created_at), col(Design.id))).all()


@dataclass(frozen=True)
class ListedDesign:
    """What `/mldesign list` shows of a design."""

    id: int
    name: str
    permalink: str | None
    current_question_id: str | None
    deployed_at: datetime | None
    reminders_enabled: bool
    catalog_id: str
    catalog_version: int
    channel_id: str
    started_by: str


# `/mldesign list` answers in the acknowledgement: its statements are built once, with bind parameters.
_design: Table = Design.__table__  # type: ignore[attr-defined]


_IN_CHANNEL = and_(_design.c.team_id == bindparam("team_id"), _design.c.channel_id == bindparam("channel_id"))


_LISTED = (
    core_select(
        _design.c.id,
        _design.c.name,
        _design.c.permalink,
        _design.c.current_question_id,
        _design.c.deployed_at,
        _design.c.reminders_enabled,
        _design.c.catalog_id,
        _design.c.catalog_version,
        _design.c.channel_id,
        _design.c.started_by,
    )
    .where(_IN_CHANNEL)
    .order_by(_design.c.updated_at.desc(), _design.c.id.desc())
    .limit(bindparam("row_limit", type_=Integer))
)


# Built once: the publisher asks before each Slack call, and building the ORM statement anew cost more than
# running it (py-spy of the worker during answers).
_REVISION = core_select(_design.c.revision).where(
    _design.c.team_id == bindparam("team_id"), _design.c.id == bindparam("design_id")
)

_COUNT_IN_CHANNEL = core_select(func.count()).select_from(_design).where(_IN_CHANNEL)


def list_designs(*, session: Session, team_id: str, channel_id: str, limit: int) -> list[ListedDesign]:
    """The channel's designs, the most recently changed first."""
    rows = session.connection().execute(_LISTED, {"team_id": team_id, "channel_id": channel_id, "row_limit": limit})
    return [ListedDesign(*row) for row in rows]


def count_designs(*, session: Session, team_id: str, channel_id: str) -> int:
    return int(
        session.connection().execute(_COUNT_IN_CHANNEL, {"team_id": team_id, "channel_id": channel_id}).scalar_one()
    )


def add_design(*, session: Session, design: Design) -> Design:
    session.add(design)
    session.flush()
    return design


def mark_changed(*, session: Session, design: Design, now: datetime) -> None:
    """Record that Slack no longer shows this design as it is, so the publisher brings it up to date."""
    design.revision += 1
    design.updated_at = now
    session.add(design)


def mark_changed_by_id(*, session: Session, key: tuple[str, int], now: datetime) -> None:
    """``mark_changed`` in one UPDATE, for a caller that holds no fresh copy of the design."""
    team_id, design_id = key
    session.exec(  # type: ignore[call-overload]
        update(Design)
        .where(col(Design.team_id) == team_id, col(Design.id) == design_id)
        .values(revision=Design.revision + 1, updated_at=now)
    )


def designs_of_person(*, session: Session, team_id: str, user_id: str, limit: int) -> Sequence[Design]:
    """The designs a person started, answered or was given questions of in their workspace, the most recently
    changed first."""
    return session.exec(
        select(Design)
        .where(_person_designs(team_id, user_id))
        .order_by(col(Design.updated_at).desc(), col(Design.id).desc())
        .limit(limit)
    ).all()


def count_designs_of_person(*, session: Session, team_id: str, user_id: str) -> int:
    return session.exec(select(func.count()).select_from(Design).where(_person_designs(team_id, user_id))).one()


def _person_designs(team_id: str, user_id: str) -> ColumnElement[bool]:
    answered = select(Answer.design_id).where(Answer.team_id == team_id, Answer.author_id == user_id)
    given = select(Assignment.design_id).where(Assignment.team_id == team_id, Assignment.user_id == user_id)
    return and_(
        Design.team_id == team_id,
        or_(Design.started_by == user_id, col(Design.id).in_(answered), col(Design.id).in_(given)),
    )


def added_owners(*, session: Session, team_id: str, design_id: int) -> list[str]:
    return list(
        session.exec(
            select(DesignOwner.user_id)
            .where(DesignOwner.team_id == team_id, DesignOwner.design_id == design_id)
            .order_by(col(DesignOwner.added_at), col(DesignOwner.user_id))
        ).all()
    )


def add_owners(
    *, session: Session, team_id: str, design_id: int, user_ids: Sequence[str], by: str, now: datetime
) -> None:
    present = set(added_owners(session=session, team_id=team_id, design_id=design_id))
    for user_id in user_ids:
        if user_id not in present:
            session.add(DesignOwner(design_id=design_id, user_id=user_id, team_id=team_id, added_by=by, added_at=now))


def remove_owners(*, session: Session, team_id: str, design_id: int, user_ids: Sequence[str]) -> None:
    session.exec(  # type: ignore[call-overload]
        delete(DesignOwner).where(
            col(DesignOwner.team_id) == team_id,
            col(DesignOwner.design_id) == design_id,
            col(DesignOwner.user_id).in_(user_ids),
        )
    )


def delete_design(*, session: Session, team_id: str, design_id: int) -> None:
    design = get_design(session=session, team_id=team_id, design_id=design_id)
    if design is not None:
        session.delete(design)

"""Sign-off in the database: a design's reviewers, their verdicts (appended, never changed), and the answers' version
(the id of its latest answer version, which only grows) that a verdict is given on."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Table, bindparam, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from storage.models import Answer, Design, DesignReviewer, ReviewVerdict


def add_reviewers(
    *, session: Session, team_id: str, design_id: int, user_ids: Sequence[str], by: str, now: datetime
) -> list[str]:
    """Name reviewers (those already named stay as they were); returns who is new."""
    known = set(reviewers_of(session=session, team_id=team_id, design_id=design_id))
    new = [user_id for user_id in dict.fromkeys(user_ids) if user_id not in known]
    for user_id in new:
        session.add(
            DesignReviewer(design_id=design_id, user_id=user_id, team_id=team_id, requested_by=by, requested_at=now)
        )
    session.flush()
    return new


def reviewers_of(*, session: Session, team_id: str, design_id: int) -> list[str]:
    """The design's reviewers, in the order they were named."""
    rows = session.exec(
        select(DesignReviewer.user_id)
        .where(DesignReviewer.team_id == team_id, DesignReviewer.design_id == design_id)
        .order_by(col(DesignReviewer.requested_at), col(DesignReviewer.user_id))
    ).all()
    return list(rows)


def record_verdict(
    *,
    session: Session,
    team_id: str,
    design_id: int,
    reviewer: str,
    verdict: str,
    comment: str,
    version: int,
    now: datetime,
) -> ReviewVerdict:
    row = ReviewVerdict(
        design_id=design_id,
        team_id=team_id,
        reviewer=reviewer,
        verdict=verdict,
        comment=comment,
        version=version,
        decided_at=now,
    )
    session.add(row)
    session.flush()
    return row


def verdicts_of(*, session: Session, team_id: str, design_id: int) -> list[ReviewVerdict]:
    """Every verdict on the design, oldest first."""
    return list(
        session.exec(
            select(ReviewVerdict)
            .where(ReviewVerdict.team_id == team_id, ReviewVerdict.design_id == design_id)
            .order_by(col(ReviewVerdict.id))
        ).all()
    )


def answers_version(*, session: Session, team_id: str, design_id: int) -> int:
    """The version of a design's answers: its latest answer version's id (0 before any answer)."""
    found = session.exec(
        select(func.max(Answer.id)).where(Answer.team_id == team_id, Answer.design_id == design_id)
    ).one()
    return int(found or 0)


def answer_versions(*, session: Session, team_id: str, design_id: int) -> dict[str, int]:
    """Each question's current answer version (its latest answer's id), for what changed since a version."""
    rows = session.exec(
        select(Answer.question_id, func.max(Answer.id))
        .where(Answer.team_id == team_id, Answer.design_id == design_id)
        .group_by(col(Answer.question_id))
    ).all()
    return {question_id: int(version) for question_id, version in rows}


class NamedReviewer(NamedTuple):
    """A reviewer as a design's sign-off shows them: who, and since when they have left the workspace (if so)."""

    user_id: str
    left_at: datetime | None


_reviewer: Table = DesignReviewer.__table__  # type: ignore[attr-defined]

# Built once: every list and Home tab reads the reviewers of many designs, and building the ORM statement and its
# objects cost a quarter of a list in process.
_REVIEWERS_OF_DESIGNS = (
    core_select(_reviewer.c.design_id, _reviewer.c.user_id, _reviewer.c.left_at)
    .where(_reviewer.c.team_id == bindparam("team_id"), _reviewer.c.design_id.in_(bindparam("ids", expanding=True)))
    .order_by(_reviewer.c.requested_at, _reviewer.c.user_id)
)


def reviewers_of_designs(
    *, session: Session, team_id: str, design_ids: Sequence[int]
) -> dict[int, list[NamedReviewer]]:
    """Each design's reviewers in the order they were named, with who has left the workspace since, in one query;
    designs without reviewers (drafts) are left out."""
    if not design_ids:
        return {}
    rows = session.connection().execute(_REVIEWERS_OF_DESIGNS, {"team_id": team_id, "ids": list(design_ids)})
    found: dict[int, list[NamedReviewer]] = {}
    for design_id, user_id, left_at in rows:
        found.setdefault(design_id, []).append(NamedReviewer(user_id, left_at))
    return found


def verdicts_of_designs(*, session: Session, team_id: str, design_ids: Sequence[int]) -> dict[int, list[ReviewVerdict]]:
    """``verdicts_of`` for many designs in one query, each design's oldest first."""
    found: dict[int, list[ReviewVerdict]] = {design_id: [] for design_id in design_ids}
    if not design_ids:
        return found
    for row in session.exec(
        select(ReviewVerdict)
        .where(ReviewVerdict.team_id == team_id, col(ReviewVerdict.design_id).in_(design_ids))
        .order_by(col(ReviewVerdict.id))
    ).all():
        found[row.design_id].append(row)
    return found


def answers_versions_of(*, session: Session, team_id: str, design_ids: Sequence[int]) -> dict[int, int]:
    """``answers_version`` for many designs in one query."""
    if not design_ids:
        return {}
    rows = session.exec(
        select(Answer.design_id, func.max(Answer.id))
        .where(Answer.team_id == team_id, col(Answer.design_id).in_(design_ids))
        .group_by(col(Answer.design_id))
    ).all()
    return {design_id: int(version or 0) for design_id, version in rows}


def mark_left(*, session: Session, team_id: str, user_id: str, left_at: datetime | None) -> list[int]:
    """Record that a person left the workspace (``left_at``) or came back (None); returns the designs whose
    reviewer they are and whose standing changed. Their designs are locked first, in id order, as every writer of
    a design's rows does, so this can't deadlock with an answer or a delete."""
    designs = session.exec(
        select(DesignReviewer.design_id).where(DesignReviewer.team_id == team_id, DesignReviewer.user_id == user_id)
    ).all()
    if not designs:
        return []
    session.exec(select(Design.id).where(col(Design.id).in_(designs)).order_by(col(Design.id)).with_for_update())
    changed = session.connection().execute(
        update(DesignReviewer)
        .where(
            col(DesignReviewer.team_id) == team_id,
            col(DesignReviewer.user_id) == user_id,
            col(DesignReviewer.left_at).is_(None) if left_at is not None else col(DesignReviewer.left_at).is_not(None),
        )
        .values(left_at=left_at)
        .returning(col(DesignReviewer.design_id))
    )
    return sorted(design_id for (design_id,) in changed)

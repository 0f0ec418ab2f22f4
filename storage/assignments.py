"""Areas and questions given to people, and the claim that sends a stalled walkthrough's nudge once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, update
from sqlmodel import Session, col, select

from storage.models import Assignment, Design, DesignStatus, Prompt


def assign(
    *, session: Session, team_id: str, design_id: int, target: str, user_id: str | None, by: str, now: datetime
) -> None:
    """Give ``target`` to ``user_id`` (replacing whoever had it); None gives it to nobody."""
    session.exec(  # type: ignore[call-overload]
        delete(Assignment).where(
            col(Assignment.team_id) == team_id, col(Assignment.design_id) == design_id, col(Assignment.target) == target
        )
    )
    if user_id is not None:
        session.add(
            Assignment(
                design_id=design_id, target=target, team_id=team_id, user_id=user_id, assigned_by=by, assigned_at=now
            )
        )


def of_design(*, session: Session, team_id: str, design_id: int) -> dict[str, str]:
    """target → person, for one design."""
    rows = session.exec(
        select(Assignment.target, Assignment.user_id).where(
            Assignment.team_id == team_id, Assignment.design_id == design_id
        )
    ).all()
    return dict(rows)


def of_designs(*, session: Session, team_id: str, design_ids: Sequence[int]) -> dict[int, dict[str, str]]:
    """target → person, for each of ``design_ids`` (every id present, empty when nothing is assigned)."""
    found: dict[int, dict[str, str]] = {design_id: {} for design_id in design_ids}
    if not design_ids:
        return found
    rows = session.exec(
        select(Assignment.design_id, Assignment.target, Assignment.user_id).where(
            Assignment.team_id == team_id, col(Assignment.design_id).in_(design_ids)
        )
    ).all()
    for design_id, target, user_id in rows:
        found[design_id][target] = user_id
    return found


def of_designs_by_key(*, session: Session, designs: Sequence[Design]) -> dict[int, dict[str, str]]:
    """target → person for each design of ``designs`` (of any workspaces), by design id."""
    found: dict[int, dict[str, str]] = {}
    by_team: dict[str, list[int]] = {}
    for design in designs:
        if design.id is not None:
            by_team.setdefault(design.team_id, []).append(design.id)
    for team_id, design_ids in by_team.items():
        found |= of_designs(session=session, team_id=team_id, design_ids=design_ids)
    return found


def waiting_since(*, session: Session, before: datetime, limit: int) -> Sequence[Design]:
    """Designs not yet deployed whose walkthrough has not moved since ``before`` and whose current question was not
    nudged yet: the candidates for a stall nudge (``flows.assignments.stalled`` decides)."""
    return session.exec(
        select(Design)
        .where(
            Design.status == DesignStatus.ACTIVE,
            col(Design.deployed_at).is_(None),  # once deployed, revisits bring the open decisions back
            col(Design.current_question_id).is_not(None),
            col(Design.parent_ts).is_not(None),
            col(Design.updated_at) <= before,
            or_(col(Design.stall_nudged_step).is_(None), col(Design.stall_nudged_step) != col(Design.step)),
        )
        .order_by(col(Design.updated_at))
        .limit(limit)
    ).all()


def claim_stall_nudge(*, session: Session, team_id: str, design_id: int, step: int, now: datetime) -> bool:
    """Mark the stall nudge of this step as sent (before sending it); False when another dispatch took it, or the
    walkthrough moved meanwhile."""
    claimed = session.exec(  # type: ignore[call-overload]
        update(Design)
        .where(
            col(Design.team_id) == team_id,
            col(Design.id) == design_id,
            col(Design.step) == step,
            or_(col(Design.stall_nudged_step).is_(None), col(Design.stall_nudged_step) != step),
        )
        .values(stall_nudged_step=step, stall_nudged_at=now)
    )
    return bool(claimed.rowcount)


def release_stall_nudge(*, session: Session, team_id: str, design_id: int, step: int) -> None:
    """The nudge could not be sent: let a later dispatch try it again."""
    session.exec(  # type: ignore[call-overload]
        update(Design)
        .where(col(Design.team_id) == team_id, col(Design.id) == design_id, col(Design.stall_nudged_step) == step)
        .values(stall_nudged_step=None, stall_nudged_at=None)
    )


NOT_AN_ANSWER = -1  # no answer has this id: a prompt rendered "with" it is rendered again


def render_prompts_again(*, session: Session, team_id: str, design_id: int, question_ids: Sequence[str]) -> None:
    """The publisher compares what a question message shows with what it should; an assignment isn't part of that
    comparison, so the messages of the questions it changes are marked to be rendered again."""
    session.exec(  # type: ignore[call-overload]
        update(Prompt)
        .where(
            col(Prompt.team_id) == team_id,
            col(Prompt.design_id) == design_id,
            col(Prompt.question_id).in_(question_ids),
        )
        .values(rendered_answer_id=NOT_AN_ANSWER)
    )

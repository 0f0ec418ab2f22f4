"""Use cases of a design's owners: who they are, adding and removing them, and deleting the design.

Like the walkthrough's use cases (``bot.usecases.thread_replies`` and its neighbours), each runs in the caller's
unit of work and only touches the database; the Slack side of a deletion (the parent message, the pinned summary)
follows in the background.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.usecases.catalogs import Catalogs
from bot.usecases.designs import find_design, lock_design
from bot.usecases.errors import TemplatedError, UserFacingError
from flows import assignments
from flows.assignments import Target
from flows.permissions import OwnerAction, owners_of, require_owner
from storage import answers as answer_repo
from storage import assignments as assignment_repo
from storage import designs as design_repo
from storage import publishing as publishing_repo
from storage.models import Design, stored_id


class StarterStaysOwner(TemplatedError):
    def __init__(self, starter: str, name: str) -> None:
        super().__init__(
            "starter_stays_owner.j2", f"{starter} started {name!r} and stays an owner", starter=starter, name=name
        )


@dataclass(frozen=True)
class Deleted:
    """What Slack still shows of a deleted design, for the background job that tidies it."""

    team_id: str
    channel_id: str
    name: str
    parent_ts: str | None
    summary_ts: str | None
    deleted_by: str
    answers: int
    question_ts: tuple[str, ...] = ()  # its question messages, whose buttons go with it


def owners(session: Session, design: Design) -> tuple[str, ...]:
    assert design.id is not None
    return owners_of(
        design.started_by, design_repo.added_owners(session=session, team_id=design.team_id, design_id=design.id)
    )


def require(session: Session, design: Design, user_id: str, action: OwnerAction) -> None:
    require_owner(user_id, owners(session, design), action, design.name)


def change_owners(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    name: str,
    user_id: str,
    change: str,
    people: tuple[str, ...],
    now: datetime,
) -> tuple[Design, tuple[str, ...]]:
    """Add or remove owners (an owner's call). Whoever started the design stays one, so a design always
    has an owner. Returns the owners after."""
    design = find_design(session=session, team_id=team_id, channel_id=channel_id, name=name)
    design = lock_design(session, design)
    require(session, design, user_id, OwnerAction.CHANGE_OWNERS)
    assert design.id is not None
    if change == "add":
        design_repo.add_owners(
            session=session, team_id=team_id, design_id=design.id, user_ids=people, by=user_id, now=now
        )
    else:
        if design.started_by in people:
            raise StarterStaysOwner(design.started_by, design.name)
        design_repo.remove_owners(session=session, team_id=team_id, design_id=design.id, user_ids=people)
    session.flush()
    return design, owners(session, design)


@dataclass(frozen=True)
class Assigned:
    design: Design
    target: Target
    user_id: str | None


def assign(
    *,
    session: Session,
    catalogs: Catalogs,
    team_id: str,
    channel_id: str,
    name: str,
    user_id: str,
    target: str,
    assignee: str | None,
    now: datetime,
) -> Assigned:
    """Give an area or a question to someone (an owner's call): they are mentioned when its questions come up, Home
    lists what waits on them, and a stalled walkthrough nudges them."""
    design = lock_design(session, find_design(session=session, team_id=team_id, channel_id=channel_id, name=name))
    require(session, design, user_id, OwnerAction.ASSIGN)
    catalog = catalogs.of(design)
    try:
        resolved = assignments.resolve(catalog, target)
    except assignments.UnknownTarget as error:
        raise UserFacingError(str(error)) from None
    design_id = stored_id(design)
    assignment_repo.assign(
        session=session,
        team_id=team_id,
        design_id=design_id,
        target=resolved.key,
        user_id=assignee,
        by=user_id,
        now=now,
    )
    kind, _, target_id = resolved.key.partition(":")
    areas = {area.id: area for area in catalog.areas}
    questions = [question.id for question in areas[target_id].questions] if kind == "area" else [target_id]
    assignment_repo.render_prompts_again(session=session, team_id=team_id, design_id=design_id, question_ids=questions)
    design_repo.mark_changed(session=session, design=design, now=now)
    return Assigned(design=design, target=resolved, user_id=assignee)


def deletion_preview(*, session: Session, team_id: str, channel_id: str, name: str, user_id: str) -> tuple[Design, int]:
    """The design `/mldesign delete` names and how many answer versions deleting it would remove, for the
    confirmation an owner is asked for (anyone else is told who may)."""
    design = find_design(session=session, team_id=team_id, channel_id=channel_id, name=name)
    require(session, design, user_id, OwnerAction.DELETE)
    return design, len(answer_repo.all_answers(session=session, team_id=team_id, design_id=stored_id(design)))


def design_named_by(*, session: Session, team_id: str, design_id: int) -> Design | None:
    """The design a button names, if it still exists (a "Keep it" after someone else deleted it finds none)."""
    return design_repo.get_design(session=session, team_id=team_id, design_id=design_id)


def delete_design(*, session: Session, team_id: str, design_id: int, user_id: str) -> Deleted:
    """Remove the design with its answers, history, revisits and owners (an owner's call, once confirmed)."""
    design = design_repo.get_design(session=session, team_id=team_id, design_id=design_id, for_update=True)
    if design is None:
        raise UserFacingError("This design was already deleted.")
    require(session, design, user_id, OwnerAction.DELETE)
    answers = len(answer_repo.all_answers(session=session, team_id=team_id, design_id=design_id))
    prompts = publishing_repo.prompts(session=session, team_id=team_id, design_id=design_id)
    deleted = Deleted(
        team_id=team_id,
        channel_id=design.channel_id,
        name=design.name,
        parent_ts=design.parent_ts,
        summary_ts=design.summary_ts,
        deleted_by=user_id,
        answers=answers,
        question_ts=tuple(dict.fromkeys(prompt.message_ts for prompt in prompts if prompt.message_ts)),
    )
    design_repo.delete_design(session=session, team_id=team_id, design_id=design_id)
    return deleted

"""Repository functions: every query takes the Slack team id, and none of them commits (the caller's unit
of work does)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Integer, Table, and_, bindparam, delete, func, or_, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from flows.walkthrough import AnswerStatus
from storage.models import (
    Answer,
    Assignment,
    Design,
    DesignOwner,
    ProcessedEvent,
    Prompt,
    SeenRequest,
    WorkspaceRemoval,
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
    return session.exec(select(Design.revision).where(Design.team_id == team_id, Design.id == design_id)).first()


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


# `/mldesign list` answers in the acknowledgement: its statements are built once, with bind parameters.
_design: Table = Design.__table__  # type: ignore[attr-defined]
_answer: Table = Answer.__table__  # type: ignore[attr-defined]
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
    )
    .where(_IN_CHANNEL)
    .order_by(_design.c.updated_at.desc(), _design.c.id.desc())
    .limit(bindparam("row_limit", type_=Integer))
)
_COUNT_IN_CHANNEL = core_select(func.count()).select_from(_design).where(_IN_CHANNEL)
_STATUSES_OF = core_select(_answer.c.design_id, _answer.c.question_id, _answer.c.status).where(
    _answer.c.id.in_(
        core_select(func.max(_answer.c.id))
        .where(
            _answer.c.team_id == bindparam("team_id"),
            _answer.c.design_id.in_(bindparam("design_ids", expanding=True)),
        )
        .group_by(_answer.c.design_id, _answer.c.question_id)
    ),
    _answer.c.status != AnswerStatus.WITHDRAWN.value,
)


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


def mark_published(*, session: Session, team_id: str, design_id: int, revision: int) -> None:
    """Move ``published_revision`` forward only, so a slow publisher never hides a newer change."""
    session.exec(  # type: ignore[call-overload]
        update(Design)
        .where(
            col(Design.team_id) == team_id,
            col(Design.id) == design_id,
            col(Design.published_revision) < revision,
        )
        .values(published_revision=revision)
    )


def take_publishing_lease(
    *, session: Session, team_id: str, design_id: int, claim: str, now: datetime, until: datetime
) -> bool:
    """Become the design's only publisher until ``until`` (across processes); False while another holds it, and
    when Slack already shows its latest revision (a publish asked for twice has nothing left to do, and must not
    hold a lease that a crash would leave for its whole length).

    A conditional UPDATE is atomic on SQLite and PostgreSQL alike, and a lease left by a process that died
    simply runs out."""
    result = session.exec(  # type: ignore[call-overload]
        update(Design)
        .where(
            col(Design.team_id) == team_id,
            col(Design.id) == design_id,
            col(Design.published_revision) < col(Design.revision),
            or_(col(Design.publishing_until).is_(None), col(Design.publishing_until) < now),
        )
        .values(publishing_claim=claim, publishing_until=until)
    )
    return bool(result.rowcount == 1)


def renew_publishing_lease(*, session: Session, team_id: str, design_id: int, claim: str, until: datetime) -> bool:
    """Extend a lease still held; False when it ran out and another publisher took the design over."""
    result = session.exec(  # type: ignore[call-overload]
        update(Design)
        .where(col(Design.team_id) == team_id, col(Design.id) == design_id, col(Design.publishing_claim) == claim)
        .values(publishing_until=until)
    )
    return bool(result.rowcount == 1)


def release_publishing_lease(*, session: Session, team_id: str, design_id: int, claim: str) -> None:
    session.exec(  # type: ignore[call-overload]
        update(Design)
        .where(col(Design.team_id) == team_id, col(Design.id) == design_id, col(Design.publishing_claim) == claim)
        .values(publishing_claim=None, publishing_until=None)
    )


def unpublished_designs(*, session: Session, limit: int = 500) -> Sequence[tuple[str, int]]:
    """Designs with changes not yet shown in Slack, across teams: the publisher's to-do list after a restart."""
    rows = session.exec(
        select(Design.team_id, Design.id)
        .where(col(Design.published_revision) < col(Design.revision))
        .order_by(col(Design.updated_at))
        .limit(limit)
    ).all()
    return [(team_id, design_id) for team_id, design_id in rows if design_id is not None]


def add_answer(*, session: Session, design_id: int, answer: Answer) -> Answer:
    answer.design_id = design_id
    session.add(answer)
    session.flush()
    return answer


def current_answers(*, session: Session, team_id: str, design_id: int) -> dict[str, Answer]:
    """Each question's latest answer (history rows are older versions)."""
    latest = (
        select(func.max(Answer.id))
        .where(Answer.team_id == team_id, Answer.design_id == design_id)
        .group_by(col(Answer.question_id))
    )
    rows = session.exec(select(Answer).where(col(Answer.id).in_(latest), Answer.status != AnswerStatus.WITHDRAWN)).all()
    return {answer.question_id: answer for answer in rows}


def answer_statuses(answers: dict[str, Answer]) -> dict[str, AnswerStatus]:
    """Each question's status, from its current answers (``current_answers``)."""
    return {question_id: AnswerStatus(answer.status) for question_id, answer in answers.items()}


def current_answers_of(*, session: Session, team_id: str, design_ids: Sequence[int]) -> dict[int, dict[str, Answer]]:
    """``current_answers`` for many designs in one query (a list, the Home tab), keyed by design id."""
    found: dict[int, dict[str, Answer]] = {design_id: {} for design_id in design_ids}
    if not design_ids:
        return found
    current = select(Answer).where(
        col(Answer.id).in_(_latest_answers(team_id, design_ids)), Answer.status != AnswerStatus.WITHDRAWN
    )
    for answer in session.exec(current).all():
        found[answer.design_id][answer.question_id] = answer
    return found


def answer_statuses_of(
    *, session: Session, team_id: str, design_ids: Sequence[int]
) -> dict[int, dict[str, AnswerStatus]]:
    """Each question's current status for many designs, without loading the answers' text: enough for progress."""
    found: dict[int, dict[str, AnswerStatus]] = {design_id: {} for design_id in design_ids}
    if not design_ids:
        return found
    rows = session.connection().execute(_STATUSES_OF, {"team_id": team_id, "design_ids": list(design_ids)})
    for design_id, question_id, status in rows:
        found[design_id][question_id] = AnswerStatus(status)
    return found


def _latest_answers(team_id: str, design_ids: Sequence[int]) -> Any:
    """The ids of each question's current answer in these designs (older rows are its history)."""
    return (
        select(func.max(Answer.id))
        .where(Answer.team_id == team_id, col(Answer.design_id).in_(design_ids))
        .group_by(col(Answer.design_id), col(Answer.question_id))
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


def answer_history(*, session: Session, team_id: str, design_id: int, question_id: str) -> Sequence[Answer]:
    return session.exec(
        select(Answer)
        .where(Answer.team_id == team_id, Answer.design_id == design_id, Answer.question_id == question_id)
        .order_by(col(Answer.id))
    ).all()


def all_answers(*, session: Session, team_id: str, design_id: int) -> Sequence[Answer]:
    """Every version of every answer, oldest first: the design document's history."""
    return session.exec(
        select(Answer).where(Answer.team_id == team_id, Answer.design_id == design_id).order_by(col(Answer.id))
    ).all()


def answers_awaiting_reaction(*, session: Session, team_id: str, design_id: int) -> Sequence[Answer]:
    return session.exec(
        select(Answer)
        .where(
            Answer.team_id == team_id,
            Answer.design_id == design_id,
            col(Answer.source_ts).is_not(None),
            col(Answer.reacted).is_(False),
        )
        .order_by(col(Answer.id))
    ).all()


def mark_reacted(*, session: Session, team_id: str, source_ts: str, design_id: int, up_to_id: int) -> None:
    """The reactions of a reply's versions up to ``up_to_id`` are in Slack; a version added since (an Undo while
    the ✅ was being added) still waits for its own."""
    session.exec(  # type: ignore[call-overload]
        update(Answer)
        .where(
            col(Answer.team_id) == team_id,
            col(Answer.design_id) == design_id,
            col(Answer.source_ts) == source_ts,
            col(Answer.id) <= up_to_id,
        )
        .values(reacted=True)
    )


def prompts(*, session: Session, team_id: str, design_id: int) -> Sequence[Prompt]:
    return session.exec(
        select(Prompt).where(Prompt.team_id == team_id, Prompt.design_id == design_id).order_by(col(Prompt.step))
    ).all()


def get_prompt(*, session: Session, team_id: str, design_id: int, step: int) -> Prompt | None:
    return session.exec(
        select(Prompt).where(Prompt.team_id == team_id, Prompt.design_id == design_id, Prompt.step == step)
    ).first()


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


def claim_prompt(*, session: Session, prompt: Prompt) -> bool:
    """Insert the prompt row before posting it; False when another publisher already claimed this step."""
    try:
        with session.begin_nested():
            session.add(prompt)
    except IntegrityError:
        return False
    return True


def record_publication(*, session: Session, team_id: str, design_id: int, **columns: object) -> None:
    """Store what the publisher posted (message ts, permalink, claims) without touching walkthrough state,
    which listeners may have moved on in the meantime."""
    allowed = {
        "parent_ts",
        "parent_claimed_at",
        "permalink",
        "closing_ts",
        "closing_claimed_at",
        "deployed_ts",
        "deployed_claimed_at",
        "summary_ts",
        "summary_claimed_at",
        "summary_pinned",
        "summary_refused",
        "canvas_id",
        "canvas_url",
        "canvas_digest",
        "canvas_shared",
        "canvas_refused",
        "canvas_refused_at",
    }
    if not columns.keys() <= allowed:
        raise ValueError(f"not publisher columns: {sorted(columns.keys() - allowed)}")
    session.exec(  # type: ignore[call-overload]
        update(Design).where(col(Design.team_id) == team_id, col(Design.id) == design_id).values(**columns)
    )


def save_prompt(*, session: Session, prompt: Prompt) -> None:
    """Store what the publisher did with a question's message. Only its own columns: the step and question a
    prompt stands for are the walkthrough's, which a listener may have moved since (a question asked again in its
    message, ``walkthroughs.reuse_prompt``)."""
    session.exec(  # type: ignore[call-overload]
        update(Prompt)
        .where(col(Prompt.team_id) == prompt.team_id, col(Prompt.id) == prompt.id)
        .values(
            message_ts=prompt.message_ts,
            rendered_answer_id=prompt.rendered_answer_id,
            rendered_current=prompt.rendered_current,
            post_started_at=prompt.post_started_at,
        )
    )


def delete_prompt(*, session: Session, team_id: str, prompt_id: int | None) -> None:
    prompt = session.exec(select(Prompt).where(Prompt.team_id == team_id, Prompt.id == prompt_id)).first()
    if prompt is not None:
        session.delete(prompt)


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


def delete_design(*, session: Session, team_id: str, design_id: int) -> None:
    design = get_design(session=session, team_id=team_id, design_id=design_id)
    if design is not None:
        session.delete(design)

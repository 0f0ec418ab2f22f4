"""The read model of designs as people look them up: `/mldesign list` (a channel's), `/mldesign status` (one) and
the Home tab (a person's). One item type and one builder serve all three, so they never disagree on a design's
progress, readiness or next revisit.

Each loader reads a page of designs and everything shown beside them in a few batched queries, whatever the number
of designs. The channel list reads only answer statuses and choices (it is answered in the acknowledgement and shows no
readiness); status and Home read the current answers, which the review needs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlmodel import Session

from bot.usecases.catalogs import Catalogs
from bot.usecases.designs import find_design
from bot.usecases.signoff import reviews_of, signoff_of
from flows.assessment import assess
from flows.assignments import assignee_of
from flows.catalog import Catalog
from flows.overview import DesignOverview
from flows.signoff import Review
from flows.walkthrough import GivenAnswer, progress
from storage import acceptances as acceptance_repo
from storage import answers as answer_repo
from storage import assignments as assignment_repo
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage.designs import ListedDesign
from storage.models import Answer, Design, FindingAcceptance, stored_id


def overview_of(
    design: Design | ListedDesign,
    catalog: Catalog,
    states: Mapping[str, GivenAnswer],
    *,
    answers: Mapping[str, Answer] | None,
    next_nudge: datetime | None,
    waiting_on_viewer: tuple[str, ...] = (),
    revisits_waiting: int = 0,
    acceptances: Sequence[FindingAcceptance] = (),
    today: date | None = None,
    review: Review | None = None,
) -> DesignOverview:
    assert design.id is not None, "a stored design has an id"
    assessment = assess(catalog, answers, acceptances, today) if answers is not None else None
    current = design.current_question_id
    return DesignOverview(
        design_id=design.id,
        name=design.name,
        channel_id=design.channel_id,
        started_by=design.started_by,
        permalink=design.permalink,
        catalog=catalog,
        answers=states,
        progress=progress(catalog, states),
        complete=current is None,
        current_prompt=catalog.question(current).prompt if current in catalog else None,
        readiness=assessment.readiness if assessment else None,
        findings=assessment.findings if assessment else None,
        deployed_at=design.deployed_at,
        reminders=design.reminders_enabled,
        next_nudge=next_nudge if design.reminders_enabled else None,
        waiting_on_viewer=waiting_on_viewer,
        revisits_waiting=revisits_waiting,
        review=review,
    )


def channel_designs(
    *, session: Session, catalogs: Catalogs, team_id: str, channel_id: str, limit: int
) -> tuple[list[DesignOverview], int]:
    """A channel's most recently changed designs, at most ``limit``, and how many more there are."""
    designs = design_repo.list_designs(session=session, team_id=team_id, channel_id=channel_id, limit=limit + 1)
    shown = designs[:limit]
    hidden = 0
    if len(designs) > limit:
        hidden = design_repo.count_designs(session=session, team_id=team_id, channel_id=channel_id) - limit
    ids = [design.id for design in shown]
    states = answer_repo.answer_states_of(session=session, team_id=team_id, design_ids=ids)
    next_due = nudge_repo.next_due_of(session=session, team_id=team_id, design_ids=ids)
    reviews = reviews_of(session, team_id, ids)
    items = [
        overview_of(
            design,
            catalogs.of(design),
            states[design.id],
            answers=None,
            next_nudge=next_due.get(design.id),
            review=reviews.get(design.id),
        )
        for design in shown
    ]
    return items, hidden


def design_status(
    *, session: Session, catalogs: Catalogs, team_id: str, channel_id: str, name: str, today: date
) -> DesignOverview:
    """One design of the channel, by name, with its review (DesignNotFound names the `list` that shows them)."""
    design = find_design(session=session, team_id=team_id, channel_id=channel_id, name=name)
    answers = answer_repo.current_answers(session=session, team_id=team_id, design_id=stored_id(design))
    next_due = nudge_repo.next_due_of(session=session, team_id=team_id, design_ids=[stored_id(design)])
    return overview_of(
        design,
        catalogs.of(design),
        answers,
        answers=answers,
        next_nudge=next_due.get(design.id),
        acceptances=acceptance_repo.of_design(session=session, team_id=team_id, design_id=stored_id(design)),
        today=today,
        review=signoff_of(session, team_id, stored_id(design), design.review_version)[0],
    )


def person_designs(
    *, session: Session, catalogs: Catalogs, team_id: str, user_id: str, limit: int, today: date
) -> tuple[list[DesignOverview], int]:
    """The designs a person started or answered, most recently changed first, at most ``limit``, and how many more
    there are; each says which of its open questions wait on that person."""
    designs = list(design_repo.designs_of_person(session=session, team_id=team_id, user_id=user_id, limit=limit + 1))
    shown, hidden = designs[:limit], 0
    if len(designs) > limit:
        hidden = design_repo.count_designs_of_person(session=session, team_id=team_id, user_id=user_id) - limit
    ids = [stored_id(design) for design in shown]
    answers = answer_repo.current_answers_of(session=session, team_id=team_id, design_ids=ids)
    next_due = nudge_repo.next_due_of(session=session, team_id=team_id, design_ids=ids)
    given = assignment_repo.of_designs(session=session, team_id=team_id, design_ids=ids)
    revisits_waiting = nudge_repo.waiting_of(session=session, team_id=team_id, design_ids=ids)
    accepted = acceptance_repo.of_designs(session=session, team_id=team_id, design_ids=ids)
    reviews = reviews_of(session, team_id, ids)
    items = []
    for design in shown:
        catalog, current = catalogs.of(design), answers[stored_id(design)]
        items.append(
            overview_of(
                design,
                catalog,
                current,
                answers=current,
                next_nudge=next_due.get(design.id),
                waiting_on_viewer=waiting_on(catalog, current, given[stored_id(design)], user_id),
                revisits_waiting=revisits_waiting.get(stored_id(design), 0),
                acceptances=accepted[stored_id(design)],
                today=today,
                review=reviews.get(stored_id(design)),
            )
        )
    return items, hidden


def waiting_on(
    catalog: Catalog, answers: Mapping[str, object], given: Mapping[str, str], person: str
) -> tuple[str, ...]:
    """The questions given to ``person`` (on their own or by area) that have no answer or skip yet."""
    return tuple(
        f"{number}. {question.short_title}"
        for number, question in enumerate(catalog.questions, start=1)
        if question.id not in answers and assignee_of(catalog, question.id, given) == person
    )

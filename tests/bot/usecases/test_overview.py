"""The read model behind `/mldesign list`, `/mldesign status` and the Home tab, against a real database: one shape,
so the three never disagree on a design."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.render.text import render
from bot.usecases import overview
from bot.usecases.errors import DesignNotFound
from storage import answers as answer_repo
from storage import designs as design_repo
from storage import signoffs
from storage.engine import session_scope
from tests.factories import make_answer, make_design

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture
def designs(engine, catalog) -> list[int]:
    """Three designs in one channel, the first with one answer by Bob, the last deployed."""
    ids = []
    with session_scope(engine) as session:
        for n, name in enumerate(("Churn model", "Fraud scoring", "Search ranking")):
            design = make_design(
                name=name,
                catalog_id=catalog.id,
                catalog_version=catalog.version,
                current_question_id=catalog.questions[0].id,
                deployed_at=NOW if n == 2 else None,
                updated_at=datetime(2026, 12, 1 + n, tzinfo=UTC),
            )
            design_repo.add_design(session=session, design=design)
            ids.append(design.id)
        first = catalog.questions[0].id
        answer_repo.add_answer(session=session, design_id=ids[0], answer=make_answer(question_id=first, text="by hand"))
    return ids


def test_a_channels_list_shows_the_latest_designs_first_with_their_progress_and_how_many_more(
    engine, catalogs, catalog, designs
):
    with session_scope(engine) as session:
        items, hidden = overview.channel_designs(
            session=session, catalogs=catalogs, team_id="T1", channel_id="C1", limit=2
        )

    assert [item.name for item in items] == ["Search ranking", "Fraud scoring"]
    assert hidden == 1
    assert items[0].deployed_at is not None and items[0].readiness is None, "the list reads no answer text"
    assert items[1].progress.answered == 0 and items[1].progress.total == len(catalog.questions)


def test_status_and_home_show_the_same_design_the_same_way(engine, catalogs, designs):
    with session_scope(engine) as session:
        status = overview.design_status(
            session=session, catalogs=catalogs, team_id="T1", channel_id="C1", name="churn MODEL", today=TODAY
        )
        home, hidden = overview.person_designs(
            session=session, catalogs=catalogs, team_id="T1", user_id="U0BOB", limit=5, today=TODAY
        )

    assert [entry.name for entry in home] == ["Churn model"], "Bob answered only this one"
    assert hidden == 0
    assert home[0].progress == status.progress and status.progress.answered == 1
    assert home[0].readiness == status.readiness is not None
    assert status.current_prompt is not None


def test_status_of_a_name_the_channel_lacks_says_how_to_find_them(engine, catalogs, designs):
    with pytest.raises(DesignNotFound, match="/mldesign list"), session_scope(engine) as session:
        overview.design_status(
            session=session, catalogs=catalogs, team_id="T1", channel_id="C1", name="Nope", today=TODAY
        )


def test_the_list_and_home_show_each_designs_sign_off_as_status_does(engine, catalogs, designs):
    with session_scope(engine) as session:
        for design_id in designs[:2]:
            signoffs.add_reviewers(
                session=session, team_id="T1", design_id=design_id, user_ids=["U0BOB", "U0CAROL"], by="U0ALICE", now=NOW
            )
        version = signoffs.answers_version(session=session, team_id="T1", design_id=designs[0])
        for reviewer in ("U0BOB", "U0CAROL"):
            signoffs.record_verdict(
                session=session,
                team_id="T1",
                design_id=designs[0],
                reviewer=reviewer,
                verdict="approve",
                comment="",
                version=version,
                now=NOW,
            )

    with session_scope(engine) as session:
        listed, _ = overview.channel_designs(session=session, catalogs=catalogs, team_id="T1", channel_id="C1", limit=5)
        status = overview.design_status(
            session=session, catalogs=catalogs, team_id="T1", channel_id="C1", name="Churn model", today=TODAY
        )
        home, _ = overview.person_designs(
            session=session, catalogs=catalogs, team_id="T1", user_id="U0BOB", limit=5, today=TODAY
        )

    by_name = {item.name: item.review.status.label if item.review else "Draft" for item in listed}
    assert by_name == {"Churn model": "Approved", "Fraud scoring": "In review", "Search ranking": "Draft"}
    assert home[0].review == status.review and status.review is not None
    text = render("list.j2", designs=listed, hidden=0)
    assert (
        "*Churn model*: 1/31 answered · *Approved*" in text and "*Fraud scoring*: 0/31 answered · *In review*" in text
    )
    assert "Search ranking*: 0/31 answered · deployed" in text, "a draft says nothing of sign-off"

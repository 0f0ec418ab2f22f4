"""The thread-reply use cases against a real database (SQLite, and PostgreSQL when configured): what one reply,
edit or deletion stores, read back as the publisher and the summary would."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.usecases.errors import TemplatedError
from bot.usecases.thread_replies import (
    ReplyDeletion,
    ReplyEdit,
    ThreadReply,
    record_deletion,
    record_edit,
    record_reply,
)
from storage import answers as answer_repo
from storage import designs as design_repo
from storage import publishing as publishing_repo
from storage.engine import session_scope
from storage.models import Prompt
from tests.factories import make_design

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
PARENT = "1764756000.000100"
ASKED = "1764756000.000200"
REPLIED = "1764756000.000300"


@pytest.fixture
def design_id(engine, catalog) -> int:
    """A design asking its first question, posted in its thread."""
    with session_scope(engine) as session:
        design = make_design(
            team_id="T1",
            channel_id="C1",
            parent_ts=PARENT,
            catalog_id=catalog.id,
            catalog_version=catalog.version,
            current_question_id=catalog.questions[0].id,
        )
        design_repo.add_design(session=session, design=design)
        session.add(
            Prompt(design_id=design.id, team_id="T1", step=1, question_id=catalog.questions[0].id, message_ts=ASKED)
        )
        return design.id


def reply(text: str, ts: str = REPLIED, event_id: str = "Ev1", **kind) -> ThreadReply:
    return ThreadReply(
        team_id="T1", channel_id="C1", thread_ts=PARENT, ts=ts, user_id="U0BOB", text=text, event_id=event_id, **kind
    )


def stored(engine, design_id):
    with session_scope(engine) as session:
        design = design_repo.get_design(session=session, team_id="T1", design_id=design_id)
        return design, answer_repo.current_answers(session=session, team_id="T1", design_id=design_id)


def test_a_reply_is_stored_as_the_answer_to_the_question_above_it_and_the_walkthrough_moves_on(
    engine, catalogs, catalog, design_id
):
    with session_scope(engine) as session:
        changed = record_reply(session=session, catalogs=catalogs, reply=reply("Analysts, by hand"), now=NOW)

    design, answers = stored(engine, design_id)
    assert changed == design_id
    assert answers[catalog.questions[0].id].text == "Analysts, by hand"
    assert (design.current_question_id, design.step) == (catalog.questions[1].id, 2)


def test_a_delivery_seen_before_or_a_discussion_reply_stores_nothing(engine, catalogs, catalog, design_id):
    with session_scope(engine) as session:
        record_reply(session=session, catalogs=catalogs, reply=reply("Analysts"), now=NOW)
    with session_scope(engine) as session:
        again = record_reply(session=session, catalogs=catalogs, reply=reply("Analysts"), now=NOW)
        aside = record_reply(
            session=session,
            catalogs=catalogs,
            reply=reply("who owns this?", ts="1764756000.000400", event_id="Ev2", discussion=True),
            now=NOW,
        )

    design, answers = stored(engine, design_id)
    assert (again, aside) == (None, None)
    assert list(answers) == [catalog.questions[0].id]
    assert design.step == 2, "moved on once"


def test_a_reply_after_the_end_naming_no_question_is_told_how_with_the_designs_name(engine, catalogs, design_id):
    with session_scope(engine) as session:
        publishing_repo.record_publication(
            session=session, team_id="T1", design_id=design_id, closing_ts="1764756000.000250"
        )
    with pytest.raises(TemplatedError) as told, session_scope(engine) as session:
        record_reply(session=session, catalogs=catalogs, reply=reply("great work"), now=NOW)

    assert told.value.values["name"] == "Churn model"
    assert stored(engine, design_id)[1] == {}


def test_an_edit_is_a_new_version_and_a_deletion_withdraws_it_without_moving(engine, catalogs, catalog, design_id):
    first = catalog.questions[0].id
    with session_scope(engine) as session:
        record_reply(session=session, catalogs=catalogs, reply=reply("Analysts"), now=NOW)
    edit = ReplyEdit(
        team_id="T1",
        channel_id="C1",
        thread_ts=PARENT,
        ts=REPLIED,
        user_id="U0BOB",
        text="Analysts and a rule",
        event_id="Ev2",
    )
    with session_scope(engine) as session:
        assert record_edit(session=session, catalogs=catalogs, edit=edit, now=NOW) == design_id
    assert stored(engine, design_id)[1][first].text == "Analysts and a rule"

    deletion = ReplyDeletion(
        team_id="T1", channel_id="C1", thread_ts=PARENT, ts=REPLIED, user_id="U0BOB", text="", event_id="Ev3"
    )
    with session_scope(engine) as session:
        assert record_deletion(session=session, deletion=deletion, now=NOW) == design_id

    design, answers = stored(engine, design_id)
    assert first not in answers, "the question is open again"
    with session_scope(engine) as session:
        history = answer_repo.answer_history(session=session, team_id="T1", design_id=design_id, question_id=first)
    assert [(a.text, a.status) for a in history][:2] == [("Analysts", "answered"), ("Analysts and a rule", "answered")]
    assert history[-1].status == "withdrawn", "the history keeps what the reply said"
    assert design.step == 2

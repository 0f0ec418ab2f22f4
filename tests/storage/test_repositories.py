from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from storage import answers as answer_repo
from storage import deliveries as delivery_repo
from storage import designs as design_repo
from storage import publishing as publishing_repo
from storage.engine import make_engine, session_scope, statement_scope
from storage.models import Answer, Design, Prompt, utc_now
from tests import factories


def make_design(team_id: str = "T1", channel_id: str = "C1", name: str = "Churn model") -> Design:
    return factories.make_design(team_id=team_id, channel_id=channel_id, name=name, current_question_id="q1")


def add(engine, design: Design) -> int:
    with session_scope(engine) as session:
        design_repo.add_design(session=session, design=design)
        assert design.id is not None
        return design.id


def answer(question_id: str, text: str, author: str = "U1", **extra) -> Answer:
    return factories.make_answer(question_id=question_id, text=text, author_id=author, **extra)


def test_answers_keep_history_and_the_latest_is_current(engine):
    design_id = add(engine, make_design())
    with session_scope(engine) as session:
        answer_repo.add_answer(session=session, design_id=design_id, answer=answer("q1", "first"))
        answer_repo.add_answer(session=session, design_id=design_id, answer=answer("q1", "second", author="U2"))
        answer_repo.add_answer(session=session, design_id=design_id, answer=answer("q2", "other", choices=["batch"]))
    with session_scope(engine) as session:
        current = answer_repo.current_answers(session=session, team_id="T1", design_id=design_id)
        history = answer_repo.answer_history(session=session, team_id="T1", design_id=design_id, question_id="q1")
    assert {question: (a.text, a.author_id) for question, a in current.items()} == {
        "q1": ("second", "U2"),
        "q2": ("other", "U1"),
    }
    assert current["q2"].choices == ["batch"]
    assert [a.text for a in history] == ["first", "second"]
    assert history[0].created_at.tzinfo is not None


def test_queries_are_scoped_to_the_team(engine):
    design_id = add(engine, make_design(team_id="T1"))
    with session_scope(engine) as session:
        assert design_repo.get_design(session=session, team_id="T2", design_id=design_id) is None
        assert design_repo.list_designs(session=session, team_id="T2", channel_id="C1", limit=10) == []
        assert answer_repo.current_answers(session=session, team_id="T2", design_id=design_id) == {}
        assert design_repo.designs_by_id(session=session, keys=[("T2", design_id)]) == {}


def test_designs_load_many_at_once_each_under_its_own_team(engine):
    first = add(engine, make_design(team_id="T1", name="Churn model"))
    second = add(engine, make_design(team_id="T2", name="Fraud model"))
    with session_scope(engine) as session:
        found = design_repo.designs_by_id(session=session, keys=[("T1", first), ("T2", second), ("T1", second)])
    assert {key: design.name for key, design in found.items()} == {
        ("T1", first): "Churn model",
        ("T2", second): "Fraud model",
    }


def test_a_design_name_is_unique_per_channel_but_not_across_channels(engine):
    add(engine, make_design(channel_id="C1"))
    add(engine, make_design(channel_id="C2"))
    with pytest.raises(IntegrityError), session_scope(engine) as session:
        design_repo.add_design(session=session, design=make_design(channel_id="C1"))


def test_an_event_id_is_claimed_once_per_team(engine):
    with session_scope(engine) as session:
        assert delivery_repo.claim_event(session=session, team_id="T1", event_id="Ev1", now=utc_now())
    with session_scope(engine) as session:
        assert not delivery_repo.claim_event(session=session, team_id="T1", event_id="Ev1", now=utc_now())
        assert delivery_repo.claim_event(session=session, team_id="T2", event_id="Ev1", now=utc_now())


def test_a_prompt_step_is_claimed_once(engine):
    design_id = add(engine, make_design())
    with session_scope(engine) as session:
        assert publishing_repo.claim_prompt(
            session=session, prompt=Prompt(design_id=design_id, team_id="T1", step=1, question_id="q1")
        )
        assert not publishing_repo.claim_prompt(
            session=session, prompt=Prompt(design_id=design_id, team_id="T1", step=1, question_id="q1")
        )
    with session_scope(engine) as session:
        assert [p.step for p in publishing_repo.prompts(session=session, team_id="T1", design_id=design_id)] == [1]


def test_published_revision_only_moves_forward(engine):
    design_id = add(engine, make_design())
    with session_scope(engine) as session:
        design = design_repo.get_design(session=session, team_id="T1", design_id=design_id)
        design_repo.mark_changed(session=session, design=design, now=utc_now())
        design_repo.mark_changed(session=session, design=design, now=utc_now())
    with session_scope(engine) as session:
        assert publishing_repo.unpublished_designs(session=session) == [("T1", design_id)]
        publishing_repo.mark_published(session=session, team_id="T1", design_id=design_id, revision=3)
        publishing_repo.mark_published(session=session, team_id="T1", design_id=design_id, revision=2)
    with session_scope(engine) as session:
        assert design_repo.get_design(session=session, team_id="T1", design_id=design_id).published_revision == 3
        assert publishing_repo.unpublished_designs(session=session) == []


def test_publication_columns_leave_walkthrough_state_alone(engine):
    design_id = add(engine, make_design())
    with session_scope(engine) as session:
        publishing_repo.record_publication(session=session, team_id="T1", design_id=design_id, parent_ts="1.000001")
        with pytest.raises(ValueError, match="current_question_id"):
            publishing_repo.record_publication(
                session=session, team_id="T1", design_id=design_id, current_question_id="x"
            )
    with session_scope(engine) as session:
        design = design_repo.get_design(session=session, team_id="T1", design_id=design_id)
        assert (design.parent_ts, design.current_question_id) == ("1.000001", "q1")


def test_deleting_a_design_removes_its_answers_and_prompts(engine):
    design_id = add(engine, make_design())
    with session_scope(engine) as session:
        answer_repo.add_answer(session=session, design_id=design_id, answer=answer("q1", "x"))
        publishing_repo.claim_prompt(
            session=session, prompt=Prompt(design_id=design_id, team_id="T1", step=1, question_id="q1")
        )
    with session_scope(engine) as session:
        design_repo.delete_design(session=session, team_id="T1", design_id=design_id)
    with session_scope(engine) as session:
        assert answer_repo.current_answers(session=session, team_id="T1", design_id=design_id) == {}
        assert publishing_repo.prompts(session=session, team_id="T1", design_id=design_id) == []


def test_user_text_is_stored_verbatim(engine):
    design_id = add(engine, make_design())
    text = "<!channel> {{ 7*7 }} '; DROP TABLE answer; -- مرحبا 🚀 \x07"
    with session_scope(engine) as session:
        answer_repo.add_answer(session=session, design_id=design_id, answer=answer("q1", text))
    with session_scope(engine) as session:
        assert answer_repo.current_answers(session=session, team_id="T1", design_id=design_id)["q1"].text == text


def test_a_one_statement_unit_of_work_commits_and_leaves_the_next_unit_of_work_atomic(engine):
    design_id = add(engine, make_design(name="Churn model"))
    one_connection = make_engine(engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
    with statement_scope(one_connection) as session:
        session.connection().execute(update(Design).where(Design.id == design_id).values(name="Fraud model"))

    with pytest.raises(RuntimeError), session_scope(one_connection) as session:  # the same connection, next
        session.connection().execute(update(Design).where(Design.id == design_id).values(name="Lost"))
        raise RuntimeError("the unit of work fails after its write")
    one_connection.dispose()

    with session_scope(engine) as session:
        assert design_repo.get_design(session=session, team_id="T1", design_id=design_id).name == "Fraud model"


def test_the_publisher_sees_a_designs_revision_until_it_is_deleted(engine):
    design_id = add(engine, make_design())
    other_team = add(engine, make_design(team_id="T2"))
    with session_scope(engine) as session:
        session.execute(update(Design).where(Design.id == design_id).values(revision=3))
    with session_scope(engine) as session:
        assert design_repo.design_revision(session=session, team_id="T1", design_id=design_id) == 3
        assert design_repo.design_revision(session=session, team_id="T1", design_id=other_team) is None
        design_repo.delete_design(session=session, team_id="T1", design_id=design_id)
    with session_scope(engine) as session:
        assert design_repo.design_revision(session=session, team_id="T1", design_id=design_id) is None


def test_a_reply_is_marked_reacted_up_to_the_version_the_reaction_was_for(engine):
    design_id = add(engine, make_design())
    other_id = add(engine, make_design(name="Fraud model"))
    with session_scope(engine) as session:
        versions = [
            answer_repo.add_answer(session=session, design_id=design_id, answer=answer("q1", text, source_ts="5.1"))
            for text in ("first", "edited")
        ]
        elsewhere = answer_repo.add_answer(
            session=session, design_id=other_id, answer=answer("q1", "x", source_ts="5.1")
        )
        assert all(row.id is not None for row in [*versions, elsewhere])
    with session_scope(engine) as session:
        answer_repo.mark_reacted(
            session=session, team_id="T1", design_id=design_id, source_ts="5.1", up_to_id=versions[0].id
        )
    with session_scope(engine) as session:
        reacted = {row.id: row.reacted for row in session.query(Answer).all()}
    assert reacted == {versions[0].id: True, versions[1].id: False, elsewhere.id: False}

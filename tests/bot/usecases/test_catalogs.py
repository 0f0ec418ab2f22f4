"""A team's own catalog: each design keeps the catalog version it was started with, and a catalog whose
questions changed without a new version is refused at start."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.usecases import designs, thread_replies
from bot.usecases.catalogs import Catalogs
from bot.usecases.thread_replies import ThreadReply
from flows.catalog import CatalogError, parse_catalog
from storage import answers as answer_repo
from storage import designs as design_repo
from storage import publishing as publishing_repo
from storage.engine import session_scope

WHEN = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def team_catalog(version: int, questions: list[tuple[str, str]]) -> str:
    entries = "".join(
        f'[[areas.questions]]\nid = "{qid}"\nprompt = "{prompt}"\nhelp = "Say it plainly."\n'
        for qid, prompt in questions
    )
    return f'id = "ours"\nversion = {version}\ntitle = "Our review v{version}"\n[[areas]]\nid = "a"\ntitle = "A"\n' + (
        entries
    )


V1 = parse_catalog(team_catalog(1, [("why", "Why build it?"), ("who", "Who uses it?")]))
V2 = parse_catalog(team_catalog(2, [("goal", "What is the goal?"), ("metric", "How is success measured?")]))


def start(engine, catalogs: Catalogs, name: str, thread_ts: str) -> int:
    with session_scope(engine) as session:
        design_id = designs.start_design(
            session=session,
            catalogs=catalogs,
            team_id="T1",
            channel_id="C1",
            user_id="U1",
            name=name,
            response_url=None,
            now=WHEN,
        )
        publishing_repo.record_publication(session=session, team_id="T1", design_id=design_id, parent_ts=thread_ts)
        return design_id


def test_a_design_keeps_its_catalog_version_after_the_catalog_changes(engine):
    first = Catalogs(engine=engine, current=V1)
    first.keep_current()
    old = start(engine, first, "Churn model", "100.000100")

    restarted = Catalogs(engine=engine, current=V2)  # the team edited its catalog and restarted the bot
    restarted.keep_current()
    new = start(engine, restarted, "Fraud model", "200.000100")
    with session_scope(engine) as session:
        thread_replies.record_reply(
            session=session,
            catalogs=restarted,
            reply=ThreadReply("T1", "C1", "100.000100", "101.000200", "U2", "Analysts ask for it weekly", "Ev1"),
            now=WHEN,
        )

    with session_scope(engine) as session:
        old_design = design_repo.get_design(session=session, team_id="T1", design_id=old)
        new_design = design_repo.get_design(session=session, team_id="T1", design_id=new)
        answers = answer_repo.current_answers(session=session, team_id="T1", design_id=old)
    assert old_design is not None and new_design is not None
    assert restarted.of(old_design).title == "Our review v1"
    assert [q.prompt for q in restarted.of(old_design).questions] == ["Why build it?", "Who uses it?"]
    assert {qid: a.text for qid, a in answers.items()} == {"why": "Analysts ask for it weekly"}
    assert old_design.current_question_id == "who"
    assert (new_design.catalog_version, new_design.current_question_id) == (2, "goal")


def test_changed_questions_under_the_same_version_are_refused_with_one_line(engine):
    Catalogs(engine=engine, current=V1).keep_current()
    edited = parse_catalog(team_catalog(1, [("why", "Why build it at all?"), ("who", "Who uses it?")]))

    with pytest.raises(CatalogError) as refused:
        Catalogs(engine=engine, current=edited).keep_current()

    assert str(refused.value) == (
        "MLDESIGN_CATALOG: catalog 'ours' version 1 is already in use with other questions; "
        "give the changed catalog a new version."
    )


def test_the_same_catalog_kept_by_several_processes_is_stored_once(engine):
    for _ in range(3):
        Catalogs(engine=engine, current=V1).keep_current()

    with session_scope(engine) as session:
        from storage.catalogs import get_catalog_version

        stored = get_catalog_version(session=session, catalog_id="ours", version=1)
    assert stored is not None and stored.digest == V1.digest

"""Claiming due nudges: each due row goes to exactly one dispatcher, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage.engine import session_scope
from storage.models import Nudge
from tests.factories import make_design

NOW = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)


def seed(engine, due: int, later: int = 0) -> int:
    with session_scope(engine) as session:
        design = design_repo.add_design(session=session, design=make_design())
        for n in range(due + later):
            when = NOW - timedelta(minutes=n) if n < due else NOW + timedelta(days=1)
            session.add(Nudge(team_id="T1", design_id=design.id, question_id=f"q{n}", due_at=when))
        return design.id


def claim(engine, name: str) -> list[int]:
    with session_scope(engine) as session:
        rows = nudge_repo.claim_due(session=session, now=NOW, lease_until=NOW + timedelta(minutes=5), claim=name)
        return [row.id for row in rows]


def test_only_due_rows_are_claimed_and_a_claim_is_a_lease(engine):
    seed(engine, due=3, later=2)

    first = claim(engine, "a")
    again = claim(engine, "b")

    assert len(first) == 3 and again == []
    with session_scope(engine) as session:
        rows = nudge_repo.nudges_by_ids(session=session, team_id="T1", nudge_ids=first)
        assert {row.claim for row in rows} == {"a"}
        assert {row.due_at for row in rows} == {NOW + timedelta(minutes=5)}
    with session_scope(engine) as session:  # the lease ran out: the rows are due again, for anyone
        taken = nudge_repo.claim_due(
            session=session, now=NOW + timedelta(minutes=6), lease_until=NOW + timedelta(minutes=11), claim="c"
        )
        assert sorted(row.id for row in taken) == sorted(first)


def test_concurrent_dispatchers_never_claim_the_same_row(engine):
    seed(engine, due=60)
    results: dict[str, list[int]] = {}
    start = threading.Barrier(4)

    def dispatcher(name: str) -> None:
        start.wait()
        results[name] = claim(engine, name)

    threads = [threading.Thread(target=dispatcher, args=(f"d{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    claimed = [row_id for ids in results.values() for row_id in ids]
    assert len(claimed) == len(set(claimed)) == 60


def test_a_dispatcher_whose_lease_was_taken_over_no_longer_holds_the_row(engine):
    seed(engine, due=1)
    [row_id] = claim(engine, "slow")
    with session_scope(engine) as session:
        nudge_repo.claim_due(
            session=session, now=NOW + timedelta(minutes=6), lease_until=NOW + timedelta(minutes=11), claim="fast"
        )
    with session_scope(engine) as session:
        assert nudge_repo.lock_held(session=session, nudge_id=row_id, claim="slow") is None
        assert nudge_repo.lock_held(session=session, nudge_id=row_id, claim="fast") is not None


def test_every_due_row_of_a_design_comes_with_the_first_one_claimed(engine):
    seed(engine, due=250)

    claimed = claim(engine, "a")

    assert len(claimed) == 250, "one design's revisits are never split across two dispatches"


def test_concurrent_dispatchers_take_each_design_whole(engine):
    """Revisits due together go out in one message: however dispatchers race, a design's due rows are never split
    between two claims (here every row falls due at the same moment, the worst case for ordering)."""
    rows_of: dict[int, set[int]] = {}
    with session_scope(engine) as session:
        for number in range(30):
            design = design_repo.add_design(session=session, design=make_design(name=f"Design {number}"))
            rows = [Nudge(team_id="T1", design_id=design.id, question_id=f"q{n}", due_at=NOW) for n in range(5)]
            session.add_all(rows)
            session.flush()
            rows_of[design.id] = {row.id for row in rows}
    claims: list[set[int]] = []
    start = threading.Barrier(4)

    def dispatcher(name: str) -> None:
        start.wait()
        for batch in range(100):
            with session_scope(engine) as session:
                taken = nudge_repo.claim_due(
                    session=session, now=NOW, lease_until=NOW + timedelta(minutes=5), claim=f"{name}-{batch}", limit=7
                )
            if not taken:
                return
            claims.append({row.id for row in taken})

    threads = [threading.Thread(target=dispatcher, args=(f"d{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    claimed = [row_id for ids in claims for row_id in ids]
    assert sorted(claimed) == sorted(row_id for rows in rows_of.values() for row_id in rows), "each row exactly once"
    for design_rows in rows_of.values():
        assert sum(1 for ids in claims if ids & design_rows) == 1, "a design's rows came in one claim"


def retried(session, held: list[int], *, attempts: int, started: datetime) -> list[Nudge]:
    """The held rows as a retried send leaves them: with attempts and the send's start."""
    rows = list(nudge_repo.nudges_by_ids(session=session, team_id="T1", nudge_ids=held))
    for row in rows:
        row.attempts, row.send_started_at = attempts, started
    session.add_all(rows)
    return rows


def record(engine, held: list[int], *, message_ts: str, remind_at: datetime) -> nudge_repo.Recorded:
    """Claim "a" records the message it posted for the rows it carried."""
    with session_scope(engine) as session:
        return nudge_repo.record_sent(
            session=session, nudge_ids=held, claim="a", message_ts=message_ts, sent_at=NOW, remind_at=remind_at
        )


def test_recording_a_sent_message_leaves_a_row_someone_acted_on_meanwhile_with_its_outcome(engine):
    seed(engine, due=3)
    held = claim(engine, "a")
    started = NOW - timedelta(seconds=2)
    with session_scope(engine) as session:  # one was confirmed by a click, one was taken over by another dispatch
        first, second, _ = retried(session, held, attempts=2, started=started)
        first.status, first.claim = "confirmed", None
        second.claim = "b"
        session.add_all([first, second])
    remind_at = NOW + timedelta(days=3)

    recorded = record(engine, held, message_ts="171.5", remind_at=remind_at)

    assert recorded == nudge_repo.Recorded(acted_on=True, by_alert=frozenset())
    with session_scope(engine) as session:
        after = {row.id: row for row in nudge_repo.nudges_by_ids(session=session, team_id="T1", nudge_ids=held)}
    confirmed, taken_over, sent = (after[row_id] for row_id in held)
    assert {(row.message_ts, row.sent_at) for row in after.values()} == {("171.5", NOW)}, "all point at the message"
    lease = NOW + timedelta(minutes=5)
    assert (confirmed.status, confirmed.claim, confirmed.attempts, confirmed.send_started_at) == (
        "confirmed",
        None,
        2,
        started,
    )
    assert (taken_over.status, taken_over.claim, taken_over.due_at, taken_over.attempts) == ("scheduled", "b", lease, 2)
    assert taken_over.send_started_at == started
    assert (sent.status, sent.claim, sent.due_at, sent.attempts, sent.send_started_at) == (
        "sent",
        None,
        remind_at,
        0,
        None,
    )


def test_recording_a_message_whose_rows_were_all_still_held_reports_nothing_acted_on_but_an_alert(engine):
    seed(engine, due=2)
    held = claim(engine, "a")
    with session_scope(engine) as session:
        first, _ = retried(session, held, attempts=1, started=NOW)
        first.by_alert = True  # an alert reopened it while the message was on its way
        session.add(first)
    remind_at = NOW + timedelta(days=3)

    recorded = record(engine, held, message_ts="171.6", remind_at=remind_at)

    assert recorded == nudge_repo.Recorded(acted_on=False, by_alert=frozenset({held[0]}))
    with session_scope(engine) as session:
        rows = nudge_repo.nudges_by_ids(session=session, team_id="T1", nudge_ids=held)
        assert {
            (row.status, row.message_ts, row.sent_at, row.claim, row.due_at, row.attempts, row.send_started_at)
            for row in rows
        } == {("sent", "171.6", NOW, None, remind_at, 0, None)}

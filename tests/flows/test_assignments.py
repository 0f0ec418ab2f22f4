from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.assignments import UnknownTarget, add_working_days, assignee_of, resolve, stalled
from flows.commands import Assign, CommandError, parse_command

LONDON = ZoneInfo("Europe/London")
THURSDAY = datetime(2026, 12, 3, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("7", "question:latency-target"),
        ("data", "area:data"),
        ("Laying", "area:foundation"),
        ("manual-process", "question:manual-process"),
    ],
)
def test_a_target_is_an_area_or_a_question_named_as_a_person_would(catalog, text, key):
    assert resolve(catalog, text).key == key


def test_an_unknown_target_says_what_would_do(catalog):
    with pytest.raises(
        UnknownTarget, match=r"“plumbing” is neither an area .*`data`.* nor a question's number \(1 to 31\)"
    ):
        resolve(catalog, "plumbing")


def test_a_question_given_on_its_own_overrides_its_area(catalog):
    given = {"area:foundation": "U0BOB", "question:goals": "U0CAROL"}

    assert assignee_of(catalog, "manual-process", given) == "U0BOB"
    assert assignee_of(catalog, "goals", given) == "U0CAROL"
    assert assignee_of(catalog, "data-exists", given) is None


def test_working_days_skip_the_weekend():
    assert add_working_days(THURSDAY, 3, LONDON) == datetime(2026, 12, 8, 16, 0, tzinfo=LONDON)


def test_a_walkthrough_stalls_after_three_working_days_once_per_question_and_at_most_weekly():
    tuesday_after = datetime(2026, 12, 8, 17, 0, tzinfo=UTC)
    assert not stalled(
        last_change=THURSDAY,
        now=tuesday_after - timedelta(hours=2),
        zone=LONDON,
        last_nudged=None,
        nudged_this_question=False,
    )
    assert stalled(last_change=THURSDAY, now=tuesday_after, zone=LONDON, last_nudged=None, nudged_this_question=False)
    assert not stalled(
        last_change=THURSDAY, now=tuesday_after, zone=LONDON, last_nudged=None, nudged_this_question=True
    )
    assert not stalled(
        last_change=THURSDAY,
        now=tuesday_after,
        zone=LONDON,
        last_nudged=tuesday_after - timedelta(days=6),
        nudged_this_question=False,
    )


def test_assign_takes_the_name_then_the_target_then_one_person_or_nobody():
    assert parse_command("assign Fraud triage data <@U0BOB|bob>", mentioned={"U0BOB"}) == Assign(
        "Fraud triage", "data", "U0BOB"
    )
    assert parse_command("assign Fraud triage 7 nobody") == Assign("Fraud triage", "7", None)
    for text in ("assign Fraud triage data", "assign Fraud triage data &lt;@U0BOB&gt;", "assign x y <@U0BOB> <@U0AL>"):
        with pytest.raises(CommandError, match="Say which design, what and to whom"):
            parse_command(text, mentioned=set())


def test_a_mention_whose_name_holds_a_space_is_one_person():
    assert parse_command("assign Fraud triage data <@U0DANA|dana smith>", mentioned={"U0DANA"}) == Assign(
        "Fraud triage", "data", "U0DANA"
    )

"""The revisit policy: cadence from the answers, working mornings across timezones and DST, snoozes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from flows.nudges import (
    DAY,
    DEFAULT,
    QUARTER,
    WEEK,
    NudgeStatus,
    ReminderError,
    RemindEvery,
    RemindNow,
    RemindOff,
    RevisitPlanning,
    UnknownOption,
    cadence,
    closed_unsent,
    decide_update,
    in_working_hours,
    next_due,
    parse_reminder,
    plan_revisits,
    send_window,
    snoozed_until,
    working_slot,
    zone,
)
from tests.flows.test_rules import Given, pick

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_default_is_two_weeks_then_four_then_every_quarter():
    assert [DEFAULT.gap(n) for n in range(4)] == [2 * WEEK, 4 * WEEK, QUARTER, QUARTER]


@pytest.mark.parametrize(
    ("refresh", "first"),
    [
        ("daily", WEEK),
        ("weekly", 10 * DAY),
        ("monthly", 33 * DAY),  # after the first monthly retrain, not two weeks after launch, before it
        ("quarterly", QUARTER + 3 * DAY),
        ("triggered", 2 * WEEK),
        (None, 2 * WEEK),
    ],
)
def test_a_refresh_is_first_checked_after_the_first_retrain_it_planned(refresh, first):
    answers = {"refresh-cadence": pick(refresh)} if refresh else {}
    assert cadence("refresh-cadence", answers).first == first


@pytest.mark.parametrize("refresh", ["daily", "weekly", "monthly", "quarterly", None])
@pytest.mark.parametrize("question_id", ["monitoring", "refresh-monitoring"])
def test_monitoring_is_checked_within_the_first_two_weeks_whatever_the_cadence(question_id, refresh):
    answers = {"refresh-cadence": pick(refresh)} if refresh else {}
    assert cadence(question_id, answers).first <= 2 * WEEK


def test_a_refresh_cadence_said_in_words_is_read():
    assert cadence("refresh-cadence", {"refresh-cadence": Given("We retrain every 6 weeks.")}).first == 45 * DAY
    assert cadence("refresh-cadence", {"refresh-cadence": Given("When someone has time.")}) == DEFAULT


def test_the_success_target_is_measured_once_outcomes_can_have_arrived():
    assert cadence("success-target", {}).first == 4 * WEEK
    months = {"outcome-delay": pick("months")}
    assert cadence("success-target", months).first == QUARTER
    stated = {"outcome-delay": Given("About 6 weeks after the decision.")}
    assert cadence("success-target", stated).first == 6 * WEEK
    assert cadence("feedback-loop", stated).first == 6 * WEEK


def test_weekly_refresh_is_checked_before_quarterly():
    weekly = cadence("refresh-cadence", {"refresh-cadence": pick("weekly")})
    quarterly = cadence("refresh-cadence", {"refresh-cadence": pick("quarterly")})
    assert weekly.first < quarterly.first and weekly.then < quarterly.then


def test_the_feedback_loop_waits_for_outcomes_to_arrive():
    months = cadence("feedback-loop", {"outcome-delay": pick("months")})
    assert months.first == QUARTER and months.then >= QUARTER
    assert cadence("feedback-loop", {"outcome-delay": pick("days")}) == DEFAULT
    assert cadence("baselines", {"outcome-delay": pick("months")}) == DEFAULT


def test_a_per_design_override_applies_to_every_decision():
    every = timedelta(days=30)
    assert cadence("refresh-cadence", {"refresh-cadence": pick("daily")}, every=every).gap(0) == every
    assert cadence("feedback-loop", {}, every=every).gap(5) == every


@pytest.mark.parametrize(
    ("moment", "zone_", "expected"),
    [
        pytest.param(utc(2026, 11, 30, 6, 0), BERLIN, utc(2026, 11, 30, 9, 0), id="monday-early-same-day"),
        pytest.param(utc(2026, 11, 30, 9, 0), BERLIN, utc(2026, 11, 30, 9, 0), id="exactly-ten-local"),
        pytest.param(utc(2026, 11, 30, 12, 0), BERLIN, utc(2026, 12, 1, 9, 0), id="after-ten-next-day"),
        pytest.param(utc(2026, 12, 4, 12, 0), BERLIN, utc(2026, 12, 7, 9, 0), id="friday-afternoon-to-monday"),
        pytest.param(utc(2026, 12, 5, 8, 0), NEW_YORK, utc(2026, 12, 7, 15, 0), id="saturday-new-york"),
        pytest.param(utc(2026, 12, 6, 23, 0), TOKYO, utc(2026, 12, 7, 1, 0), id="sunday-utc-is-monday-in-tokyo"),
    ],
)
def test_due_times_land_on_a_weekday_morning_in_the_owners_timezone(moment, zone_, expected):
    assert working_slot(moment, zone_) == expected


def test_ten_oclock_stays_ten_oclock_across_daylight_saving_changes():
    # Berlin moves to summer time on Sunday 29 March 2026: 10:00 local is 09:00 UTC before, 08:00 after.
    before = working_slot(utc(2026, 3, 27, 1, 0), BERLIN)
    after = working_slot(utc(2026, 3, 28, 12, 0), BERLIN)  # Saturday: next slot is Monday 30 March
    assert before == utc(2026, 3, 27, 9, 0)
    assert after == utc(2026, 3, 30, 8, 0)
    assert after.astimezone(BERLIN).hour == 10
    # New York falls back on Sunday 1 November 2026.
    assert working_slot(utc(2026, 10, 31, 12, 0), NEW_YORK) == utc(2026, 11, 2, 15, 0)


def test_next_due_counts_the_gap_from_its_anchor_then_finds_a_working_morning():
    deployed = utc(2026, 11, 27, 16, 0)  # a Friday
    due = next_due(cadence=DEFAULT, round_number=0, anchor=deployed, zone=BERLIN)
    assert due == utc(2026, 12, 14, 9, 0)  # two weeks on is Friday evening; the Monday after, 10:00 Berlin
    third = next_due(cadence=DEFAULT, round_number=2, anchor=due, zone=BERLIN)
    assert third - due >= QUARTER


def test_a_snooze_is_never_overridden_by_the_regular_schedule():
    snoozed_until = utc(2026, 12, 21, 9, 0)
    due = next_due(cadence=DEFAULT, round_number=0, anchor=utc(2026, 11, 27), zone=BERLIN, not_before=snoozed_until)
    assert due >= snoozed_until


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (utc(2026, 12, 1, 9, 30), True),  # Tuesday 10:30 Berlin
        (utc(2026, 12, 1, 17, 30), False),  # Tuesday 18:30 Berlin
        (utc(2026, 12, 5, 10, 0), False),  # Saturday
    ],
)
def test_working_hours(moment, expected):
    assert in_working_hours(moment, BERLIN) is expected
    assert (send_window(moment, BERLIN) == moment) is expected


def test_an_unknown_timezone_falls_back_to_utc():
    assert zone("Not/AZone") == ZoneInfo("UTC")
    assert zone(None) == ZoneInfo("UTC")
    assert zone("Asia/Tokyo") == TOKYO


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("every 30d", RemindEvery(timedelta(days=30))),
        ("Every 2 weeks", RemindEvery(timedelta(days=14))),
        ("every 1 day", RemindEvery(timedelta(days=1))),
        ("off", RemindOff()),
        (" NOW ", RemindNow()),
    ],
)
def test_reminder_settings_parse(text, expected):
    assert parse_reminder(text) == expected


@pytest.mark.parametrize(
    ("text", "message"), [("every 0d", "1 to 366"), ("every 400d", "1 to 366"), ("weekly", "can.t read “weekly”")]
)
def test_bad_reminder_settings_explain_themselves(text, message):
    with pytest.raises(ReminderError, match=message):
        parse_reminder(text)


def test_a_snooze_just_after_friday_morning_comes_back_the_next_friday_morning():
    friday_just_after_ten = datetime(2026, 12, 4, 10, 5, tzinfo=BERLIN)

    back = snoozed_until(friday_just_after_ten, BERLIN)

    assert back == datetime(2026, 12, 11, 10, 0, tzinfo=BERLIN), "a week, not ten days"
    assert snoozed_until(datetime(2026, 12, 5, 15, 0, tzinfo=BERLIN), BERLIN).weekday() == 0, "Saturday: Monday"


@dataclass(frozen=True)
class Stored:
    status: str
    text: str = ""
    choices: tuple[str, ...] = ()


def test_an_update_form_left_as_it_was_confirms_and_a_changed_one_updates():
    previous = Stored("answered", "nightly", ("batch",))
    options = ("batch", "real-time")

    same = decide_update(options=options, previous=previous, text=None, choices=None, revisit=NudgeStatus.SENT)
    changed = decide_update(options=options, previous=previous, text="hourly", choices=None, revisit=NudgeStatus.SENT)

    assert (same.changed, same.outcome) == (False, NudgeStatus.CONFIRMED)
    assert (changed.text, changed.choices, changed.outcome) == ("hourly", ("batch",), NudgeStatus.UPDATED)


def test_an_update_after_the_revisit_closed_still_changes_the_answer_but_gives_no_outcome():
    update = decide_update(
        options=("batch",), previous=Stored("skipped"), text="x", choices=["batch"], revisit=NudgeStatus.UNANSWERED
    )

    assert (update.changed, update.text, update.choices, update.outcome) == (True, "x", ("batch",), None)


def test_an_update_naming_an_option_the_question_lacks_is_refused():
    with pytest.raises(UnknownOption):
        decide_update(options=("batch",), previous=None, text=None, choices=["nope"], revisit=NudgeStatus.SENT)


@dataclass(frozen=True)
class Open:
    status: str = "scheduled"
    round: int = 0
    claim: str | None = None
    due_at: datetime | None = None
    any_hour: bool = False
    not_before: datetime | None = None


PLAN_NOW = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)  # a Monday morning


def planning(open_revisits=None, latest=None) -> RevisitPlanning:
    return RevisitPlanning(
        questions=("refresh", "feedback"),
        open=open_revisits or {},
        latest_rounds=latest or {},
        answers={},
        every=None,
        deployed_at=PLAN_NOW - timedelta(days=2),
        zone=ZoneInfo("Europe/London"),
    )


def test_a_fresh_deployment_plans_round_zero_of_each_revisit_from_the_deployment():
    plan = plan_revisits(planning(), PLAN_NOW, restart=True, keep_due=False)

    assert [(p.question_id, p.round, p.retime) for p in plan] == [("refresh", 0, False), ("feedback", 0, False)]
    assert all(p.due >= PLAN_NOW - timedelta(days=2) + DEFAULT.first for p in plan)


def test_a_restart_retimes_only_what_no_one_holds_or_asked_for_now():
    later = PLAN_NOW + timedelta(days=9)
    held = {"refresh": Open(claim="dispatch", due_at=PLAN_NOW + timedelta(minutes=3)), "feedback": Open(round=2)}
    asked_now = {"refresh": Open(any_hour=True), "feedback": Open(status="sent", due_at=later)}

    plan = plan_revisits(planning(held), PLAN_NOW, restart=True, keep_due=False)
    assert [(p.question_id, p.round, p.retime) for p in plan] == [("feedback", 2, True)]
    assert plan_revisits(planning(asked_now), PLAN_NOW, restart=True, keep_due=False) == []


def test_a_late_timezone_keeps_what_is_due_and_an_outcome_plans_the_next_round_from_now():
    due = {"refresh": Open(due_at=PLAN_NOW - timedelta(hours=1)), "feedback": Open(due_at=PLAN_NOW + timedelta(days=3))}

    kept = plan_revisits(planning(due), PLAN_NOW, restart=True, keep_due=True)
    following = plan_revisits(planning(latest={"refresh": 2, "feedback": 0}), PLAN_NOW, restart=False, keep_due=False)

    assert [p.question_id for p in kept] == ["feedback"]
    assert [(p.question_id, p.round) for p in following] == [("refresh", 3), ("feedback", 1)]
    assert all(p.due > PLAN_NOW for p in following)


@dataclass(frozen=True)
class Due:
    id: int
    question_id: str
    by_alert: bool = False


def test_revisits_that_need_no_message_are_closed_with_their_reason():
    rows = [Due(1, "monitoring"), Due(2, "success-target"), Due(3, "accepted:no-rollback"), Due(4, "accepted:no-owner")]
    applying = {"monitoring"}  # the success metric changed: its target is no longer asked
    raised = {"no-rollback"}  # the owner was named since: that finding is fixed
    assert closed_unsent(rows, applying=applying, raised=raised, reminders=True) == {
        2: NudgeStatus.WITHDRAWN,
        4: NudgeStatus.WITHDRAWN,
    }
    off = closed_unsent(rows, applying=applying, raised=None, reminders=False)
    assert off == {1: NudgeStatus.STOPPED, 2: NudgeStatus.STOPPED}, "an acceptance's expiry comes back all the same"
    alerted = closed_unsent([Due(5, "monitoring", by_alert=True)], applying=applying, raised=None, reminders=False)
    assert alerted == {}, "a decision an alert reopened is asked with reminders off too"

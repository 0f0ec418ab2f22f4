"""When mldesign brings a deployed design's decisions back to its team: the revisit policy.

The article warns that refresh and feedback-loop deficits "go easily unnoticed" once a model runs.
After deployment, each question marked ``revisit_after_deployment`` that applies is asked again on a
schedule: by default two weeks after deployment, four weeks after that, then every quarter. The answers
move it. Monitoring is checked within the first two weeks whatever the refresh cadence, since a silent
alert costs most early. A refresh decision is checked once the first retrain it planned has run (a week
after a monthly model's first retrain, not two weeks after launch, before it). A feedback loop, and the
success target, are not revisited before the outcomes they depend on can have arrived; the success
target's revisit records the value measured since launch. A team can override the cadence per design.
Every due time lands on a weekday at 10:00 in the owner's timezone.

Pure functions of values: the caller passes the clock's ``now`` and the owner's timezone.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.acceptance import rule_of_revisit
from flows.reading import AnswerFacts, Answers

DAY = timedelta(days=1)
WEEK = timedelta(weeks=1)
QUARTER = timedelta(weeks=13)
SNOOZE = WEEK
# A nudge nobody acts on gets one reminder after this long, and is marked unanswered as long after that.
REMIND_AFTER = timedelta(days=3)
GIVE_UP_AFTER = timedelta(days=4)

WORKDAY_START = time(10, 0)
WORKDAY_END = time(18, 0)
SATURDAY = 5
MAX_EVERY_DAYS = 366


class NudgeStatus(StrEnum):
    """Where one revisit stands. The first three are open; the rest are outcomes, kept as the revisit log."""

    SCHEDULED = "scheduled"  # waiting for its due time
    SENT = "sent"  # asked in the thread, waiting for the team
    REMINDED = "reminded"  # asked again once
    CONFIRMED = "confirmed"  # "Still holds"
    UPDATED = "updated"  # the answer was changed
    MEASURED = "measured"  # the success target's value since launch was recorded
    SNOOZED = "snoozed"  # asked again a week later, in a new revisit
    UNANSWERED = "unanswered"  # nobody acted after the reminder
    STOPPED = "stopped"  # reminders were turned off
    WITHDRAWN = "withdrawn"  # the answers no longer call for it: a follow-up withdrawn, a finding since fixed
    FAILED = "failed"  # Slack refused for good (the reason is kept)
    SUPERSEDED = "superseded"  # an alert asked it again, in a new revisit, before anyone answered

    @property
    def is_open(self) -> bool:
        return self in (NudgeStatus.SCHEDULED, NudgeStatus.SENT, NudgeStatus.REMINDED)

    @property
    def outcome(self) -> str:
        """How the revisit log names this status, in the summary and in the design document alike."""
        return _OUTCOMES.get(self, self.value)


_OUTCOMES = {
    NudgeStatus.CONFIRMED: "still holds",
    NudgeStatus.UPDATED: "updated",
    NudgeStatus.MEASURED: "measured",
    NudgeStatus.SNOOZED: "snoozed a week",
    NudgeStatus.UNANSWERED: "unanswered",
    NudgeStatus.STOPPED: "reminders stopped",
    NudgeStatus.WITHDRAWN: "no longer applies",
    NudgeStatus.FAILED: "could not be sent",
    NudgeStatus.SUPERSEDED: "asked again for an alert",
}


@dataclass(frozen=True)
class Cadence:
    """Gaps between revisits: the first from deployment, the second from the first, then the rest."""

    first: timedelta
    second: timedelta
    then: timedelta

    def gap(self, round_number: int) -> timedelta:
        return (self.first, self.second)[round_number] if round_number < 2 else self.then


DEFAULT = Cadence(first=2 * WEEK, second=4 * WEEK, then=QUARTER)

# How often each refresh option retrains. The refresh decision is first checked a few days after the first planned
# retrain (``AFTER_RETRAIN``), once it can be seen to have run; after that, at about every other retrain.
_RETRAIN_EVERY = {"continual": DAY, "daily": DAY, "weekly": WEEK, "monthly": 30 * DAY, "quarterly": QUARTER}
AFTER_RETRAIN = 3 * DAY
MONITORING_FIRST = 2 * WEEK  # monitoring is checked this soon after deployment, whatever the refresh cadence
SUCCESS_FIRST = 4 * WEEK  # the earliest a success target's number is worth measuring
# The earliest a feedback loop can show anything: once outcomes can have arrived.
_OUTCOME_DELAY = {"minutes": DAY, "days": WEEK, "weeks": 4 * WEEK, "months": QUARTER}
_FEEDBACK_QUESTIONS = ("feedback-loop", "outcome-delay", "system-data-pipelines")
_MONITORING_QUESTIONS = ("monitoring", "refresh-monitoring")
SUCCESS_QUESTION = "success-target"


def cadence(question_id: str, current: Mapping[str, AnswerFacts], every: timedelta | None = None) -> Cadence:
    """How often one decision is revisited, given the design's answers and any per-design override."""
    if every is not None:
        return Cadence(first=every, second=every, then=every)
    answers = Answers(current)
    if question_id == "refresh-cadence":
        return _refresh_cadence(answers)
    if question_id in _MONITORING_QUESTIONS:
        refresh = _refresh_cadence(answers)
        return Cadence(first=min(refresh.first, MONITORING_FIRST), second=refresh.second, then=refresh.then)
    outcomes = _outcome_wait(answers)
    if question_id in _FEEDBACK_QUESTIONS and outcomes is not None and outcomes > DEFAULT.first:
        return Cadence(first=outcomes, second=max(outcomes, DEFAULT.second), then=max(outcomes, QUARTER))
    if question_id == SUCCESS_QUESTION:
        first = max(SUCCESS_FIRST, outcomes or timedelta(0))
        return Cadence(first=first, second=max(first, QUARTER), then=QUARTER)
    return DEFAULT


def _refresh_cadence(answers: Answers) -> Cadence:
    """After the first retrain the answer planned: a picked cadence, or one stated in words ("every 6 weeks")."""
    picked = next((option for option in _RETRAIN_EVERY if option in answers.chosen("refresh-cadence")), None)
    stated = answers.duration("refresh-cadence")
    if picked is not None:
        retrain = _RETRAIN_EVERY[picked]
    elif stated is not None and stated.days >= 1 and not answers.chosen("refresh-cadence"):
        retrain = timedelta(days=min(stated.days, 366))
    else:
        return DEFAULT
    first = max(WEEK, retrain + AFTER_RETRAIN)
    return Cadence(first=first, second=max(3 * WEEK, 2 * retrain), then=max(4 * WEEK, min(2 * retrain, QUARTER)))


def _outcome_wait(answers: Answers) -> timedelta | None:
    """How long outcomes take to arrive: the option picked, or the delay stated ("about 3 weeks")."""
    picked = next((option for option in _OUTCOME_DELAY if option in answers.chosen("outcome-delay")), None)
    if picked is not None:
        return _OUTCOME_DELAY[picked]
    stated = answers.duration("outcome-delay")
    return timedelta(days=min(stated.days, 366)) if stated is not None else None


def next_due(
    *, cadence: Cadence, round_number: int, anchor: datetime, zone: tzinfo, not_before: datetime | None = None
) -> datetime:
    """When round ``round_number`` falls due: a gap after its anchor (the deployment for the first round,
    the previous revisit's outcome after that), moved to the owner's next working morning."""
    due = anchor + cadence.gap(round_number)
    if not_before is not None:
        due = max(due, not_before)
    return working_slot(due, zone)


def working_slot(moment: datetime, zone: tzinfo) -> datetime:
    """The first weekday 10:00 in ``zone`` at or after ``moment`` (aware, in UTC).

    10:00 exists on every day in every timezone (clocks change at night), so DST shifts the UTC hour
    but never the local one.
    """
    local = moment.astimezone(zone)
    day = local.date()
    if local.timetz().replace(tzinfo=None) > WORKDAY_START:
        day += DAY
    while day.weekday() >= SATURDAY:
        day += DAY
    return _at(day, WORKDAY_START, zone)


def snoozed_until(moment: datetime, zone: tzinfo) -> datetime:
    """When a revisit snoozed at ``moment`` comes back: the working morning of the day a week later (or the next
    weekday's), so a snooze just after Friday's 10:00 lands on the next Friday, not ten days on."""
    day = (moment.astimezone(zone) + SNOOZE).date()
    return working_slot(_at(day, time(0, 0), zone), zone)


def in_working_hours(moment: datetime, zone: tzinfo) -> bool:
    """Whether a nudge may go out now: a weekday between 10:00 and 18:00 in the owner's timezone."""
    local = moment.astimezone(zone)
    return local.weekday() < SATURDAY and WORKDAY_START <= local.time() < WORKDAY_END


def send_window(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` itself when it is within working hours, else the next working morning."""
    return moment if in_working_hours(moment, zone) else working_slot(moment, zone)


def zone(name: str | None) -> tzinfo:
    """The owner's timezone from Slack's ``tz`` (an IANA name); UTC when unknown or unusable."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def _at(day: date, clock_time: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=zone).astimezone(ZoneInfo("UTC"))


class DueRevisit(Protocol):
    """What triage reads of a revisit that fell due (``storage.models.Nudge`` fits)."""

    @property
    def id(self) -> int | None: ...

    @property
    def question_id(self) -> str: ...

    @property
    def by_alert(self) -> bool: ...


def closed_unsent(
    rows: Sequence[DueRevisit], *, applying: Collection[str], raised: Collection[str] | None, reminders: bool
) -> dict[int, NudgeStatus]:
    """The revisits that fell due but need no message, and the outcome each closes with: with reminders off, every
    question's (the expiry of an accepted finding comes back all the same: it is a decision with a date, not a
    reminder); a question the answers no longer call for; an expiry whose finding the answers have since fixed
    (``raised``, the rules that fire now; None when not read). A revisit an alert reopened goes out with reminders
    off too: monitoring, not a calendar, asked for it."""
    closing = {}
    for row in rows:
        assert row.id is not None
        rule_id = rule_of_revisit(row.question_id)
        if rule_id is not None:
            if raised is not None and rule_id not in raised:
                closing[row.id] = NudgeStatus.WITHDRAWN
        elif not reminders and not row.by_alert:
            closing[row.id] = NudgeStatus.STOPPED
        elif row.question_id not in applying:
            closing[row.id] = NudgeStatus.WITHDRAWN
    return closing


# --- `/mldesign remind <name> every 30d | off | now` ---------------------------------------------------


class ReminderError(ValueError):
    """The reminder setting can't be read; the message says what to type instead."""


@dataclass(frozen=True)
class RemindEvery:
    every: timedelta


@dataclass(frozen=True)
class RemindOff:
    pass


@dataclass(frozen=True)
class RemindNow:
    pass


ReminderSetting = RemindEvery | RemindOff | RemindNow

_EVERY = re.compile(r"^every\s+(\d{1,4})\s*(d|days?|w|weeks?)$", re.IGNORECASE)
_USAGE = "Say `every 30d`, `every 2w`, `off` or `now`."


def parse_reminder(text: str) -> ReminderSetting:
    words = " ".join(text.split())
    if words.casefold() == "off":
        return RemindOff()
    if words.casefold() == "now":
        return RemindNow()
    match = _EVERY.match(words)
    if match is None:
        raise ReminderError(f"I can't read “{words}” as a reminder setting. {_USAGE}")
    days = int(match[1]) * (7 if match[2].casefold().startswith("w") else 1)
    if not 1 <= days <= MAX_EVERY_DAYS:
        raise ReminderError(f"Reminders can be every 1 to {MAX_EVERY_DAYS} days. {_USAGE}")
    return RemindEvery(timedelta(days=days))


@dataclass(frozen=True)
class RevisitUpdate:
    """What an "Update…" form does: the answer's new version (None: it was left as it stood) and the revisit's
    outcome (None: it had one already, and the form still updates the answer, so nothing typed is lost)."""

    text: str
    choices: tuple[str, ...]
    changed: bool
    outcome: NudgeStatus | None


class UnknownOption(ValueError):
    """The form named an option the question does not have."""


def decide_update(
    *,
    options: Sequence[str],
    previous: AnswerFacts | None,
    text: str | None,
    choices: Sequence[str] | None,
    revisit: NudgeStatus,
) -> RevisitUpdate:
    """``text`` or ``choices`` None keeps that part of the answer as it was; an unchanged form counts as "Still
    holds", a changed one as "updated"."""
    answered = previous is not None and previous.status == "answered"
    old_text = previous.text if answered and previous is not None else ""
    old_choices = tuple(previous.choices) if answered and previous is not None else ()
    new_text = old_text if text is None else text
    new_choices = old_choices if choices is None else tuple(choices)
    if any(option not in options for option in new_choices):
        raise UnknownOption("That option is not one of this question's choices.")
    changed = not answered or (new_text, new_choices) != (old_text, old_choices)
    outcome = (NudgeStatus.UPDATED if changed else NudgeStatus.CONFIRMED) if revisit.is_open else None
    return RevisitUpdate(text=new_text, choices=new_choices, changed=changed, outcome=outcome)


class OpenRevisitFacts(Protocol):
    """What planning reads of a revisit still waiting for its outcome (``storage.models.Nudge`` fits)."""

    @property
    def status(self) -> str: ...

    @property
    def round(self) -> int: ...

    @property
    def claim(self) -> str | None: ...

    @property
    def due_at(self) -> datetime | None: ...

    @property
    def any_hour(self) -> bool: ...

    @property
    def not_before(self) -> datetime | None: ...


@dataclass(frozen=True)
class PlannedRevisit:
    """One revisit to write: a new round of ``question_id`` (``retime`` False) or the open one re-timed."""

    question_id: str
    round: int
    due: datetime
    retime: bool


@dataclass(frozen=True)
class RevisitPlanning:
    """Everything planning a design's revisits reads, loaded at once: the revisit questions, each one's open
    revisit and latest round, the current answers (they set the cadence), the deployment and the owner's zone."""

    questions: Sequence[str]
    open: Mapping[str, OpenRevisitFacts]
    latest_rounds: Mapping[str, int]
    answers: Mapping[str, AnswerFacts]
    every: timedelta | None
    deployed_at: datetime
    zone: tzinfo


def plan_revisits(planning: RevisitPlanning, now: datetime, *, restart: bool, keep_due: bool) -> list[PlannedRevisit]:
    """Each revisit question gets one open revisit. With ``restart`` the ones not sent yet are re-timed, never
    sooner than a snooze asked for, and never one a dispatcher holds or someone asked to have now; with
    ``keep_due``, only those not due yet (a late timezone lookup must not put off what is due)."""
    planned = []
    for question_id in planning.questions:
        existing = planning.open.get(question_id)
        if existing is not None and (
            existing.status != NudgeStatus.SCHEDULED
            or not restart
            or (existing.claim is not None and existing.due_at is not None and existing.due_at > now)  # leased
            or existing.any_hour  # `remind … now`: a re-time must not take that back
            or (keep_due and existing.due_at is not None and existing.due_at <= now)
        ):
            continue
        if existing is not None:
            round_number = existing.round
        else:
            latest = planning.latest_rounds.get(question_id)
            round_number = 0 if latest is None else latest + 1
        anchor = planning.deployed_at if round_number == 0 and planning.every is None else now
        not_before = max(now, existing.not_before) if existing is not None and existing.not_before else now
        due = next_due(
            cadence=cadence(question_id, planning.answers, planning.every),
            round_number=round_number,
            anchor=anchor,
            zone=planning.zone,
            not_before=not_before,
        )
        planned.append(PlannedRevisit(question_id, round_number, due, retime=existing is not None))
    return planned

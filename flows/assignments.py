"""Who a question waits on: an owner gives an area or a single question to someone, and a question given on its own
overrides its area's. A walkthrough that stalls nudges that person (or, with nobody assigned, the owner) once.

Targets are written as a person would: an area's id or the first word of its title ("data"), a question's id
("manual-process") or its number ("7").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from flows.catalog import Catalog

STALL_WORKING_DAYS = 3
# A stalled walkthrough is nudged at most once per question asked, and never more often than revisits can come
# (a snoozed revisit comes back a week later).
STALL_NUDGE_GAP = timedelta(days=7)


class UnknownTarget(ValueError):
    """The text names no area or question of the catalog; the message says what would."""


@dataclass(frozen=True)
class Target:
    """An area (``key`` "area:<id>") or a question ("question:<id>"), with its title for messages."""

    key: str
    title: str

    @property
    def is_area(self) -> bool:
        return self.key.startswith("area:")


def resolve(catalog: Catalog, text: str) -> Target:
    """The area or question ``text`` names: a question's number or id, or an area's id or title's first word."""
    wanted = text.strip().casefold()
    if wanted.isdigit() and 1 <= int(wanted) <= len(catalog.questions):
        question = catalog.questions[int(wanted) - 1]
        return Target(f"question:{question.id}", f"question {wanted} ({question.short_title})")
    for area in catalog.areas:
        words = area.title.casefold().split()
        if wanted in (area.id.casefold(), *(words[:1])):
            return Target(f"area:{area.id}", area.title)
    if wanted in catalog:
        number = catalog.position(wanted) + 1
        return Target(f"question:{wanted}", f"question {number} ({catalog.question(wanted).short_title})")
    areas = ", ".join(f"`{area.id}`" for area in catalog.areas)
    total = len(catalog.questions)
    raise UnknownTarget(f"“{text}” is neither an area ({areas}) nor a question's number (1 to {total}).")


def assignee_of(catalog: Catalog, question_id: str, assignments: Mapping[str, str]) -> str | None:
    """The person ``question_id`` waits on: its own assignment, else its area's, else nobody."""
    if question_id not in catalog:
        return None
    own = assignments.get(f"question:{question_id}")
    return own or assignments.get(f"area:{catalog.area_of(question_id).id}")


def add_working_days(start: datetime, days: int, zone: tzinfo) -> datetime:
    """``start`` moved on by ``days`` working days (Monday to Friday) in ``zone``, at the same time of day."""
    moment = start.astimezone(zone)
    left = days
    while left:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            left -= 1
    return moment


def stalled(
    *, last_change: datetime, now: datetime, zone: tzinfo, last_nudged: datetime | None, nudged_this_question: bool
) -> bool:
    """Whether a walkthrough waiting since ``last_change`` deserves its nudge now: after 3 working days without an
    answer, once per question asked, and no sooner than a week after the previous one."""
    if nudged_this_question:
        return False
    if last_nudged is not None and now - last_nudged < STALL_NUDGE_GAP:
        return False
    return now >= add_working_days(last_change, STALL_WORKING_DAYS, zone)

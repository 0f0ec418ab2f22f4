"""Accepted findings: an owner takes a known risk (or leaves a gap open) on purpose, says why, and until when.

An acceptance is a decision, so readiness counts its finding as decided; it is not a fix, so it expires. On its
expiry date the finding counts against readiness again and the decision comes back to the team as a revisit
(``REVISIT_PREFIX`` plus the rule's id names it among the design's revisits). Acceptances are kept as history: the
latest one for a rule is the one that holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from flows.catalog import Catalog
from flows.reading import is_placeholder
from flows.rules import RULES

MAX_RATIONALE = 1000
MAX_DAYS = 366  # a year at most: an acceptance that never comes back is a decision nobody owns any more
DEFAULT_DAYS = 90
REVISIT_PREFIX = "accepted:"


class AcceptanceFacts(Protocol):
    """What the review reads of a stored acceptance (``storage.models.FindingAcceptance`` fits)."""

    @property
    def rule_id(self) -> str: ...

    @property
    def rationale(self) -> str: ...

    @property
    def accepted_by(self) -> str: ...

    @property
    def accepted_at(self) -> datetime: ...

    @property
    def until(self) -> date: ...


@dataclass(frozen=True)
class Acceptance:
    rule_id: str
    rationale: str
    accepted_by: str
    accepted_at: datetime
    until: date


@dataclass(frozen=True)
class AcceptanceProblems:
    """What is wrong with an "Accept…" form, per field, worded for the person who filled it in."""

    rationale: str | None = None
    until: str | None = None

    def __bool__(self) -> bool:
        return self.rationale is not None or self.until is not None


def check(rationale: str, until: date | None, today: date) -> AcceptanceProblems:
    """An acceptance needs a reason someone else can weigh, and an expiry after today and within ``MAX_DAYS``."""
    reason = None
    if not rationale.strip() or is_placeholder(rationale):
        reason = "Say why the team accepts this, so the people who read the design can weigh it."
    elif len(rationale) > MAX_RATIONALE:
        reason = f"Keep the reason under {MAX_RATIONALE} characters; the design document can hold the detail."
    expiry = None
    if until is None:
        expiry = "Pick the date when this comes back to the team."
    elif until <= today:
        expiry = "Pick a date after today: the acceptance ends on it and the decision comes back."
    elif until > today + timedelta(days=MAX_DAYS):
        expiry = f"Pick a date within a year ({(today + timedelta(days=MAX_DAYS)).isoformat()} at the latest)."
    return AcceptanceProblems(rationale=reason, until=expiry)


def default_until(today: date) -> date:
    return today + timedelta(days=DEFAULT_DAYS)


def holding(acceptances: Iterable[AcceptanceFacts], today: date) -> dict[str, AcceptanceFacts]:
    """The acceptance that holds for each rule on ``today``: the latest given, unless its expiry has come."""
    latest: dict[str, AcceptanceFacts] = {}
    for acceptance in acceptances:
        known = latest.get(acceptance.rule_id)
        if known is None or acceptance.accepted_at >= known.accepted_at:
            latest[acceptance.rule_id] = acceptance
    return {rule_id: acceptance for rule_id, acceptance in latest.items() if acceptance.until > today}


def revisit_key(rule_id: str) -> str:
    return f"{REVISIT_PREFIX}{rule_id}"


def rule_of_revisit(key: str) -> str | None:
    """The rule an acceptance's revisit is about; None for a question's revisit."""
    return key.removeprefix(REVISIT_PREFIX) if key.startswith(REVISIT_PREFIX) else None


_RULE_TITLES = {rule.id: rule.title for rule in RULES}


def rule_title(rule_id: str) -> str:
    return _RULE_TITLES.get(rule_id, rule_id)


def revisit_title(catalog: Catalog, key: str) -> str:
    """How a revisit is named in its message and the logs: its question's short title, or, for an acceptance that ran
    out, the finding accepted."""
    rule_id = rule_of_revisit(key)
    if rule_id is not None:
        return f"Accepted finding “{rule_title(rule_id)}”"
    return catalog.question(key).short_title if key in catalog else key

"""A design as people look it up (a channel's list, its status, a person's Home tab): one shape for all three, so
they never disagree on a design's progress, readiness or next revisit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from flows.catalog import Catalog
from flows.readiness import Readiness
from flows.review import Finding
from flows.signoff import Review
from flows.walkthrough import GivenAnswer, Progress


@dataclass(frozen=True)
class DesignOverview:
    """One design as a list, its status or the Home tab shows it. ``readiness`` and ``findings`` are None where the
    answers were not read (the channel list)."""

    design_id: int
    name: str
    channel_id: str
    started_by: str
    permalink: str | None
    catalog: Catalog
    answers: Mapping[str, GivenAnswer]  # status and choices of each question's current answer
    progress: Progress
    complete: bool
    readiness: Readiness | None
    findings: tuple[Finding, ...] | None
    deployed_at: datetime | None
    reminders: bool
    next_nudge: datetime | None  # the next revisit, while reminders are on
    current_prompt: str | None = None  # the question being asked, None once the walkthrough is complete
    waiting_on_viewer: tuple[str, ...] = ()  # the open questions given to the viewer, as "7. Short title"
    revisits_waiting: int = 0  # revisits asked in the thread that nobody has answered yet
    review: Review | None = None  # sign-off; None: a draft, no reviewers named yet

"""What one publish reads of a design, once, before it changes anything in Slack."""

from __future__ import annotations

from dataclasses import dataclass, field

from flows import walkthrough
from flows.assignments import assignee_of
from flows.catalog import Catalog
from flows.signoff import Review
from flows.walkthrough import Progress
from storage.models import Answer, Design, FindingAcceptance, Prompt


@dataclass(frozen=True)
class Snapshot:
    design: Design
    catalog: Catalog
    answers: dict[str, Answer]
    prompts: list[Prompt]
    assignments: dict[str, str] = field(default_factory=dict)
    acceptances: list[FindingAcceptance] = field(default_factory=list)  # every one, as history
    review: Review | None = None  # sign-off, once reviewers are named
    review_changed: tuple[str, ...] = ()  # questions changed since the approvals new answers outdated

    def assignee(self, question_id: str) -> str | None:
        return assignee_of(self.catalog, question_id, self.assignments)

    @property
    def design_id(self) -> int:
        assert self.design.id is not None
        return self.design.id


def progress_of(snapshot: Snapshot) -> Progress:
    return walkthrough.progress(snapshot.catalog, snapshot.answers)

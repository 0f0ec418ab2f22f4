"""Block Kit for accepting a review finding: the summary's menu of findings, and the "Accept…" form (why, until when).

The form carries its design and rule in ``private_metadata``; ``submitted_acceptance`` reads them back with what
the person wrote, and leaves every judgement on it to ``flows.acceptance.check``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.render.blocks import SECTION_LIMIT
from bot.render.forms import MalformedForm
from bot.render.ids import ActionId, CallbackId, InputId
from bot.render.text import render, truncate_mrkdwn, truncate_text
from flows.acceptance import MAX_DAYS, MAX_RATIONALE, AcceptanceFacts, default_until
from flows.review import Finding
from storage.models import Design

MAX_OPTION_TEXT = 75
MAX_MENU_OPTIONS = 100


@dataclass(frozen=True)
class SubmittedAcceptance:
    design_id: int
    rule_id: str
    rationale: str
    until: date | None


def accept_menu(design_id: int, findings: Sequence[Finding]) -> StaticSelectElement:
    """One menu for every finding (an accepted one can be accepted again, for longer or with a new reason): a block
    however many findings there are."""
    options = [
        Option(
            value=f"{design_id}:{finding.rule_id}",
            text=truncate_text(("Again: " if finding.accepted else "") + finding.title, MAX_OPTION_TEXT),
        )
        for finding in findings[:MAX_MENU_OPTIONS]
    ]
    return StaticSelectElement(action_id=ActionId.ACCEPT_FINDING, placeholder="Accept a finding…", options=options)


def picked_finding(action: dict[str, Any]) -> tuple[int, str]:
    """The design and rule of the menu's pick, or of an "Accept again…" button; ValueError for anything else."""
    value = (action.get("selected_option") or {}).get("value") if "selected_option" in action else action.get("value")
    design_id, _, rule_id = str(value or "").partition(":")
    if not rule_id:
        raise ValueError(value)
    return int(design_id), rule_id


def acceptance_form(
    *, design: Design, finding: Finding, previous: AcceptanceFacts | None, today: date
) -> dict[str, Any]:
    """Why the team takes this on, and until when; prefilled with the latest acceptance of the same finding, if any,
    so accepting again is a matter of moving the date."""
    assert design.id is not None
    intro = render("acceptance_intro.j2", name=design.name, finding=finding)
    until = previous.until if previous is not None and previous.until > today else default_until(today)
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(intro, SECTION_LIMIT))),
        InputBlock(
            block_id=InputId.RATIONALE,
            label="Why the team accepts it",
            hint="The readers of the design weigh this: what limits the harm, and what would make you act sooner.",
            element=PlainTextInputElement(
                action_id=InputId.RATIONALE,
                multiline=True,
                max_length=MAX_RATIONALE,
                initial_value=previous.rationale if previous is not None else None,
            ),
        ),
        InputBlock(
            block_id=InputId.UNTIL,
            label="Until",
            hint=f"On this date it counts against readiness again and comes back to the team (within {MAX_DAYS} days).",
            element=DatePickerElement(action_id=InputId.UNTIL, initial_date=until.isoformat()),
        ),
        ContextBlock(elements=[MarkdownTextObject(text="The summary shows who accepted it, why, and until when.")]),
    ]
    view = View(
        type="modal",
        callback_id=CallbackId.ACCEPT_FINDING,
        title="Accept a finding",
        submit="Accept",
        close="Cancel",
        private_metadata=json.dumps({"design_id": design.id, "rule_id": finding.rule_id}),
        blocks=blocks,
    )
    return view.to_dict()


def submitted_acceptance(view: dict[str, Any]) -> SubmittedAcceptance:
    """What the form says; MalformedForm when it is not one of ours."""
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
        design_id, rule_id = int(metadata["design_id"]), str(metadata["rule_id"])
    except (ValueError, KeyError, TypeError) as error:
        raise MalformedForm("This form doesn't belong to an mldesign finding.") from error
    values = (view.get("state") or {}).get("values") or {}
    rationale = ((values.get(InputId.RATIONALE) or {}).get(InputId.RATIONALE) or {}).get("value") or ""
    picked = ((values.get(InputId.UNTIL) or {}).get(InputId.UNTIL) or {}).get("selected_date")
    try:
        until = date.fromisoformat(picked) if picked else None
    except (TypeError, ValueError):
        until = None  # the check asks for a date
    return SubmittedAcceptance(design_id=design_id, rule_id=rule_id, rationale=rationale.strip(), until=until)

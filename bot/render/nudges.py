"""Block Kit for revisit nudges: the message in the design's thread, its reminder, and the update form."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.render.blocks import SECTION_LIMIT, Message, notice, to_dicts
from bot.render.ids import ActionId, CallbackId, InputId
from bot.render.text import escape_mrkdwn, join_labels, one_line, render, truncate_mrkdwn, truncate_text
from flows.acceptance import AcceptanceFacts, revisit_title, rule_of_revisit
from flows.catalog import Catalog, QuestionKind
from flows.nudges import SUCCESS_QUESTION, NudgeStatus
from storage.models import Answer, Design, Nudge

EXCERPT = 600
MAX_INPUT = 3000  # Slack's limit for a plain-text input's value


@dataclass(frozen=True)
class Confirmation:
    at: datetime
    by: str | None


class AlertFacts(Protocol):
    """What a nudge shows of a production alert (``storage.models.ProductionAlert`` fits)."""

    @property
    def name(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def link(self) -> str: ...
    @property
    def starts_at(self) -> datetime: ...
    @property
    def resolved_at(self) -> datetime | None: ...
    @property
    def ended_at(self) -> datetime | None: ...


class ShownAnswer(Protocol):
    """What a revisit shows of a question's current answer (a stored Answer, or only the columns it needs)."""

    @property
    def status(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def choices(self) -> list[str]: ...
    @property
    def created_at(self) -> datetime: ...


def nudge_message(
    *,
    design: Design,
    catalog: Catalog,
    nudges: Sequence[Nudge],
    answers: Mapping[str, ShownAnswer],
    confirmations: Mapping[str, Confirmation],
    acceptances: Mapping[str, AcceptanceFacts] | None = None,
    alerts: Sequence[AlertFacts] = (),
) -> Message:
    """One message for every decision due at once (coalesced), each with its own buttons until it has an
    outcome; the outcome then replaces the buttons. An acceptance that lapsed (``acceptances``: the latest of each
    finding, by rule) comes back the same way, before deployment too. ``alerts``: the production alerts that
    reopened these decisions, shown first, each with its summary, start, source and, once over, its resolution."""
    acceptances = acceptances or {}
    if alerts:
        intro = render("nudge_alert.j2", owner=design.started_by, count=len(nudges), name=design.name, alerts=alerts)
    else:
        intro = render(
            "nudge_intro.j2",
            owner=design.started_by,
            count=len(nudges),
            name=design.name,
            deployed_at=design.deployed_at,
        )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(intro, SECTION_LIMIT)))]
    for nudge in nudges:
        rule_id = rule_of_revisit(nudge.question_id)
        if rule_id is not None:
            blocks += _lapsed_item(catalog, design, nudge, rule_id, acceptances.get(rule_id))
        else:
            blocks += _item(catalog, nudge, answers.get(nudge.question_id), confirmations.get(nudge.question_id))
    if any(NudgeStatus(nudge.status).is_open and rule_of_revisit(nudge.question_id) is None for nudge in nudges):
        # No confirm dialog on the button: Slack would show it before the bot can tell a non-owner they may not.
        # The click checks first, then asks an owner to confirm (``stop_confirmation``).
        stop = ButtonElement(
            text="Stop these reminders…", action_id=ActionId.NUDGE_STOP, value=str(nudges[0].id), style="danger"
        )
        blocks.append(ActionsBlock(elements=[stop]))
    titles = ", ".join(_title(catalog, nudge) for nudge in nudges)
    fallback = f"Time to revisit {titles} of {design.name}"
    if alerts:
        fallback = f"Alert {', '.join(alert.name for alert in alerts)} on {design.name}: {titles} asked again"
    return Message(text=escape_mrkdwn(truncate_text(fallback, 3000)), blocks=to_dicts(blocks))


def reminder_message(*, design: Design, catalog: Catalog, nudges: Sequence[Nudge], give_up_at: datetime) -> Message:
    text = render(
        "nudge_reminder.j2",
        owner=design.started_by,
        titles=[_title(catalog, nudge) for nudge in nudges],
        name=design.name,
        give_up_at=give_up_at,
    )
    text = truncate_mrkdwn(text, SECTION_LIMIT)
    return Message(text=text, blocks=to_dicts([SectionBlock(text=MarkdownTextObject(text=text))]))


def _item(catalog: Catalog, nudge: Nudge, answer: ShownAnswer | None, confirmed: Confirmation | None) -> list[Block]:
    question = catalog.question(nudge.question_id) if nudge.question_id in catalog else None
    answered = answer is not None and answer.status == "answered"
    body = render(
        "nudge_item.j2",
        title=_title(catalog, nudge),
        answer=answer,
        chosen=join_labels(question.labels(answer.choices)) if question and answer else "",
        excerpt=truncate_text(one_line(answer.text), EXCERPT) if answer else "",
    )
    state = render(
        "nudge_state.j2",
        status=nudge.status,
        confirmed_at=confirmed.at if confirmed else None,
        confirmed_by=confirmed.by if confirmed else None,
        answered_at=answer.created_at if answered and answer else None,
        resolved_by=nudge.resolved_by,
        resolved_at=nudge.resolved_at,
        failure=nudge.failure or "",
        measured=nudge.measured or "",
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(body, SECTION_LIMIT))),
        ContextBlock(elements=[MarkdownTextObject(text=truncate_mrkdwn(state, SECTION_LIMIT))]),
    ]
    if NudgeStatus(nudge.status).is_open and question is not None:
        value = str(nudge.id)
        buttons = [
            ButtonElement(text="Update…", action_id=ActionId.NUDGE_UPDATE, value=value),
            ButtonElement(text="Snooze a week", action_id=ActionId.NUDGE_SNOOZE, value=value),
        ]
        if question.id == SUCCESS_QUESTION and answered:  # what matters now is where the number got to
            buttons.insert(
                0,
                ButtonElement(text="Record the value…", action_id=ActionId.NUDGE_MEASURE, value=value, style="primary"),
            )
        elif answered:  # there is a decision to confirm
            confirm = ButtonElement(text="Still holds", action_id=ActionId.NUDGE_CONFIRM, value=value, style="primary")
            buttons.insert(0, confirm)
        blocks.append(ActionsBlock(block_id=f"nudge:{nudge.id}", elements=buttons))
    return blocks


def _lapsed_item(
    catalog: Catalog, design: Design, nudge: Nudge, rule_id: str, acceptance: AcceptanceFacts | None
) -> list[Block]:
    """A finding whose acceptance ran out: who accepted it and why, and "Accept again…" while it is open."""
    text = render(
        "nudge_acceptance.j2",
        title=_title(catalog, nudge),
        acceptance=acceptance,
        status=nudge.status,
        resolved_by=nudge.resolved_by,
        resolved_at=nudge.resolved_at,
        failure=nudge.failure or "",
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(text, SECTION_LIMIT)))]
    if NudgeStatus(nudge.status).is_open:
        again = ButtonElement(
            text="Accept again…", action_id=ActionId.ACCEPT_AGAIN, value=f"{design.id}:{rule_id}", style="primary"
        )
        snooze = ButtonElement(text="Snooze a week", action_id=ActionId.NUDGE_SNOOZE, value=str(nudge.id))
        blocks.append(ActionsBlock(block_id=f"nudge:{nudge.id}", elements=[again, snooze]))
    return blocks


def _title(catalog: Catalog, nudge: Nudge) -> str:
    return revisit_title(catalog, nudge.question_id)


def update_form(*, catalog: Catalog, nudge: Nudge, design: Design, answer: Answer | None) -> dict[str, Any]:
    """The "Update…" modal, prefilled with the current answer. An answer longer than a text box can hold
    is not prefilled: leaving the box empty keeps it."""
    question = catalog.question(nudge.question_id)
    answered = answer is not None and answer.status == "answered"
    text = answer.text if answered and answer else ""
    too_long = len(text) > MAX_INPUT
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=f"*{escape_mrkdwn(design.name)}*\n{escape_mrkdwn(question.prompt)}"))
    ]
    if question.options:
        options = [Option(value=option.id, text=option.label) for option in question.options]
        chosen = [option for option in options if answered and answer and option.value in answer.choices]
        element: StaticSelectElement | StaticMultiSelectElement
        if question.kind is QuestionKind.MULTI:
            element = StaticMultiSelectElement(
                action_id=InputId.CHOICES, options=options, initial_options=chosen or None, placeholder="Pick all"
            )
        else:
            element = StaticSelectElement(
                action_id=InputId.CHOICES,
                options=options,
                initial_option=chosen[0] if chosen else None,
                placeholder="Pick one",
            )
        blocks.append(InputBlock(block_id=InputId.CHOICES, label="Choice", element=element, optional=True))
    hint = "The current answer is too long to show here; leave this empty to keep it." if too_long else None
    blocks.append(
        InputBlock(
            block_id=InputId.TEXT,
            label="Answer",
            hint=hint,
            optional=bool(question.options) or too_long,
            element=PlainTextInputElement(
                action_id=InputId.TEXT,
                multiline=True,
                max_length=MAX_INPUT,
                initial_value=None if too_long or not text else text,
            ),
        )
    )
    view = View(
        type="modal",
        callback_id=CallbackId.NUDGE_UPDATE,
        title="Update the decision",
        submit="Save",
        close="Cancel",
        private_metadata=json.dumps({"nudge_id": nudge.id, "keep_text": too_long}),
        blocks=blocks,
    )
    return view.to_dict()


def measure_form(*, design: Design, nudge: Nudge, target: str) -> dict[str, Any]:
    """The success target's revisit: where the number is now, beside the target the team set."""
    intro = f"*{escape_mrkdwn(design.name)}*\nThe target: _{escape_mrkdwn(one_line(target)[:EXCERPT])}_"
    view = View(
        type="modal",
        callback_id=CallbackId.NUDGE_MEASURE,
        title="Since launch",
        submit="Record",
        close="Cancel",
        private_metadata=json.dumps({"nudge_id": nudge.id}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(intro, SECTION_LIMIT))),
            InputBlock(
                block_id=InputId.MEASURED,
                label="Where is it now?",
                hint="The value measured since launch, with its unit: “5 h”, “4.6%”, “$8k a month”.",
                element=PlainTextInputElement(action_id=InputId.MEASURED, max_length=200),
            ),
        ],
    )
    return view.to_dict()


def stall_message(*, design: Design, catalog: Catalog, question_id: str, waiting_on: str) -> Message:
    """The one nudge of a walkthrough that stopped: who it waits on, and the question."""
    return notice(
        "stalled.j2",
        waiting_on=waiting_on,
        name=design.name,
        number=catalog.position(question_id) + 1,
        prompt=catalog.question(question_id).prompt,
    )


def stop_confirmation(*, design: Design, nudge_id: int) -> dict[str, Any]:
    """The owner's "are you sure?" before the reminders stop, asked after the bot checked they may."""
    text = (
        f"No more revisits of *{escape_mrkdwn(design.name)}*, until an owner runs "
        f"`/mldesign remind {escape_mrkdwn(design.name)} every 30d` again."
    )
    view = View(
        type="modal",
        callback_id=CallbackId.NUDGE_STOP,
        title="Stop reminders?",
        submit="Stop them",
        close="Keep them",
        private_metadata=json.dumps({"nudge_id": nudge_id}),
        blocks=[SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(text, SECTION_LIMIT)))],
    )
    return view.to_dict()

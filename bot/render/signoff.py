"""Block Kit for sign-off: the review's message in the design's thread (who is asked, where each reviewer stands,
what changed since an approval), with Approve and Request changes…, and the form that asks what should change."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    MarkdownTextObject,
    PlainTextInputElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.render.blocks import SECTION_LIMIT, Message, notice, to_dicts
from bot.render.forms import MalformedForm
from bot.render.ids import ActionId, CallbackId, InputId
from bot.render.text import escape_mrkdwn, join_labels, one_line, render, truncate_mrkdwn, truncate_text
from flows.catalog import Catalog, Question
from flows.changes import Change, ChangeKind, HistoryFacts
from flows.signoff import MAX_COMMENT, Review
from storage.models import Design

MAX_CHANGED_SHOWN = 10


def review_message(
    *, design: Design, catalog: Catalog, review: Review, asking: Sequence[str], changed: Sequence[str]
) -> Message:
    """``asking``: who this round mentions; ``changed``: the questions changed since the approvals it renews."""
    assert design.id is not None
    titles = [catalog.question(question_id).short_title for question_id in changed if question_id in catalog]
    text = render(
        "review.j2",
        name=design.name,
        asking=list(asking),
        review=review,
        status=review.status.label,
        approved=sum(1 for reviewer in review.reviewers if reviewer.approved),
        changed=titles[:MAX_CHANGED_SHOWN],
        more=max(0, len(titles) - MAX_CHANGED_SHOWN),
    )
    value = str(design.id)
    buttons = [
        ButtonElement(text="Approve", action_id=ActionId.REVIEW_APPROVE, value=value, style="primary"),
        ButtonElement(text="Request changes…", action_id=ActionId.REVIEW_CHANGES, value=value),
    ]
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(text, SECTION_LIMIT))),
        ActionsBlock(block_id=f"review:{design.id}", elements=buttons),
    ]
    fallback = f"Review of {design.name}: {review.status.label}"
    return Message(text=escape_mrkdwn(fallback), blocks=to_dicts(blocks))


def changes_form(design: Design) -> dict[str, Any]:
    """What should change: required, so the team knows what to do."""
    intro = f"*{escape_mrkdwn(design.name)}*\nSay what should change before you can approve it."
    view = View(
        type="modal",
        callback_id=CallbackId.REVIEW_CHANGES,
        title="Request changes",
        submit="Send",
        close="Cancel",
        private_metadata=json.dumps({"design_id": design.id}),
        blocks=[
            SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(intro, SECTION_LIMIT))),
            InputBlock(
                block_id=InputId.COMMENT,
                label="What should change",
                element=PlainTextInputElement(action_id=InputId.COMMENT, multiline=True, max_length=MAX_COMMENT),
            ),
        ],
    )
    return view.to_dict()


def submitted_changes(view: dict[str, Any]) -> tuple[int, str]:
    """The design and the comment of a "Request changes" form; MalformedForm when it is not one of ours."""
    try:
        design_id = int(json.loads(view.get("private_metadata") or "{}")["design_id"])
    except (ValueError, KeyError, TypeError) as error:
        raise MalformedForm("This form doesn't belong to an mldesign review.") from error
    values = (view.get("state") or {}).get("values") or {}
    return design_id, ((values.get(InputId.COMMENT) or {}).get(InputId.COMMENT) or {}).get("value") or ""


MAX_CHANGES_SHOWN = 10  # with their excerpts, within a section's 3,000 characters
EXCERPT = 80


def changes_message(design: Design, catalog: Catalog, since: str, changes: Sequence[Change]) -> Message:
    """`/mldesign changes`: compact, the first ``MAX_CHANGES_SHOWN``; the design document holds the answers whole."""
    items = [
        {
            "kind": change.kind.value,
            "title": catalog.question(change.question_id).short_title,
            "before": _shown(catalog.question(change.question_id), change.before),
            "after": _shown(catalog.question(change.question_id), change.after)
            if change.kind is not ChangeKind.WITHDRAWN
            else "",
            "by": change.by,
            "at": change.at,
        }
        for change in changes[:MAX_CHANGES_SHOWN]
    ]
    return notice(
        "changes.j2", name=design.name, since=since, items=items, more=max(0, len(changes) - MAX_CHANGES_SHOWN)
    )


def _shown(question: Question, answer: HistoryFacts | None) -> str:
    """An answer in a line: the options picked, by their labels, then the start of its text."""
    if answer is None:
        return ""
    picked = join_labels(question.labels(answer.choices))
    text = truncate_text(one_line(answer.text), EXCERPT)
    return " · ".join(part for part in (picked, text) if part)

"""Slack ids the bot's messages and its listeners share, kept in one place so they can't drift apart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ActionId(StrEnum):
    CHOOSE = "choose_option"  # a button per option; suffixed with ":<option id>" to stay unique in the block
    SELECT = "select_option"
    SELECT_MANY = "select_options"
    SKIP = "skip_question"
    DONE = "finish_question"  # under a multi-select: the picks are complete, move on
    BACK = "previous_question"
    EXPORT = "export_design"  # on the summary: post the Markdown design document
    OPEN_THREAD = "open_thread"  # a link button; Slack still sends its click, which only needs an ack
    OPEN_CANVAS = "open_canvas"  # a link button to the design's canvas, like OPEN_THREAD
    UNDO_ANSWER = "undo_answer"  # on a question a reply answered: that reply was discussion, ask again
    ANSWER_FORM = "open_answer_form"  # on a question not being asked: answer or change it in a modal
    AREA_FORM = "open_area_form"  # on an area's first question: the whole area in one modal
    PICK_QUESTION = "pick_question"  # the question menu of the summary, status and Home: opens its form
    MARK_DEPLOYED = "mark_deployed"
    NUDGE_CONFIRM = "nudge_confirm"
    NUDGE_UPDATE = "nudge_update"
    NUDGE_SNOOZE = "nudge_snooze"
    NUDGE_STOP = "nudge_stop"
    NUDGE_MEASURE = "nudge_measure"  # the success target's revisit: record the value measured since launch
    ACCEPT_FINDING = "accept_finding"  # the summary's menu of findings: opens the "Accept…" form for the one picked
    ACCEPT_AGAIN = "accept_again"  # on an expired acceptance's revisit: the same form, for that finding
    REVIEW_APPROVE = "review_approve"
    REVIEW_CHANGES = "review_changes"  # opens the form that asks what should change
    DELETE_DESIGN = "delete_design"  # on the ephemeral confirmation of /mldesign delete
    KEEP_DESIGN = "keep_design"


class CallbackId(StrEnum):
    NUDGE_UPDATE = "nudge_update_form"
    ANSWER_FORM = "answer_form"
    NUDGE_STOP = "nudge_stop_confirm"
    ACCEPT_FINDING = "accept_finding_form"
    NUDGE_MEASURE = "nudge_measure_form"
    REVIEW_CHANGES = "review_changes_form"


class InputId(StrEnum):
    """block_id and action_id of the forms' inputs (the revisit's update form, the acceptance form)."""

    TEXT = "answer_text"
    CHOICES = "answer_choices"
    RATIONALE = "acceptance_rationale"
    UNTIL = "acceptance_until"
    MEASURED = "measured_value"
    COMMENT = "review_comment"


class BlockKind(StrEnum):
    CHOICES = "choices"
    NAVIGATION = "nav"
    UNDO = "undo"  # its version is the answer it undoes
    FORM = "form"  # the buttons that open the answer form


class BlockId(StrEnum):
    SUMMARY_ACTIONS = "summary_actions"


QUESTION_MENU_PREFIX = "questions:"  # block_id of a question menu: this, then the design's id


def question_menu_block_id(design_id: int) -> str:
    return f"{QUESTION_MENU_PREFIX}{design_id}"


def design_of_question_menu(block_id: str) -> int:
    """The design a question menu belongs to; ValueError for any other block."""
    if not block_id.startswith(QUESTION_MENU_PREFIX):
        raise ValueError(block_id)
    return int(block_id.removeprefix(QUESTION_MENU_PREFIX))


class MetadataType(StrEnum):
    """``metadata.event_type`` of the bot's posts, so a post interrupted by a crash can be found again."""

    DESIGN = "mldesign_design"
    PROMPT = "mldesign_prompt"
    CLOSING = "mldesign_closing"
    DEPLOYED = "mldesign_deployed"
    SUMMARY = "mldesign_summary"
    NUDGE = "mldesign_nudge"
    NUDGE_REMINDER = "mldesign_nudge_reminder"
    REVIEW = "mldesign_review"


CHOOSE_PATTERN = re.compile(rf"^{ActionId.CHOOSE}:")


@dataclass(frozen=True)
class QuestionBlockRef:
    """Which design and question an interactive block belongs to, carried in its ``block_id``. ``version`` names the
    answer the block shows: Slack's clients keep a select's state per block_id, so a block whose selection changed
    under the same id would go on showing (and sending) the old pick."""

    kind: BlockKind
    design_id: int
    question_id: str
    version: int | None = None

    def block_id(self) -> str:
        ref = f"{self.kind}:{self.design_id}:{self.question_id}"
        return ref if self.version is None else f"{ref}:{self.version}"

    @classmethod
    def parse(cls, block_id: str) -> QuestionBlockRef:
        kind, design_id, question_id, *version = block_id.split(":", 3)
        return cls(BlockKind(kind), int(design_id), question_id, int(version[0]) if version else None)

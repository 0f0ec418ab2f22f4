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


class BlockKind(StrEnum):
    CHOICES = "choices"
    NAVIGATION = "nav"


class BlockId(StrEnum):
    SUMMARY_ACTIONS = "summary_actions"


class MetadataType(StrEnum):
    """``metadata.event_type`` of the bot's posts, so a post interrupted by a crash can be found again."""

    DESIGN = "mldesign_design"
    PROMPT = "mldesign_prompt"
    CLOSING = "mldesign_closing"
    SUMMARY = "mldesign_summary"


CHOOSE_PATTERN = re.compile(rf"^{ActionId.CHOOSE}:")


@dataclass(frozen=True)
class QuestionBlockRef:
    """Which design and question an interactive block belongs to, carried in its ``block_id``."""

    kind: BlockKind
    design_id: int
    question_id: str

    def block_id(self) -> str:
        return f"{self.kind}:{self.design_id}:{self.question_id}"

    @classmethod
    def parse(cls, block_id: str) -> QuestionBlockRef:
        kind, design_id, question_id = block_id.split(":", 2)
        return cls(BlockKind(kind), int(design_id), question_id)

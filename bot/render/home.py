"""The App Home tab's view: each of a person's designs with its progress, readiness, open findings and next
revisit, and the buttons to open its thread, export it or answer a question."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.render.blocks import SECTION_LIMIT
from bot.render.forms import question_menu
from bot.render.ids import ActionId, question_menu_block_id
from bot.render.text import render, truncate_mrkdwn
from flows.overview import DesignOverview

# A Home view holds at most 100 blocks: a header, the intro and "more" lines, then 4 blocks per design.
MAX_DESIGNS = 20


def home_view(*, viewer: str, entries: list[DesignOverview], hidden: int = 0) -> dict[str, Any]:
    blocks: list[Block] = [HeaderBlock(text="Your ML designs")]
    if not entries:
        blocks.append(_section(render("home_empty.j2")))
    else:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=render("home_intro.j2"))]))
        for entry in entries:
            blocks += [DividerBlock(), _section(render("home_entry.j2", entry=entry, viewer=viewer)), _buttons(entry)]
        if hidden:
            blocks.append(ContextBlock(elements=[MarkdownTextObject(text=render("home_more.j2", hidden=hidden))]))
    return View(type="home", blocks=blocks).to_dict()  # to_dict() validates the view and its blocks


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=truncate_mrkdwn(text, SECTION_LIMIT)))


def _buttons(entry: DesignOverview) -> ActionsBlock:
    buttons = []
    if entry.permalink:
        buttons.append(ButtonElement(text="Open the thread", action_id=ActionId.OPEN_THREAD, url=entry.permalink))
    buttons.append(ButtonElement(text="Export", action_id=ActionId.EXPORT, value=str(entry.design_id)))
    menu = question_menu(catalog=entry.catalog, answers=entry.answers)
    return ActionsBlock(block_id=question_menu_block_id(entry.design_id), elements=[*buttons, menu])

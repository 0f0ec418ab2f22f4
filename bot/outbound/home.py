"""The App Home tab: each person's designs (started or answered) with progress, readiness, open findings and
the next revisit, published with views.publish whenever they open the tab."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
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
from sqlalchemy import Engine

from bot.outbound.clients import SlackClients
from bot.render.blocks import SECTION_LIMIT
from bot.render.forms import question_menu
from bot.render.ids import ActionId, question_menu_block_id
from bot.render.text import render, truncate_mrkdwn
from bot.usecases.catalogs import Catalogs
from flows import walkthrough
from flows.assessment import assess
from flows.assignments import assignee_of
from flows.catalog import Catalog
from flows.review import Finding, Readiness
from flows.walkthrough import AnswerStatus, Progress
from storage import assignments as assignment_repo
from storage import nudges as nudge_repo
from storage import repositories as repo
from storage.engine import read_scope

logger = logging.getLogger(__name__)

# A Home view holds at most 100 blocks: a header, the intro and "more" lines, then 4 blocks per design.
MAX_DESIGNS = 20


@dataclass(frozen=True)
class HomeEntry:
    design_id: int
    name: str
    channel_id: str
    started_by: str
    permalink: str | None
    progress: Progress
    complete: bool
    readiness: Readiness
    findings: tuple[Finding, ...]
    deployed_at: datetime | None
    reminders: bool
    next_nudge: datetime | None
    catalog: Catalog
    statuses: Mapping[str, AnswerStatus]
    waiting_on_viewer: tuple[str, ...] = ()  # the open questions given to the viewer, as "7. Short title"
    revisits_waiting: int = 0  # revisits asked in the thread that nobody has answered yet


def home_view(*, viewer: str, entries: list[HomeEntry], hidden: int = 0) -> dict[str, Any]:
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


def _buttons(entry: HomeEntry) -> ActionsBlock:
    buttons = []
    if entry.permalink:
        buttons.append(ButtonElement(text="Open the thread", action_id=ActionId.OPEN_THREAD, url=entry.permalink))
    buttons.append(ButtonElement(text="Export", action_id=ActionId.EXPORT, value=str(entry.design_id)))
    menu = question_menu(catalog=entry.catalog, statuses=entry.statuses)
    return ActionsBlock(block_id=question_menu_block_id(entry.design_id), elements=[*buttons, menu])


def waiting_on(
    catalog: Catalog, answers: Mapping[str, object], given: Mapping[str, str], person: str
) -> tuple[str, ...]:
    """The questions given to ``person`` (on their own or by area) that have no answer or skip yet."""
    return tuple(
        f"{number}. {question.short_title}"
        for number, question in enumerate(catalog.questions, start=1)
        if question.id not in answers and assignee_of(catalog, question.id, given) == person
    )


class Home:
    """Builds and publishes a person's Home tab (in the background: it reads the database and calls Slack)."""

    def __init__(self, *, engine: Engine, clients: SlackClients, catalogs: Catalogs) -> None:
        self._engine = engine
        self._clients = clients
        self._catalogs = catalogs

    def entries(self, team_id: str, user_id: str) -> tuple[list[HomeEntry], int]:
        with read_scope(self._engine) as session:
            designs = list(
                repo.designs_of_person(session=session, team_id=team_id, user_id=user_id, limit=MAX_DESIGNS + 1)
            )
            shown, hidden = designs[:MAX_DESIGNS], max(len(designs) - MAX_DESIGNS, 0)
            if hidden:
                hidden = repo.count_designs_of_person(session=session, team_id=team_id, user_id=user_id) - MAX_DESIGNS
            ids = [design.id for design in shown if design.id is not None]
            answers = repo.current_answers_of(session=session, team_id=team_id, design_ids=ids)
            next_due = nudge_repo.next_due_of(session=session, team_id=team_id, design_ids=ids)
            given = assignment_repo.of_designs(session=session, team_id=team_id, design_ids=ids)
            revisits_waiting = nudge_repo.waiting_of(session=session, team_id=team_id, design_ids=ids)
        entries = []
        for design in shown:
            assert design.id is not None
            catalog = self._catalogs.of(design)
            current = answers[design.id]
            assessment = assess(catalog, current)
            entries.append(
                HomeEntry(
                    design_id=design.id,
                    name=design.name,
                    channel_id=design.channel_id,
                    started_by=design.started_by,
                    permalink=design.permalink,
                    progress=walkthrough.progress(catalog, repo.answer_statuses(current)),
                    catalog=catalog,
                    statuses=repo.answer_statuses(current),
                    waiting_on_viewer=waiting_on(catalog, current, given[design.id], user_id),
                    revisits_waiting=revisits_waiting.get(design.id, 0),
                    complete=design.current_question_id is None,
                    readiness=assessment.readiness,
                    findings=assessment.findings,
                    deployed_at=design.deployed_at,
                    reminders=design.reminders_enabled,
                    next_nudge=next_due.get(design.id) if design.reminders_enabled else None,
                )
            )
        return entries, hidden

    def publish(self, team_id: str, user_id: str) -> None:
        entries, hidden = self.entries(team_id, user_id)
        view = home_view(viewer=user_id, entries=entries, hidden=hidden)
        try:
            self._clients.for_team(team_id).views_publish(user_id=user_id, view=view)
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.warning("could not publish the Home tab of %s: %s", user_id, type(error).__name__)

"""The Markdown design document: every answer in full with its history, the findings and readiness, laid
out to be committed to a repository. Posted to the design's thread by `/mldesign export`, printed by
`mldesign export` on the command line."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlmodel import Session

from bot.base.clock import Clock
from bot.outbound.clients import NotInstalled, SlackClients
from bot.outbound.slack_errors import code_of, describe
from bot.render.text import escape_markdown, escape_mrkdwn, render_markdown
from bot.usecases.catalogs import Catalogs
from bot.usecases.signoff import standing
from flows import walkthrough
from flows.acceptance import holding, revisit_title, rule_title
from flows.assessment import assess
from flows.catalog import Catalog
from flows.changes import Change, changes_since
from flows.nudges import SUCCESS_QUESTION
from flows.signoff import latest_approval, review
from flows.walkthrough import AnswerStatus
from storage import acceptances as acceptance_repo
from storage import alerts as alert_repo
from storage import answers as answer_repo
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage import signoffs as signoff_repo
from storage.engine import read_scope
from storage.models import Answer, Design, FindingAcceptance, Nudge, ProductionAlert, ReviewVerdict, stored_id

logger = logging.getLogger(__name__)

MAX_SLUG = 60
MAX_REVISITS = 500
MAX_ALERTS = 50  # the latest; the rest are in the revisit log as "reopened by an alert"
# Slack's canvases hold at most 1 MiB of Markdown (counted here in UTF-8 bytes, the stricter reading, with room to
# spare). Answers share a budget; past it the longest are cut, visibly, and the export keeps them whole. Escaping
# can make a hostile text five times longer (& is &amp;), so the rendered document is measured, and the budget
# halved until it fits.
CANVAS_MAX_BYTES = 1_000_000
CANVAS_ANSWER_BUDGET = 450_000
CUT_NOTE = " … (cut here to fit the canvas: the Markdown export has it in full)"


@dataclass(frozen=True)
class DesignDocument:
    filename: str
    title: str
    markdown: str


def design_document(
    *,
    design: Design,
    catalog: Catalog,
    history: Sequence[Answer],
    exported_at: datetime,
    person: Callable[[str], str] = str,
    revisits: Sequence[Nudge] = (),
    acceptances: Sequence[FindingAcceptance] = (),
    reviewers: Sequence[str] = (),
    verdicts: Sequence[ReviewVerdict] = (),
    left: Collection[str] = (),
    alerts: Sequence[ProductionAlert] = (),
    canvas: bool = False,
) -> DesignDocument:
    """Render the document from a design, all versions of its answers (oldest first) and, once deployed,
    its revisits with their outcomes (newest first). With ``canvas``, in the Markdown a Slack canvas shows: no
    HTML, people as canvas mentions, and the history left to the export."""
    by_question: dict[str, list[Answer]] = {}
    for answer in history:
        by_question.setdefault(answer.question_id, []).append(answer)
    current = {
        question_id: versions[-1]
        for question_id, versions in by_question.items()
        if versions[-1].status != AnswerStatus.WITHDRAWN  # its reply was deleted: open again
    }
    measured = next((n.measured for n in revisits if n.measured and n.question_id == SUCCESS_QUESTION), None)
    held = list(holding(acceptances, exported_at.date()).values())
    assessment = assess(catalog, current, acceptances, today=exported_at.date(), measured=measured)
    markdown = render_markdown(
        "export.md.j2",
        design=design,
        catalog=catalog,
        answers=current,
        history=by_question,
        complete=design.current_question_id is None,
        progress=walkthrough.progress(catalog, current),
        applying={question.id for question in catalog.applicable(walkthrough.chosen_in(current))},
        readiness=assessment.readiness,
        findings=assessment.findings,
        brief=assessment.brief,
        exported_at=exported_at,
        person=person,
        revisits=revisits,
        revisit_title=revisit_title,
        # Every acceptance, newest first like the revisits, and whether it still holds.
        acceptances=[(row, row in held) for row in reversed(acceptances)],
        rule_title=rule_title,
        review=review(reviewers, verdicts, max((a.id or 0 for a in history), default=0), left) if reviewers else None,
        verdicts=list(reversed(verdicts)),
        since_approval=_since_approval(catalog, history, verdicts),
        alerts=alerts,
        canvas=canvas,
    )
    return DesignDocument(filename=filename(design), title=f"{design.name}: ML design document", markdown=markdown)


def load_document(
    *, session: Session, catalog: Catalog, design: Design, exported_at: datetime, person: Callable[[str], str] = str
) -> DesignDocument:
    assert design.id is not None
    history = answer_repo.all_answers(session=session, team_id=design.team_id, design_id=design.id)
    revisits = nudge_repo.nudge_log(session=session, team_id=design.team_id, design_id=design.id, limit=MAX_REVISITS)
    return design_document(
        design=design,
        catalog=catalog,
        history=history,
        exported_at=exported_at,
        person=person,
        revisits=revisits,
        acceptances=acceptance_repo.of_design(session=session, team_id=design.team_id, design_id=design.id),
        **signoff_history(session, design),
    )


def _since_approval(catalog: Catalog, history: Sequence[Answer], verdicts: Sequence[ReviewVerdict]) -> list[Change]:
    """Every answer changed since the latest approval, for the document (Slack shows the first few)."""
    latest = latest_approval(verdicts)
    return changes_since(catalog, history, latest.version) if latest is not None else []


def signoff_history(session: Session, design: Design) -> dict[str, Any]:
    """The reviewers and every verdict, for the document's sign-off section (who approved which version, when), and
    the latest production alerts, for its section after deployment."""
    key = {"team_id": design.team_id, "design_id": stored_id(design)}
    named = signoff_repo.reviewers_of_designs(session=session, team_id=design.team_id, design_ids=[stored_id(design)])
    reviewers, left = standing(named.get(stored_id(design), []))
    return {
        "reviewers": reviewers,
        "verdicts": signoff_repo.verdicts_of(session=session, **key),
        "left": left,
        "alerts": alert_repo.recent_alerts(session=session, **key, limit=MAX_ALERTS),
    }


_NOT_IN_SLUG = re.compile(r"[^a-z0-9]+")


def canvas_document(*, session: Session, catalog: Catalog, design: Design, now: datetime) -> DesignDocument:
    """The design document as its canvas shows it: every answer in full, people as canvas mentions."""
    assert design.id is not None
    history = answer_repo.all_answers(session=session, team_id=design.team_id, design_id=design.id)
    revisits = nudge_repo.nudge_log(session=session, team_id=design.team_id, design_id=design.id, limit=MAX_REVISITS)
    acceptances = acceptance_repo.of_design(session=session, team_id=design.team_id, design_id=design.id)
    signoff = signoff_history(session, design)
    budget = CANVAS_ANSWER_BUDGET
    while True:
        document = design_document(
            design=design,
            catalog=catalog,
            history=fit_canvas(history, budget),
            exported_at=now,
            person=canvas_mention,
            revisits=revisits,
            acceptances=acceptances,
            canvas=True,
            **signoff,
        )
        if len(document.markdown.encode()) <= CANVAS_MAX_BYTES or budget < 1_000:
            return document
        budget //= 2


def fit_canvas(history: Sequence[Answer], budget: int = CANVAS_ANSWER_BUDGET) -> list[Answer]:
    """The answers with the current ones cut to an equal share of ``budget`` when together they exceed it (the
    canvas shows only current answers; earlier versions are left to the export)."""
    current = {answer.question_id: answer for answer in history}
    if sum(len(answer.text) for answer in current.values()) <= budget:
        return list(history)
    share = budget // max(len(current), 1)
    cut = {answer.id for answer in current.values() if len(answer.text) > share}
    return [
        answer.model_copy(update={"text": answer.text[: max(share - len(CUT_NOTE), 0)] + CUT_NOTE})
        if answer.id in cut
        else answer
        for answer in history
    ]


def canvas_mention(user_id: str) -> str:
    """A person in a canvas: Slack's canvas Markdown mentions a user as ``![](@U…)`` (an id that is no Slack id
    stays text)."""
    return Markup(f"![](@{user_id})") if user_id.isalnum() and user_id.isascii() else escape_markdown(user_id)


def filename(design: Design) -> str:
    """A file name safe on every system: the name's letters and digits, or the design id."""
    slug = _NOT_IN_SLUG.sub("-", design.name.casefold()).strip("-")[:MAX_SLUG].rstrip("-")
    return f"{slug or f'design-{design.id}'}-design.md"


def people_names(client: WebClient, user_ids: Iterable[str]) -> Mapping[str, str]:
    """Display names for the document, which is read outside Slack; an id stays an id when Slack can't say."""
    names: dict[str, str] = {}
    for user_id in dict.fromkeys(user_ids):
        try:
            user = client.users_info(user=user_id)["user"]
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.info("no name for %s: %s", user_id, type(error).__name__)
            continue
        profile = user.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or user.get("name")
        if name:
            names[user_id] = f"{name} ({user_id})"
    return names


@dataclass(frozen=True)
class ExportRequest:
    team_id: str
    design_id: int
    user_id: str
    response_url: str | None


class Exporter:
    """Uploads design documents to their threads in the background, telling the person if it can't."""

    def __init__(self, *, engine: Engine, clients: SlackClients, catalogs: Catalogs, clock: Clock) -> None:
        self._engine = engine
        self._clients = clients
        self._catalogs = catalogs
        self._clock = clock

    def export(self, request: ExportRequest) -> None:
        with read_scope(self._engine) as session:
            design = design_repo.get_design(session=session, team_id=request.team_id, design_id=request.design_id)
            if design is None:
                self._tell(request, "This design no longer exists, so there is nothing to export.")
                return
            history = list(
                answer_repo.all_answers(session=session, team_id=request.team_id, design_id=request.design_id)
            )
            revisits = list(
                nudge_repo.nudge_log(
                    session=session, team_id=request.team_id, design_id=request.design_id, limit=MAX_REVISITS
                )
            )
            acceptances = acceptance_repo.of_design(
                session=session, team_id=request.team_id, design_id=request.design_id
            )
            signoff = signoff_history(session, design)
        people = [
            design.started_by,
            *(a.author_id for a in history),
            *(n.resolved_by for n in revisits if n.resolved_by),
            *(a.accepted_by for a in acceptances),
            *signoff["reviewers"],
        ]
        try:
            client = self._clients.for_team(design.team_id)
        except NotInstalled:
            logger.warning("export of design %s dropped: the workspace uninstalled mldesign", design.id)
            return
        names = people_names(client, people)
        document = design_document(
            design=design,
            catalog=self._catalogs.of(design),
            history=history,
            exported_at=self._clock.now(),
            person=lambda user_id: names.get(user_id, user_id),
            revisits=revisits,
            acceptances=acceptances,
            **signoff,
        )
        try:
            client.files_upload_v2(
                channel=design.channel_id,
                thread_ts=design.parent_ts,
                content=document.markdown,
                filename=document.filename,
                title=document.title,
                initial_comment=(
                    f"Design document of *{escape_mrkdwn(design.name)}*, exported by <@{request.user_id}>: "
                    "every answer in full with its history, the review findings and readiness."
                ),
            )
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.warning("export of design %s failed: %s", design.id, _reason(error))
            self._tell(request, f"I couldn't post the design document ({_reason(error)}). Please try again.")

    def _tell(self, request: ExportRequest, text: str) -> None:
        webhook = self._clients.webhook(request.response_url) if request.response_url else None
        if webhook is None:
            return
        try:
            webhook.send(text=f":warning: {text}", response_type="ephemeral", replace_original=False)
        except (SlackClientError, OSError) as error:
            logger.warning("could not tell %s about the export: %s", request.user_id, type(error).__name__)


def _reason(error: Exception) -> str:
    """For the person who asked: what Slack said, or that it couldn't be reached."""
    code = code_of(error)
    return (
        f"Slack said {code}" if isinstance(error, SlackApiError) else f"Slack could not be reached: {describe(error)}"
    )

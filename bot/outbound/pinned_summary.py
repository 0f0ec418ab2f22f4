"""A design's pinned summary and its canvas: posted once, kept current, pinned again after an unpin, and the
owner told once when Slack refuses it."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.outbound.export import canvas_document
from bot.outbound.posting import Posting
from bot.outbound.slack_errors import TOKEN_ERRORS, code_of, describe, is_transient
from bot.outbound.snapshot import Snapshot, progress_of
from bot.render.ids import MetadataType
from bot.render.summary import MAX_LOG, RevisitEntry, SummaryInput, summary_message
from bot.render.text import render
from flows.acceptance import revisit_title
from flows.assessment import assess
from flows.nudges import SUCCESS_QUESTION
from storage import nudges as nudge_repo
from storage.engine import read_scope
from storage.models import Design

logger = logging.getLogger(__name__)

# Slack won't keep a canvas for this design (a free workspace, canvases switched off, the scope not granted, any
# other refusal): the summary points to the Markdown export instead, and a canvas is tried again a day later.
CANVAS_GONE = frozenset({"canvas_not_found", "canvas_deleted"})  # a person deleted it: a new one is made
CANVAS_RETRY = timedelta(days=1)


class PinnedSummary:
    def __init__(self, posting: Posting) -> None:
        self._posting = posting
        self._workspace_urls: dict[str, str] = {}  # each workspace's address, for canvas links

    def publish_canvas(self, snapshot: Snapshot) -> None:
        """Keep the design in full in a canvas, made with the summary and replaced whenever the document it shows
        changes. Slack's canvas sections are single elements with ids that change on every edit, and only headings
        can be looked up, so an answer of several paragraphs can't be swapped on its own: the document is replaced
        in one edit, and only when it differs from what the canvas shows (by digest).

        Nothing here holds up the summary: Slack overloaded or the token refused is retried like any post, and any
        other refusal stands in for "no canvas here" (the summary points to the export) until a day later."""
        design, now = snapshot.design, self._posting.clock.now()
        if (
            design.canvas_refused is not None
            and design.canvas_refused_at
            and now - design.canvas_refused_at < CANVAS_RETRY
        ):
            return
        try:
            self._keep_canvas(snapshot, now)
        except SlackApiError as error:
            if is_transient(error) or code_of(error) in TOKEN_ERRORS:
                raise
            code = code_of(error) or "refused"
            logger.info("Slack refused a canvas for design %s (%s): the export stands in", design.id, code)
            self._posting.record(design, canvas_refused=code[:64], canvas_refused_at=now)

    def _keep_canvas(self, snapshot: Snapshot, now: datetime) -> None:
        design = snapshot.design
        with read_scope(self._posting.engine) as session:
            document = canvas_document(session=session, catalog=snapshot.catalog, design=design, now=now)
        digest = hashlib.sha256(document.markdown.encode()).hexdigest()
        content = {"type": "markdown", "markdown": document.markdown}
        if design.canvas_id is not None and design.canvas_digest != digest:
            try:
                self._posting.slack(design).canvases_edit(
                    canvas_id=design.canvas_id,
                    team_id=design.team_id,
                    changes=[{"operation": "replace", "document_content": content}],
                )
            except SlackApiError as error:
                if code_of(error) not in CANVAS_GONE:
                    raise
                logger.info("the canvas of design %s was deleted; making a new one", design.id)
                self._posting.record(design, canvas_id=None, canvas_url=None, canvas_digest=None, canvas_shared=False)
        if design.canvas_id is None:
            canvas = self._posting.slack(design).canvases_create(
                title=document.title, document_content=content, team_id=design.team_id
            )
            self._posting.record(design, canvas_id=str(canvas["canvas_id"]), canvas_url=None, canvas_shared=False)
        assert design.canvas_id is not None
        self._posting.record(design, canvas_digest=digest, canvas_refused=None, canvas_refused_at=None)
        if not design.canvas_shared:  # the channel reads it; until Slack agrees, the summary doesn't link it
            self._posting.slack(design).canvases_access_set(
                canvas_id=design.canvas_id, team_id=design.team_id, access_level="read", channel_ids=[design.channel_id]
            )
            self._posting.record(design, canvas_shared=True)
        if design.canvas_url is None:
            self._posting.record(design, canvas_url=self._canvas_url(design, design.canvas_id))

    def _canvas_url(self, design: Design, canvas_id: str) -> str | None:
        """A canvas's link: the workspace's address (auth.test, asked once per workspace) + docs/<team>/<canvas>;
        None while Slack can't say (the next publish asks again)."""
        workspace = self._workspace_urls.get(design.team_id)
        if workspace is None:
            try:
                workspace = str(self._posting.reader(design).auth_test()["url"])
            except (SlackApiError, SlackClientError, OSError) as error:
                logger.warning("no link for the canvas of design %s yet: %s", design.id, describe(error))
                return None
            self._workspace_urls[design.team_id] = workspace
        return f"{workspace.rstrip('/')}/docs/{design.team_id}/{canvas_id}"

    def publish_summary(self, snapshot: Snapshot) -> None:
        """Keep one summary per design, pinned: update it in place, post a new one if a person deleted it, and pin
        it again if a person unpinned it. A summary Slack refuses leaves the rest of the design published (its
        progress, its questions) and its owner told once, in the thread, what happened and what to do."""
        design = snapshot.design
        try:
            self._post_or_update_summary(snapshot)
        except SlackApiError as error:
            if is_transient(error) or code_of(error) in TOKEN_ERRORS:
                raise
            logger.warning("Slack refused the summary of design %s: %s", design.id, describe(error))
            if design.summary_refused != code_of(error):
                self._tell_summary_refused(design, code_of(error) or "refused")
            return
        if design.summary_refused is not None:
            self._posting.record(design, summary_refused=None)

    def _tell_summary_refused(self, design: Design, code: str) -> None:
        text = render("summary_refused.j2", owner=design.started_by, name=design.name, code=code)
        try:
            self._posting.slack(design).chat_postMessage(
                channel=design.channel_id, thread_ts=design.parent_ts, text=text, unfurl_links=False
            )
        except SlackApiError as error:
            if is_transient(error):
                raise
            logger.warning("could not tell the owner of design %s about its summary: %s", design.id, describe(error))
        self._posting.record(design, summary_refused=code)

    def _post_or_update_summary(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        message = summary_message(self._summary_input(snapshot))
        if design.summary_ts is not None:
            try:
                self._posting.slack(design).chat_update(
                    channel=design.channel_id, ts=design.summary_ts, text=message.text, blocks=message.blocks
                )
            except SlackApiError as error:
                if error.response.get("error") != "message_not_found":
                    raise
                logger.info("the summary of design %s was deleted; posting a new one", design.id)
                self._posting.record(design, summary_ts=None, summary_claimed_at=None, summary_pinned=False)
        if design.summary_ts is None:
            ts, _ = self._posting.post_once(
                design, claim="summary_claimed_at", event_type=MetadataType.SUMMARY, build=lambda: message
            )
            self._posting.record(design, summary_ts=ts, summary_pinned=False)
        if not design.summary_pinned:
            self._pin(design)

    def _pin(self, design: Design) -> None:
        try:
            self._posting.slack(design).pins_add(channel=design.channel_id, timestamp=design.summary_ts)
        except SlackApiError as error:
            code = error.response.get("error")
            if code != "already_pinned":
                if is_transient(error):  # a missing scope is not: the summary is kept current unpinned
                    raise
                # too_many_pins, a missing scope, …: the summary still stands and is kept current unpinned.
                logger.warning("could not pin the summary of design %s: %s", design.id, describe(error))
                return
        self._posting.record(design, summary_pinned=True)

    def _summary_input(self, snapshot: Snapshot) -> SummaryInput:
        design = snapshot.design
        next_nudge, log, measured = None, [], None
        if design.deployed_at is not None:
            with read_scope(self._posting.engine) as session:
                measurement = nudge_repo.latest_measurement(
                    session=session, team_id=design.team_id, design_id=snapshot.design_id, question_id=SUCCESS_QUESTION
                )
                measured = measurement.measured if measurement is not None else None
                next_nudge = nudge_repo.next_due_at(
                    session=session, team_id=design.team_id, design_id=snapshot.design_id
                )
                log = [
                    RevisitEntry(
                        title=revisit_title(snapshot.catalog, nudge.question_id),
                        status=nudge.status,
                        by=nudge.resolved_by,
                        at=nudge.resolved_at,
                        failure=nudge.failure,
                        by_alert=nudge.by_alert,
                    )
                    for nudge in nudge_repo.nudge_log(
                        session=session, team_id=design.team_id, design_id=snapshot.design_id, limit=MAX_LOG
                    )
                ]
        return SummaryInput(
            design=design,
            catalog=snapshot.catalog,
            answers=snapshot.answers,
            progress=progress_of(snapshot),
            assessment=assess(
                snapshot.catalog,
                snapshot.answers,
                snapshot.acceptances,
                today=self._posting.clock.now().date(),
                measured=measured,
            ),
            next_nudge=next_nudge if design.reminders_enabled else None,
            revisit_log=log,
            review=snapshot.review,
        )

"""Brings Slack in line with the database, after the acknowledgement, in the background.

The database says what a design's thread should show; ``publish`` makes it so and is safe to repeat:
each post is claimed in the database before it is sent and found again by its message metadata if the
process died in between, so a restart neither loses nor doubles a question.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from bot.base.clock import Clock
from bot.jobs.values import Jobs, Publish
from bot.outbound.clients import NotInstalled, SlackClients
from bot.outbound.export import canvas_document
from bot.render import blocks
from bot.render.blocks import Message
from bot.render.ids import MetadataType
from bot.render.summary import MAX_LOG, RevisitEntry, SummaryInput, summary_message
from bot.render.text import render
from bot.usecases.catalogs import Catalogs
from flows import walkthrough
from flows.assessment import assess
from flows.assignments import assignee_of
from flows.catalog import Catalog
from flows.walkthrough import AnswerStatus, Progress
from storage import assignments
from storage import nudges as nudge_repo
from storage import repositories as repo
from storage.engine import read_scope, session_scope
from storage.models import Answer, Design, Prompt, stored_id

logger = logging.getLogger(__name__)

CHECKMARK = "white_check_mark"
# A post a crash left unrecorded is looked for in a bounded read, never a scan: a distributed app may read a
# channel's history or a thread once a minute, 15 messages at a time (Slack's limits since 2025 outside the
# Marketplace). One read covers the minutes around the recorded attempt; only a channel or thread busier than 15
# messages in them is read a page further, at most LOOKUP_READS pages in all.
LOOKUP_LIMIT = 15
LOOKUP_READS = 3
# The read starts this much before the attempt was recorded (this process's clock and Slack's, kept by NTP, differ
# by far less) and ends a while after it: the publisher posts at once (a timeout and a couple of rate-limit waits at
# most: OWN_POST_WINDOW); a nudge goes out while its dispatcher's lease is held (POST_WINDOW).
CLOCK_MARGIN = timedelta(seconds=1)
OWN_POST_WINDOW = timedelta(minutes=2)
TRANSIENT_ERRORS = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"})
# Fixed by a person (a new token, a scope): keep the work for the sweep instead of dropping it.
AUTH_ERRORS = frozenset(
    {"not_authed", "invalid_auth", "token_revoked", "token_expired", "account_inactive", "missing_scope"}
)
# The workspace's token itself is refused: every call would fail, so publishing there pauses. (A missing scope
# only fails the calls that need it: those are skipped, the rest goes on.)
TOKEN_ERRORS = AUTH_ERRORS - {"missing_scope"}
# About one message only (deleted, too old to edit, reactions full): skip that message, publish the rest.
MESSAGE_ERRORS = frozenset(
    {
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "not_reactable",
        "too_many_reactions",
        "already_reacted",
        "no_reaction",
        "thread_not_found",
    }
)
# Posting in these channels will not work until a person acts; tell the starter instead of retrying.
CHANNEL_ERRORS = {
    "not_in_channel": "I'm not a member of this channel. Invite me with `/invite @mldesign`, then start again.",
    "channel_not_found": "I can't see this channel. Invite me with `/invite @mldesign`, then start again.",
    "is_archived": "This channel is archived, so I can't post the design here.",
    "restricted_action": "This workspace doesn't let me post in this channel. Start the design in a channel where "
    "apps may post, or ask an admin to allow it.",
    "cannot_reply_to_message": "Slack won't let me reply in threads here, and a design's questions live in its "
    "thread. Start it in another channel.",
}
# Slack won't keep a canvas for this design (a free workspace, canvases switched off, the scope not granted, any
# other refusal): the summary points to the Markdown export instead, and a canvas is tried again a day later.
CANVAS_GONE = frozenset({"canvas_not_found", "canvas_deleted"})  # a person deleted it: a new one is made
CANVAS_RETRY = timedelta(days=1)
# Any other refusal of a design's first message: nothing of it reached the channel, so it is removed like the above.
FIRST_POST_REFUSED = "Slack refused the design's first message (`{code}`), so nothing was started. Please try again."


@dataclass(frozen=True)
class Snapshot:
    design: Design
    catalog: Catalog
    answers: dict[str, Answer]
    prompts: list[Prompt]
    assignments: dict[str, str] = field(default_factory=dict)

    def assignee(self, question_id: str) -> str | None:
        return assignee_of(self.catalog, question_id, self.assignments)

    @property
    def design_id(self) -> int:
        assert self.design.id is not None
        return self.design.id


def is_transient(error: Exception) -> bool:
    """Worth trying again later: Slack overloaded or unreachable, or a credential a person must fix."""
    if isinstance(error, NotInstalled):
        return False
    if isinstance(error, SlackApiError):
        code = error.response.get("error")
        return error.response.status_code >= 500 or code in TRANSIENT_ERRORS or code in TOKEN_ERRORS
    return isinstance(error, SlackClientError | OSError)


@contextmanager
def skipping_message_errors(what: str) -> Iterator[None]:
    """Let one missing or locked message not stop the rest of a publish."""
    try:
        yield
    except SlackApiError as error:
        if error.response.get("error") not in MESSAGE_ERRORS | {"missing_scope"}:
            raise
        logger.info("skipped %s: %s", what, _describe(error))


# A publish holds its design this long past its last Slack call (renewed before each change it makes): longer
# than one call can take with its timeout and rate-limit waits. If its process dies, another process takes the
# design over once the lease has run out.
LEASE = timedelta(minutes=5)
# After Slack refuses a workspace's token, the sweep leaves it alone this long, doubling up to the cap.
AUTH_BACKOFF_START = timedelta(minutes=1)
AUTH_BACKOFF_CAP = timedelta(hours=1)
# Changes arriving while a publish runs are published by the same run, a few rounds at most (then the sweep).
MAX_ROUNDS = 5
POST_WINDOW = LEASE + timedelta(minutes=1)


class LeaseLost(Exception):
    """This publish outlived its lease and another process took the design over: stop without posting."""


class Publisher:
    def __init__(
        self,
        *,
        engine: Engine,
        clients: SlackClients,
        catalogs: Catalogs,
        jobs: Jobs,
        clock: Clock,
    ) -> None:
        self._engine = engine
        self._clients = clients
        self._catalogs = catalogs
        self._jobs = jobs
        self._clock = clock
        self._held = threading.local()  # the lease claim of the publish running in this thread
        self._paused: dict[str, tuple[datetime, timedelta]] = {}  # workspaces whose token Slack refuses
        self._workspace_urls: dict[str, str] = {}  # each workspace's address, for canvas links

    def schedule(self, team_id: str, design_id: int) -> None:
        self._jobs.submit(Publish(team_id=team_id, design_id=design_id))

    def sweep(self) -> None:
        """Schedule every design whose latest change Slack doesn't show yet (after a restart, a full queue)."""
        with read_scope(self._engine) as session:
            pending = repo.unpublished_designs(session=session)
        for team_id, design_id in pending:
            if not self._is_paused(team_id):
                self.schedule(team_id, design_id)

    def publish(self, team_id: str, design_id: int) -> None:
        """Bring the design's latest revision to Slack, as its only publisher across processes.

        While another process holds the design's lease, or Slack shows the latest revision already, this returns
        at once: a publisher looks again for changes after letting go, so none is left behind (and the sweep is
        there if it dies)."""
        for _ in range(MAX_ROUNDS):
            if self._is_paused(team_id):
                return  # a publish queued before Slack refused the token; the sweep brings it back after the pause
            claim, now = uuid.uuid4().hex, self._clock.now()
            with session_scope(self._engine) as session:
                if not repo.take_publishing_lease(
                    session=session, team_id=team_id, design_id=design_id, claim=claim, now=now, until=now + LEASE
                ):
                    return
            self._held.claim, self._held.until = claim, now + LEASE
            revision = None
            try:
                revision = self._publish_once(team_id, design_id)
            except LeaseLost:
                logger.warning("publishing design %s stopped: the design was deleted, or its lease ran out", design_id)
                return
            finally:
                self._held.claim = None
                # Published and let go in one transaction: no moment where the design looks published while a
                # process that may die still holds it (its successor would wait out the lease).
                with session_scope(self._engine) as session:
                    if revision is not None:
                        repo.mark_published(session=session, team_id=team_id, design_id=design_id, revision=revision)
                    repo.release_publishing_lease(session=session, team_id=team_id, design_id=design_id, claim=claim)
            if revision is None:
                return
            self._paused.pop(team_id, None)
            if not self._changed_since(team_id, design_id, revision):
                return

    def _publish_once(self, team_id: str, design_id: int) -> int | None:
        """Publish one snapshot; returns the revision Slack now shows, or None when there is nothing more to do
        for now (the design is gone, or Slack failed in a way the sweep retries)."""
        snapshot = self._load(team_id, design_id)
        if snapshot is None:
            return None
        try:
            self._publish(snapshot)
        except (SlackApiError, SlackClientError, OSError) as error:
            if _code(error) in TOKEN_ERRORS or isinstance(error, NotInstalled):
                # No token that works (revoked, or none stored for the workspace): nothing is removed or marked
                # published; the workspace's publishing pauses, and an uninstall's grace period decides the rest.
                self.forget_token(team_id)
                self._pause_team(team_id, error)
                return None
            if is_transient(error):
                logger.warning("publishing design %s deferred: %s", design_id, _describe(error))
                return None
            if self._give_up_on_channel(snapshot, error):
                return None
            logger.error("publishing design %s failed: %s", design_id, _describe(error))
        return snapshot.design.revision

    def _pause_team(self, team_id: str, error: Exception) -> None:
        """A credential a person must fix (revoked token, missing scope): stop trying for that workspace for a
        while, doubling up to an hour, and say so once per pause instead of on every sweep."""
        _, previous = self._paused.get(team_id, (None, AUTH_BACKOFF_START / 2))
        wait = min(previous * 2, AUTH_BACKOFF_CAP)
        self._paused[team_id] = (self._clock.now() + wait, wait)
        logger.error(
            "mldesign has no token Slack accepts for workspace %s (%s): publishing paused for %s; reinstall the app"
            " or fix its scopes",
            team_id,
            _code(error) or type(error).__name__,
            wait,
        )

    def forget_token(self, team_id: str) -> None:
        """A token Slack refuses is looked up again next time (a reinstall may have replaced it)."""
        self._clients.forget(team_id)

    def _is_paused(self, team_id: str) -> bool:
        until = self._paused.get(team_id, (None, None))[0]
        return until is not None and self._clock.now() < until

    def _changed_since(self, team_id: str, design_id: int, revision: int) -> bool:
        with read_scope(self._engine) as session:
            latest = repo.design_revision(session=session, team_id=team_id, design_id=design_id)
        return latest is not None and latest > revision

    def _publish(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        # A parent posted by this publish already shows this snapshot; updating it again would change nothing.
        posted_parent = design.parent_ts is None and self._post_parent(snapshot)
        self._reconcile_unposted(snapshot)
        if design.current_question_id in snapshot.catalog:
            self._ensure_prompt(snapshot)
        elif design.current_question_id is not None:
            logger.warning("design %s asks %r, which the catalog no longer has", design.id, design.current_question_id)
        self._refresh_prompts(snapshot)
        self._react_to_answers(snapshot)
        if design.deployed_at is not None and design.deployed_ts is None and design.parent_ts is not None:
            self._post_deployed(snapshot)
        if design.current_question_id is None and design.closing_ts is None:
            self._post_closing(snapshot)
        if design.summary_wanted:
            self._publish_canvas(snapshot)
            self._publish_summary(snapshot)
        if not posted_parent:
            self._update_parent(snapshot)

    # --- loading -------------------------------------------------------------------------------------

    def _load(self, team_id: str, design_id: int) -> Snapshot | None:
        with read_scope(self._engine) as session:
            design = repo.get_design(session=session, team_id=team_id, design_id=design_id)
            if design is None:
                return None
            answers = repo.current_answers(session=session, team_id=team_id, design_id=design_id)
            prompts = list(repo.prompts(session=session, team_id=team_id, design_id=design_id))
            assigned = assignments.of_design(session=session, team_id=team_id, design_id=design_id)
        return Snapshot(
            design=design,
            catalog=self._catalogs.of(design),
            answers=answers,
            prompts=prompts,
            assignments=assigned,
        )

    def _progress(self, snapshot: Snapshot) -> Progress:
        return walkthrough.progress(snapshot.catalog, repo.answer_statuses(snapshot.answers))

    def _slack(self, design: Design) -> WebClient:
        """The client for a call that changes something in Slack: the lease is renewed first, so a publish
        that lost its design (its lease ran out, or the design was deleted) stops before changing anything."""
        self._renew_lease(design)
        return self._clients.for_team(design.team_id)

    def _reader(self, design: Design) -> WebClient:
        """The client for a call that only reads (history, replies, permalinks)."""
        return self._clients.for_team(design.team_id)

    def _record(self, design: Design, **columns: Any) -> None:
        """Store publisher columns on the row and on the snapshot, leaving walkthrough state alone."""
        assert design.id is not None
        with session_scope(self._engine) as session:
            repo.record_publication(session=session, team_id=design.team_id, design_id=design.id, **columns)
        for name, value in columns.items():
            setattr(design, name, value)

    def _save_prompt(self, prompt: Prompt) -> None:
        with session_scope(self._engine) as session:
            repo.save_prompt(session=session, prompt=prompt)

    # --- the parent message in the channel ------------------------------------------------------------

    def _post_parent(self, snapshot: Snapshot) -> bool:
        """Post the design's message in the channel (or find the one a crashed attempt posted); True if posted now."""
        design = snapshot.design
        ts, posted = self._post_once(
            design,
            claim="parent_claimed_at",
            event_type=MetadataType.DESIGN,
            build=lambda: blocks.parent_message(design, snapshot.catalog, self._progress(snapshot)),
        )
        self._record(design, parent_ts=ts, permalink=self._permalink(design, ts))
        return posted

    def _post_once(
        self,
        design: Design,
        *,
        claim: str,
        event_type: MetadataType,
        build: Callable[[], Message],
        thread_ts: str | None = None,
    ) -> tuple[str, bool]:
        """Post a message at most once across crashes: the claim is stored before posting, and a claim left
        by an attempt that died is settled by looking for the message it may have posted (by metadata).
        Returns the message's ts and whether it was posted now."""
        payload = {"design_id": design.id}
        claimed_at = getattr(design, claim)
        if claimed_at is not None:
            found = posted_around(
                self._reader(design),
                design.channel_id,
                thread_ts=thread_ts,
                since=claimed_at,
                until=claimed_at,
                after=OWN_POST_WINDOW,
            )
            ts = self._find_posted(found, event_type, payload)
            if ts is not None:
                return ts, False
        self._record(design, **{claim: self._clock.now()})
        try:
            return self._post(design, build(), event_type, payload, thread_ts=thread_ts), True
        except SlackApiError as error:
            if not is_transient(error):  # Slack said no: nothing was posted, so there is nothing to look for later
                self._record(design, **{claim: None})
            raise

    def _update_parent(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        message = blocks.parent_message(design, snapshot.catalog, self._progress(snapshot))
        assert design.parent_ts is not None
        with skipping_message_errors(f"updating the parent of design {design.id}"):
            self._slack(design).chat_update(
                channel=design.channel_id, ts=design.parent_ts, text=message.text, blocks=message.blocks
            )

    def _give_up_on_channel(self, snapshot: Snapshot, error: Exception) -> bool:
        """A design whose first post can't go out in this channel is removed and its starter told why."""
        code = error.response.get("error") if isinstance(error, SlackApiError) else None
        design = snapshot.design
        if design.parent_ts is not None or is_transient(error) or code in TOKEN_ERRORS:
            return False
        logger.info("design %s removed: cannot post in channel (%s)", snapshot.design_id, code)
        with session_scope(self._engine) as session:
            repo.delete_design(session=session, team_id=design.team_id, design_id=snapshot.design_id)
        webhook = self._clients.webhook(design.response_url) if design.response_url else None
        if webhook is not None:
            try:
                explanation = CHANNEL_ERRORS.get(code or "") or FIRST_POST_REFUSED.format(code=code or "error")
                webhook.send(text=f":warning: {explanation}", response_type="ephemeral")
            except (SlackClientError, OSError) as webhook_error:
                logger.warning("could not tell the starter of design %s: %s", snapshot.design_id, webhook_error)
        return True

    # --- questions in the thread ----------------------------------------------------------------------

    def _ensure_prompt(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        assert design.current_question_id is not None
        prompt = next((prompt for prompt in snapshot.prompts if prompt.step == design.step), None)
        if prompt is not None and prompt.message_ts is not None:
            return
        question = snapshot.catalog.question(design.current_question_id)
        answer = snapshot.answers.get(question.id)
        payload = {"design_id": snapshot.design_id, "step": design.step}
        ts = None
        if prompt is None:
            now = self._clock.now()
            prompt = Prompt(
                design_id=snapshot.design_id,
                team_id=design.team_id,
                step=design.step,
                question_id=question.id,
                created_at=now,
                post_started_at=now,
            )
            with session_scope(self._engine) as session:
                if not repo.claim_prompt(session=session, prompt=prompt):
                    return  # another publisher posts this step
        else:
            ts = self._find_posted(self._prompts_posted(design, [prompt]), MetadataType.PROMPT, payload)
            if ts is None:  # the attempt now is the one a later lookup must cover
                prompt.post_started_at = self._clock.now()
                self._save_prompt(prompt)
        if ts is None:
            message = blocks.question_message(
                design=design,
                catalog=snapshot.catalog,
                question=question,
                answer=answer,
                is_current=True,
                assignee=snapshot.assignee(question.id),
            )
            ts = self._post(design, message, MetadataType.PROMPT, payload, thread_ts=design.parent_ts)
        prompt.message_ts = ts
        prompt.rendered_answer_id = answer.id if answer else None
        prompt.rendered_current = True
        self._save_prompt(prompt)
        snapshot.prompts.append(prompt)

    def _reconcile_unposted(self, snapshot: Snapshot) -> None:
        """Questions claimed but never recorded as posted, and since moved past (a crash in between): find
        each by its metadata and record it, so it is re-rendered as answered; forget the ones never sent."""
        design = snapshot.design
        stale = [p for p in snapshot.prompts if p.message_ts is None and p.step != design.step]
        if not stale:
            return
        thread = list(self._prompts_posted(design, stale))
        for prompt in stale:
            payload = {"design_id": snapshot.design_id, "step": prompt.step}
            ts = self._find_posted(thread, MetadataType.PROMPT, payload)
            with session_scope(self._engine) as session:
                if ts is None:
                    repo.delete_prompt(session=session, prompt_id=prompt.id, team_id=design.team_id)
                    snapshot.prompts.remove(prompt)
                    continue
                prompt.message_ts, prompt.rendered_current, prompt.rendered_answer_id = ts, True, None
                repo.save_prompt(session=session, prompt=prompt)

    def _refresh_prompts(self, snapshot: Snapshot) -> None:
        """Re-render question messages whose answer changed or that are no longer the current question."""
        design = snapshot.design
        for prompt in snapshot.prompts:
            if prompt.message_ts is None or prompt.question_id not in snapshot.catalog:
                continue
            answer = snapshot.answers.get(prompt.question_id)
            answer_id = answer.id if answer else None
            is_current = prompt.step == design.step and design.current_question_id == prompt.question_id
            if prompt.rendered_answer_id == answer_id and prompt.rendered_current == is_current:
                continue
            message = blocks.question_message(
                design=design,
                catalog=snapshot.catalog,
                question=snapshot.catalog.question(prompt.question_id),
                answer=answer,
                is_current=is_current,
                assignee=snapshot.assignee(prompt.question_id),
            )
            with skipping_message_errors(f"updating question {prompt.question_id} of design {design.id}"):
                self._slack(design).chat_update(
                    channel=design.channel_id, ts=prompt.message_ts, text=message.text, blocks=message.blocks
                )
            prompt.rendered_answer_id = answer_id
            prompt.rendered_current = is_current
            self._save_prompt(prompt)

    def _react_to_answers(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        with read_scope(self._engine) as session:
            pending = repo.answers_awaiting_reaction(
                session=session, team_id=design.team_id, design_id=snapshot.design_id
            )
        # A reply's latest version says what its ✅ should be: there while it answers, gone once undone.
        latest = {answer.source_ts: answer for answer in pending if answer.source_ts}
        for source_ts, answer in latest.items():
            with skipping_message_errors(f"reacting to {source_ts}"):
                if answer.status == AnswerStatus.WITHDRAWN:
                    self._slack(design).reactions_remove(channel=design.channel_id, timestamp=source_ts, name=CHECKMARK)
                else:
                    self._slack(design).reactions_add(channel=design.channel_id, timestamp=source_ts, name=CHECKMARK)
            with session_scope(self._engine) as session:
                repo.mark_reacted(
                    session=session,
                    team_id=design.team_id,
                    design_id=snapshot.design_id,
                    source_ts=source_ts,
                    up_to_id=stored_id(answer),
                )

    def _post_closing(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        ts, _ = self._post_once(
            design,
            claim="closing_claimed_at",
            event_type=MetadataType.CLOSING,
            build=lambda: blocks.closing_message(design, self._progress(snapshot)),
            thread_ts=design.parent_ts,
        )
        self._record(design, closing_ts=ts)

    def _post_deployed(self, snapshot: Snapshot) -> None:
        """Tell the team in the design's thread that it is deployed and which decisions come back when, once."""
        design = snapshot.design
        with read_scope(self._engine) as session:
            revisits = len(
                nudge_repo.open_nudges(session=session, team_id=design.team_id, design_id=snapshot.design_id)
            )
            next_nudge = nudge_repo.next_due_at(session=session, team_id=design.team_id, design_id=snapshot.design_id)
        message = blocks.notice(
            "deployed.j2",
            name=design.name,
            deployed_at=design.deployed_at,
            owner=design.started_by,
            revisits=revisits if design.reminders_enabled else 0,
            next_nudge=next_nudge if design.reminders_enabled else None,
        )
        ts, _ = self._post_once(
            design,
            claim="deployed_claimed_at",
            event_type=MetadataType.DEPLOYED,
            build=lambda: message,
            thread_ts=design.parent_ts,
        )
        self._record(design, deployed_ts=ts)

    # --- the design's canvas --------------------------------------------------------------------------

    def _publish_canvas(self, snapshot: Snapshot) -> None:
        """Keep the design in full in a canvas, made with the summary and replaced whenever the document it shows
        changes. Slack's canvas sections are single elements with ids that change on every edit, and only headings
        can be looked up, so an answer of several paragraphs can't be swapped on its own: the document is replaced
        in one edit, and only when it differs from what the canvas shows (by digest).

        Nothing here holds up the summary: Slack overloaded or the token refused is retried like any post, and any
        other refusal stands in for "no canvas here" (the summary points to the export) until a day later."""
        design, now = snapshot.design, self._clock.now()
        if (
            design.canvas_refused is not None
            and design.canvas_refused_at
            and now - design.canvas_refused_at < CANVAS_RETRY
        ):
            return
        try:
            self._keep_canvas(snapshot, now)
        except SlackApiError as error:
            if is_transient(error) or _code(error) in TOKEN_ERRORS:
                raise
            code = _code(error) or "refused"
            logger.info("Slack refused a canvas for design %s (%s): the export stands in", design.id, code)
            self._record(design, canvas_refused=code[:64], canvas_refused_at=now)

    def _keep_canvas(self, snapshot: Snapshot, now: datetime) -> None:
        design = snapshot.design
        with read_scope(self._engine) as session:
            document = canvas_document(session=session, catalog=snapshot.catalog, design=design, now=now)
        digest = hashlib.sha256(document.markdown.encode()).hexdigest()
        content = {"type": "markdown", "markdown": document.markdown}
        if design.canvas_id is not None and design.canvas_digest != digest:
            try:
                self._slack(design).canvases_edit(
                    canvas_id=design.canvas_id,
                    team_id=design.team_id,
                    changes=[{"operation": "replace", "document_content": content}],
                )
            except SlackApiError as error:
                if _code(error) not in CANVAS_GONE:
                    raise
                logger.info("the canvas of design %s was deleted; making a new one", design.id)
                self._record(design, canvas_id=None, canvas_url=None, canvas_digest=None, canvas_shared=False)
        if design.canvas_id is None:
            canvas = self._slack(design).canvases_create(
                title=document.title, document_content=content, team_id=design.team_id
            )
            self._record(design, canvas_id=str(canvas["canvas_id"]), canvas_url=None, canvas_shared=False)
        assert design.canvas_id is not None
        self._record(design, canvas_digest=digest, canvas_refused=None, canvas_refused_at=None)
        if not design.canvas_shared:  # the channel reads it; until Slack agrees, the summary doesn't link it
            self._slack(design).canvases_access_set(
                canvas_id=design.canvas_id, team_id=design.team_id, access_level="read", channel_ids=[design.channel_id]
            )
            self._record(design, canvas_shared=True)
        if design.canvas_url is None:
            self._record(design, canvas_url=self._canvas_url(design, design.canvas_id))

    def _canvas_url(self, design: Design, canvas_id: str) -> str | None:
        """A canvas's link: the workspace's address (auth.test, asked once per workspace) + docs/<team>/<canvas>;
        None while Slack can't say (the next publish asks again)."""
        workspace = self._workspace_urls.get(design.team_id)
        if workspace is None:
            try:
                workspace = str(self._reader(design).auth_test()["url"])
            except (SlackApiError, SlackClientError, OSError) as error:
                logger.warning("no link for the canvas of design %s yet: %s", design.id, _describe(error))
                return None
            self._workspace_urls[design.team_id] = workspace
        return f"{workspace.rstrip('/')}/docs/{design.team_id}/{canvas_id}"

    # --- the pinned summary ---------------------------------------------------------------------------

    def _publish_summary(self, snapshot: Snapshot) -> None:
        """Keep one summary per design, pinned: update it in place, post a new one if a person deleted it, and pin
        it again if a person unpinned it. A summary Slack refuses leaves the rest of the design published (its
        progress, its questions) and its owner told once, in the thread, what happened and what to do."""
        design = snapshot.design
        try:
            self._post_or_update_summary(snapshot)
        except SlackApiError as error:
            if is_transient(error) or _code(error) in TOKEN_ERRORS:
                raise
            logger.warning("Slack refused the summary of design %s: %s", design.id, _describe(error))
            if design.summary_refused != _code(error):
                self._tell_summary_refused(design, _code(error) or "refused")
            return
        if design.summary_refused is not None:
            self._record(design, summary_refused=None)

    def _tell_summary_refused(self, design: Design, code: str) -> None:
        text = render("summary_refused.j2", owner=design.started_by, name=design.name, code=code)
        try:
            self._slack(design).chat_postMessage(
                channel=design.channel_id, thread_ts=design.parent_ts, text=text, unfurl_links=False
            )
        except SlackApiError as error:
            if is_transient(error):
                raise
            logger.warning("could not tell the owner of design %s about its summary: %s", design.id, _describe(error))
        self._record(design, summary_refused=code)

    def _post_or_update_summary(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        message = summary_message(self._summary_input(snapshot))
        if design.summary_ts is not None:
            try:
                self._slack(design).chat_update(
                    channel=design.channel_id, ts=design.summary_ts, text=message.text, blocks=message.blocks
                )
            except SlackApiError as error:
                if error.response.get("error") != "message_not_found":
                    raise
                logger.info("the summary of design %s was deleted; posting a new one", design.id)
                self._record(design, summary_ts=None, summary_claimed_at=None, summary_pinned=False)
        if design.summary_ts is None:
            ts, _ = self._post_once(
                design, claim="summary_claimed_at", event_type=MetadataType.SUMMARY, build=lambda: message
            )
            self._record(design, summary_ts=ts, summary_pinned=False)
        if not design.summary_pinned:
            self._pin(design)

    def _pin(self, design: Design) -> None:
        try:
            self._slack(design).pins_add(channel=design.channel_id, timestamp=design.summary_ts)
        except SlackApiError as error:
            code = error.response.get("error")
            if code != "already_pinned":
                if is_transient(error):  # a missing scope is not: the summary is kept current unpinned
                    raise
                # too_many_pins, a missing scope, …: the summary still stands and is kept current unpinned.
                logger.warning("could not pin the summary of design %s: %s", design.id, _describe(error))
                return
        self._record(design, summary_pinned=True)

    def _summary_input(self, snapshot: Snapshot) -> SummaryInput:
        design = snapshot.design
        next_nudge, log = None, []
        if design.deployed_at is not None:
            with read_scope(self._engine) as session:
                next_nudge = nudge_repo.next_due_at(
                    session=session, team_id=design.team_id, design_id=snapshot.design_id
                )
                log = [
                    RevisitEntry(
                        title=snapshot.catalog.question(nudge.question_id).short_title
                        if nudge.question_id in snapshot.catalog
                        else nudge.question_id,
                        status=nudge.status,
                        by=nudge.resolved_by,
                        at=nudge.resolved_at,
                        failure=nudge.failure,
                    )
                    for nudge in nudge_repo.nudge_log(
                        session=session, team_id=design.team_id, design_id=snapshot.design_id, limit=MAX_LOG
                    )
                ]
        return SummaryInput(
            design=design,
            catalog=snapshot.catalog,
            answers=snapshot.answers,
            progress=self._progress(snapshot),
            assessment=assess(snapshot.catalog, snapshot.answers),
            next_nudge=next_nudge if design.reminders_enabled else None,
            revisit_log=log,
        )

    # --- Web API helpers ------------------------------------------------------------------------------

    def _post(
        self,
        design: Design,
        message: Message,
        event_type: MetadataType,
        payload: dict[str, Any],
        thread_ts: str | None = None,
    ) -> str:
        response = self._slack(design).chat_postMessage(
            channel=design.channel_id,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread_ts,
            metadata={"event_type": str(event_type), "event_payload": payload},
            unfurl_links=False,
            unfurl_media=False,
        )
        ts = str(response["ts"])
        if not self._still_exists(design):  # deleted while the post was on its way: take the post back
            with contextlib.suppress(SlackApiError, SlackClientError, OSError):
                self._reader(design).chat_delete(channel=design.channel_id, ts=ts)
            raise LeaseLost()
        return ts

    def _still_exists(self, design: Design) -> bool:
        with read_scope(self._engine) as session:
            revision = repo.design_revision(session=session, team_id=design.team_id, design_id=stored_id(design))
        return revision is not None

    def _renew_lease(self, design: Design) -> None:
        """Before each change in Slack (a post must never happen twice): still ours for another LEASE?

        While more than half the lease is left nobody else can take it, so only a deletion can have ended it, and
        a one-column read sees that without queueing behind other writers (an update sent after a deletion would
        bring back what the deletion tidied away). Past half, the lease is extended."""
        claim = getattr(self._held, "claim", None)
        if claim is None:
            return
        now = self._clock.now()
        if self._held.until - now > LEASE / 2:
            if not self._still_exists(design):
                raise LeaseLost()
            return
        with session_scope(self._engine) as session:
            renewed = repo.renew_publishing_lease(
                session=session,
                team_id=design.team_id,
                design_id=stored_id(design),
                claim=claim,
                until=now + LEASE,
            )
        if not renewed:
            raise LeaseLost()
        self._held.until = now + LEASE

    def _permalink(self, design: Design, ts: str) -> str | None:
        try:
            client = self._reader(design)
            return str(client.chat_getPermalink(channel=design.channel_id, message_ts=ts)["permalink"])
        except SlackApiError as error:
            logger.warning("no permalink for %s/%s: %s", design.channel_id, ts, _describe(error))
            return None

    def _prompts_posted(self, design: Design, prompts: list[Prompt]) -> Iterator[dict[str, Any]]:
        """The thread's messages around the moments these prompts' posts were attempted, in one read."""
        assert design.parent_ts is not None
        started = [prompt.post_started_at or prompt.created_at for prompt in prompts]
        return posted_around(
            self._reader(design),
            design.channel_id,
            thread_ts=design.parent_ts,
            since=min(started),
            until=max(started),
            after=OWN_POST_WINDOW,
        )

    @staticmethod
    def _find_posted(messages: Iterable[dict[str, Any]], event_type: str, payload: dict[str, Any]) -> str | None:
        for message in messages:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == event_type and metadata.get("event_payload") == payload:
                return str(message["ts"])
        return None


def posted_around(
    client: WebClient,
    channel: str,
    *,
    thread_ts: str | None,
    since: datetime,
    until: datetime,
    after: timedelta = POST_WINDOW,
) -> Iterator[dict[str, Any]]:
    """The messages of a channel (or of one thread) posted while attempts recorded between ``since`` and ``until``
    may have gone out, with their metadata, read as they are needed: a page of LOOKUP_LIMIT, and a further one
    only while the post is not found and the window holds more, LOOKUP_READS pages at most. A thread lists them
    oldest first, so a post made as the attempt began comes first; a channel lists them newest first."""
    window: dict[str, Any] = {
        "oldest": f"{(since - CLOCK_MARGIN).timestamp():.6f}",
        "latest": f"{(until + after).timestamp():.6f}",
        "inclusive": True,
        "limit": LOOKUP_LIMIT,
        "include_all_metadata": True,
    }
    cursor = None
    for _ in range(LOOKUP_READS):
        if thread_ts is None:
            response = client.conversations_history(channel=channel, cursor=cursor, **window)
        else:
            response = client.conversations_replies(channel=channel, ts=thread_ts, cursor=cursor, **window)
        yield from response.get("messages") or []
        cursor = (response.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return


def _code(error: Exception) -> str | None:
    return error.response.get("error") if isinstance(error, SlackApiError) else None


def _describe(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return f"{error.response.get('error')} (HTTP {error.response.status_code})"
    return type(error).__name__

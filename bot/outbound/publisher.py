"""Brings Slack in line with the database, after the acknowledgement, in the background.

The database says what a design's thread should show; ``publish`` makes it so and is safe to repeat:
each post is claimed in the database before it is sent and found again by its message metadata if the
process died in between, so a restart neither loses nor doubles a question.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from bot.base.clock import Clock
from bot.jobs.values import Jobs, Publish
from bot.outbound.clients import NotInstalled, SlackClients
from bot.outbound.pinned_summary import PinnedSummary
from bot.outbound.posting import LEASE, LeaseLost, LookupUnsettled, Posting
from bot.outbound.review import ReviewSync
from bot.outbound.slack_errors import TOKEN_ERRORS, code_of, describe, is_transient
from bot.outbound.snapshot import Snapshot
from bot.outbound.thread import ThreadSync
from bot.usecases.catalogs import Catalogs
from bot.usecases.signoff import signoff_of
from storage import acceptances as acceptance_repo
from storage import answers as answer_repo
from storage import assignments
from storage import designs as design_repo
from storage import publishing as publishing_repo
from storage.engine import read_scope, session_scope

logger = logging.getLogger(__name__)

# After Slack refuses a workspace's token, the sweep leaves it alone this long, doubling up to the cap.
AUTH_BACKOFF_START = timedelta(minutes=1)
AUTH_BACKOFF_CAP = timedelta(hours=1)
# Changes arriving while a publish runs are published by the same run, a few rounds at most (then the sweep).
MAX_ROUNDS = 5


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
        self._paused: dict[str, tuple[datetime, timedelta]] = {}  # workspaces whose token Slack refuses
        self._posting = Posting(engine=engine, clients=clients, clock=clock)
        self._thread = ThreadSync(self._posting)
        self._summary = PinnedSummary(self._posting)
        self._review = ReviewSync(self._posting)

    def schedule(self, team_id: str, design_id: int) -> None:
        self._jobs.submit(Publish(team_id=team_id, design_id=design_id))

    def sweep(self) -> None:
        """Schedule every design whose latest change Slack doesn't show yet (after a restart, a full queue)."""
        with read_scope(self._engine) as session:
            pending = publishing_repo.unpublished_designs(session=session)
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
                if not publishing_repo.take_publishing_lease(
                    session=session, team_id=team_id, design_id=design_id, claim=claim, now=now, until=now + LEASE
                ):
                    return
            self._posting.hold(claim, now + LEASE)
            revision = None
            try:
                revision = self._publish_once(team_id, design_id)
            except LeaseLost:
                logger.warning("publishing design %s stopped: the design was deleted, or its lease ran out", design_id)
                return
            finally:
                self._posting.hold(None)
                # Published and let go in one transaction: no moment where the design looks published while a
                # process that may die still holds it (its successor would wait out the lease).
                with session_scope(self._engine) as session:
                    if revision is not None:
                        publishing_repo.mark_published(
                            session=session, team_id=team_id, design_id=design_id, revision=revision
                        )
                    publishing_repo.release_publishing_lease(
                        session=session, team_id=team_id, design_id=design_id, claim=claim
                    )
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
        except LookupUnsettled as unsettled:
            logger.info(
                "publishing design %s waits for the look for a post a crash left unrecorded: %s", design_id, unsettled
            )
            return None
        except (SlackApiError, SlackClientError, OSError) as error:
            if code_of(error) in TOKEN_ERRORS or isinstance(error, NotInstalled):
                # No token that works (revoked, or none stored for the workspace): nothing is removed or marked
                # published; the workspace's publishing pauses, and an uninstall's grace period decides the rest.
                self.forget_token(team_id)
                self._pause_team(team_id, error)
                return None
            if is_transient(error):
                logger.warning("publishing design %s deferred: %s", design_id, describe(error))
                return None
            if self._thread.give_up_on_channel(snapshot, error):
                return None
            logger.error("publishing design %s failed: %s", design_id, describe(error))
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
            code_of(error) or type(error).__name__,
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
            latest = design_repo.design_revision(session=session, team_id=team_id, design_id=design_id)
        return latest is not None and latest > revision

    def _publish(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        # A parent posted by this publish already shows this snapshot; updating it again would change nothing.
        posted_parent = design.parent_ts is None and self._thread.post_parent(snapshot)
        self._thread.reconcile_unposted(snapshot)
        if design.current_question_id in snapshot.catalog:
            self._thread.ensure_prompt(snapshot)
        elif design.current_question_id is not None:
            logger.warning("design %s asks %r, which the catalog no longer has", design.id, design.current_question_id)
        self._thread.refresh_prompts(snapshot)
        self._thread.react_to_answers(snapshot)
        if design.deployed_at is not None and design.deployed_ts is None and design.parent_ts is not None:
            self._thread.post_deployed(snapshot)
        if design.current_question_id is None and design.closing_ts is None:
            self._thread.post_closing(snapshot)
        self._review.sync(snapshot)
        if design.summary_wanted:
            self._summary.publish_canvas(snapshot)
            self._summary.publish_summary(snapshot)
        if not posted_parent:
            self._thread.update_parent(snapshot)

    def _load(self, team_id: str, design_id: int) -> Snapshot | None:
        with read_scope(self._engine) as session:
            design = design_repo.get_design(session=session, team_id=team_id, design_id=design_id)
            if design is None:
                return None
            answers = answer_repo.current_answers(session=session, team_id=team_id, design_id=design_id)
            prompts = list(publishing_repo.prompts(session=session, team_id=team_id, design_id=design_id))
            assigned = assignments.of_design(session=session, team_id=team_id, design_id=design_id)
            accepted = acceptance_repo.of_design(session=session, team_id=team_id, design_id=design_id)
            review, changed = signoff_of(session, team_id, design_id, design.review_version)
        return Snapshot(
            design=design,
            catalog=self._catalogs.of(design),
            answers=answers,
            prompts=prompts,
            assignments=assigned,
            acceptances=accepted,
            review=review,
            review_changed=changed,
        )

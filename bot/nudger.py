"""The nudge dispatcher: sends the revisits that fell due, reminds once, then marks them unanswered.

APScheduler only wakes it up (every ``MLDESIGN_DISPATCH_SECONDS``, in memory, one per process); the
database says what is due. Each wake-up claims due rows under a lease (``storage.nudges.claim_due``), so
several processes never take the same row, and a process that dies mid-send leaves rows that fall due
again when the lease ends. A row whose send may have started is first looked for in the thread by the
nudge ids its message carries in metadata, so recovering it never posts twice. All rows due for one
design go out as one message, so a bot back from downtime sends one nudge per design, not a burst.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from bot.blocks import Message
from bot.clock import Clock
from bot.ids import MetadataType
from bot.nudge_blocks import Confirmation, nudge_message, reminder_message
from bot.publisher import AUTH_ERRORS, CHANNEL_ERRORS, TRANSIENT_ERRORS, Publisher
from flows.catalog import Catalog
from flows.nudges import GIVE_UP_AFTER, REMIND_AFTER, NudgeStatus, cadence, in_working_hours, next_due, send_window
from flows.nudges import zone as owner_zone
from storage import nudges as nudge_repo
from storage import repositories as repo
from storage.engine import read_scope, session_scope
from storage.models import Design, Nudge

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BACKOFF_START = timedelta(minutes=1)
BACKOFF_CAP = timedelta(hours=1)
MAX_LOOKUP_PAGES = 10


class _Deferred(Exception):
    """Slack can't tell now whether a nudge went out; leave its rows leased and look again later."""


class Nudger:
    def __init__(
        self, *, engine: Engine, client: WebClient, catalog: Catalog, clock: Clock, publisher: Publisher
    ) -> None:
        self._engine = engine
        self._client = client
        self._catalog = catalog
        self._clock = clock
        self._publisher = publisher
        self._claim = f"{uuid.uuid4().hex[:12]}"

    def dispatch(self) -> int:
        """Act on every nudge due now; returns how many rows were claimed. Safe to run in many processes."""
        now = self._clock.now()
        with session_scope(self._engine) as session:
            claimed = nudge_repo.claim_due(session=session, now=now, lease_until=now + LEASE, claim=self._claim)
        by_design: dict[tuple[str, int], list[Nudge]] = defaultdict(list)
        for nudge in claimed:
            by_design[(nudge.team_id, nudge.design_id)].append(nudge)
        for (team_id, design_id), nudges in by_design.items():
            try:
                self._dispatch_design(team_id, design_id, nudges, now)
            except _Deferred:
                continue
            except Exception:
                # The lease runs out and the rows fall due again; one design's trouble doesn't stop the rest.
                logger.exception("dispatching nudges of design %s failed", design_id)
        return len(claimed)

    def refresh_message(self, team_id: str, design_id: int, message_ts: str) -> None:
        """Show outcomes on a nudge message after someone acted on it."""
        with read_scope(self._engine) as session:
            design = repo.get_design(session=session, team_id=team_id, design_id=design_id)
            nudges = nudge_repo.nudges_in_message(
                session=session, team_id=team_id, design_id=design_id, message_ts=message_ts
            )
        if design is None or not nudges:
            return
        message = self._render(design, nudges)
        try:
            self._client.chat_update(channel=design.channel_id, ts=message_ts, text=message.text, blocks=message.blocks)
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.warning("could not update nudge message %s: %s", message_ts, _describe(error))

    # --- one design's due rows ---------------------------------------------------------------------------

    def _dispatch_design(self, team_id: str, design_id: int, nudges: list[Nudge], now: datetime) -> None:
        with read_scope(self._engine) as session:
            design = repo.get_design(session=session, team_id=team_id, design_id=design_id)
        if design is None:
            return  # deleted: its rows went with it
        if not design.reminders_enabled:
            self._close(nudges, NudgeStatus.STOPPED, now)
            return
        zone = owner_zone(self._owner_tz(design))
        to_send = [n for n in nudges if n.status == NudgeStatus.SCHEDULED]
        to_remind = [n for n in nudges if n.status == NudgeStatus.SENT]
        to_give_up = [n for n in nudges if n.status == NudgeStatus.REMINDED]
        if to_send:
            if all(n.any_hour for n in to_send) or in_working_hours(now, zone):
                self._send(design, to_send, now, zone)
            else:
                self._release(to_send, send_window(now, zone))
        if to_remind:
            if in_working_hours(now, zone):
                self._remind(design, to_remind, now)
            else:
                self._release(to_remind, send_window(now, zone))
        if to_give_up:
            self._give_up(design, to_give_up, now, zone)

    def _send(self, design: Design, nudges: list[Nudge], now: datetime, zone: Any) -> None:
        already = self._find_sent(design, nudges, MetadataType.NUDGE)
        pending = [n for n in nudges if n.id not in already]
        for ts in set(already.values()):
            self._mark_sent([n for n in nudges if already.get(n.id) == ts], ts, now, zone)
        if not pending:
            return
        self._update(pending, send_started_at=now)
        message = self._render(design, pending)
        ts = self._post(design, pending, message, MetadataType.NUDGE, now)
        if ts is not None:
            self._mark_sent(pending, ts, now, zone)
            logger.info("nudged design %s about %s", design.id, ", ".join(n.question_id for n in pending))

    def _remind(self, design: Design, nudges: list[Nudge], now: datetime) -> None:
        already = self._find_sent(design, nudges, MetadataType.NUDGE_REMINDER)
        pending = [n for n in nudges if n.id not in already]
        give_up_at = now + GIVE_UP_AFTER
        if pending:
            self._update(pending, send_started_at=now)
            message = reminder_message(design=design, catalog=self._catalog, nudges=pending, give_up_at=give_up_at)
            if self._post(design, pending, message, MetadataType.NUDGE_REMINDER, now) is None:
                return
        self._update(nudges, status=NudgeStatus.REMINDED, reminded_at=now, due_at=give_up_at, claim=None, attempts=0)

    def _give_up(self, design: Design, nudges: list[Nudge], now: datetime, zone: Any) -> None:
        """Nobody acted after the reminder: record it, show it, and carry on with the regular schedule."""
        self._close(nudges, NudgeStatus.UNANSWERED, now)
        with session_scope(self._engine) as session:
            locked = repo.get_design(session=session, team_id=design.team_id, design_id=_id(design), for_update=True)
            if locked is None:
                return
            answers = repo.current_answers(session=session, team_id=design.team_id, design_id=_id(design))
            every = timedelta(days=locked.remind_every_days) if locked.remind_every_days else None
            for nudge in nudges:
                due = next_due(
                    cadence=cadence(nudge.question_id, answers, every),
                    round_number=nudge.round + 1,
                    anchor=now,
                    zone=zone,
                )
                nudge_repo.add_nudge(
                    session=session,
                    nudge=Nudge(
                        team_id=nudge.team_id,
                        design_id=nudge.design_id,
                        question_id=nudge.question_id,
                        round=nudge.round + 1,
                        due_at=due,
                    ),
                )
            repo.mark_changed(session=session, design=locked, now=now)
        for ts in {n.message_ts for n in nudges if n.message_ts}:
            assert ts is not None
            self.refresh_message(design.team_id, _id(design), ts)
        self._publisher.schedule(design.team_id, _id(design))

    # --- Slack ---------------------------------------------------------------------------------------

    def _post(
        self, design: Design, nudges: list[Nudge], message: Message, kind: MetadataType, now: datetime
    ) -> str | None:
        """Post in the design's thread; on failure, retry later with backoff or record why it can't be sent."""
        try:
            response = self._client.chat_postMessage(
                channel=design.channel_id,
                thread_ts=design.parent_ts,
                text=message.text,
                blocks=message.blocks,
                metadata={"event_type": str(kind), "event_payload": {"nudge_ids": [n.id for n in nudges]}},
                unfurl_links=False,
                unfurl_media=False,
            )
            return str(response["ts"])
        except (SlackApiError, SlackClientError, OSError) as error:
            self._failed(nudges, error, now)
            return None

    def _failed(self, nudges: list[Nudge], error: Exception, now: datetime) -> None:
        code = error.response.get("error") if isinstance(error, SlackApiError) else None
        attempts = max(n.attempts for n in nudges) + 1
        retryable = not isinstance(error, SlackApiError) or (
            error.response.status_code >= 500 or code in TRANSIENT_ERRORS or code in AUTH_ERRORS
        )
        reason = _describe(error)
        if code in CHANNEL_ERRORS or not retryable or attempts >= MAX_ATTEMPTS:
            why = reason if attempts < MAX_ATTEMPTS or not retryable else f"gave up after {attempts} attempts: {reason}"
            logger.warning("nudges %s failed: %s", [n.id for n in nudges], why)
            self._update(nudges, status=NudgeStatus.FAILED, failure=why[:200], due_at=None, claim=None, resolved_at=now)
            design_id = nudges[0].design_id
            with session_scope(self._engine) as session:
                design = repo.get_design(session=session, team_id=nudges[0].team_id, design_id=design_id)
                if design is not None:
                    repo.mark_changed(session=session, design=design, now=now)
            self._publisher.schedule(nudges[0].team_id, design_id)
            return
        wait = min(BACKOFF_START * 2 ** (attempts - 1), BACKOFF_CAP)
        retry_after = _retry_after(error)
        if retry_after is not None:
            wait = max(wait, timedelta(seconds=retry_after))
        logger.info("nudges %s deferred %ss: %s", [n.id for n in nudges], int(wait.total_seconds()), reason)
        self._update(nudges, due_at=now + wait, claim=None, attempts=attempts)

    def _find_sent(self, design: Design, nudges: list[Nudge], kind: MetadataType) -> dict[int | None, str]:
        """For rows whose send may have started before a crash: the message that carries their ids."""
        if not any(n.send_started_at for n in nudges) or design.parent_ts is None:
            return {}
        wanted = {n.id for n in nudges}
        found: dict[int | None, str] = {}
        try:
            for message in self._replies(design):
                metadata = message.get("metadata") or {}
                if metadata.get("event_type") != kind:
                    continue
                for nudge_id in (metadata.get("event_payload") or {}).get("nudge_ids", []):
                    if nudge_id in wanted:
                        found[nudge_id] = str(message["ts"])
        except (SlackApiError, SlackClientError, OSError) as error:
            # Not knowing means not sending: the rows stay claimed until the lease ends, then we look again.
            logger.warning("could not check for nudges already sent in design %s: %s", design.id, _describe(error))
            raise _Deferred from error
        return found

    def _replies(self, design: Design) -> Iterator[dict[str, Any]]:
        cursor = None
        for _ in range(MAX_LOOKUP_PAGES):
            response = self._client.conversations_replies(
                channel=design.channel_id, ts=design.parent_ts, include_all_metadata=True, limit=200, cursor=cursor
            )
            yield from response.get("messages", [])
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return

    def _owner_tz(self, design: Design) -> str | None:
        """The owner's timezone, asked of Slack once and remembered; UTC until Slack can say."""
        if design.owner_tz:
            return design.owner_tz
        try:
            tz = self._client.users_info(user=design.started_by)["user"].get("tz")
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.info("no timezone for %s yet: %s", design.started_by, _describe(error))
            return None
        if tz:
            with session_scope(self._engine) as session:
                stored = repo.get_design(session=session, team_id=design.team_id, design_id=_id(design))
                if stored is not None:
                    stored.owner_tz = tz
                    session.add(stored)
            design.owner_tz = tz
        return tz

    def _render(self, design: Design, nudges: Sequence[Nudge]) -> Message:
        with read_scope(self._engine) as session:
            answers = repo.current_answers(session=session, team_id=design.team_id, design_id=_id(design))
            log = nudge_repo.nudge_log(session=session, team_id=design.team_id, design_id=_id(design), limit=200)
        confirmations: dict[str, Confirmation] = {}
        for past in log:
            if past.status == NudgeStatus.CONFIRMED and past.resolved_at and past.question_id not in confirmations:
                confirmations[past.question_id] = Confirmation(at=past.resolved_at, by=past.resolved_by)
        return nudge_message(
            design=design, catalog=self._catalog, nudges=nudges, answers=answers, confirmations=confirmations
        )

    # --- rows --------------------------------------------------------------------------------------

    def _mark_sent(self, nudges: Iterable[Nudge], ts: str, now: datetime, zone: Any) -> None:
        """Record the message on every row it carries. A row someone already acted on (a click can beat
        this write) keeps its outcome, and the message is re-rendered to show it."""
        remind_at = send_window(now + REMIND_AFTER, zone)
        rows = list(nudges)
        acted_on = False
        with session_scope(self._engine) as session:
            for nudge in rows:
                stored = nudge_repo.get_nudge(
                    session=session, team_id=nudge.team_id, nudge_id=_nudge_id(nudge), for_update=True
                )
                if stored is None:
                    continue
                stored.message_ts, stored.sent_at = ts, now
                if stored.claim == self._claim and stored.status == NudgeStatus.SCHEDULED:
                    stored.status, stored.due_at, stored.claim, stored.attempts = NudgeStatus.SENT, remind_at, None, 0
                else:
                    acted_on = True
                session.add(stored)
                nudge.message_ts, nudge.status = ts, stored.status
        if acted_on and rows:
            self.refresh_message(rows[0].team_id, rows[0].design_id, ts)

    def _release(self, nudges: list[Nudge], due: datetime) -> None:
        """Outside working hours: give the rows back, due at the owner's next working morning."""
        self._update(nudges, due_at=due, claim=None)

    def _close(self, nudges: list[Nudge], outcome: NudgeStatus, now: datetime) -> None:
        self._update(nudges, status=outcome, resolved_at=now, due_at=None, claim=None)

    def _update(self, nudges: list[Nudge], **values: Any) -> None:
        """Write to rows this dispatcher still holds; a row whose lease another dispatcher took is left to it."""
        with session_scope(self._engine) as session:
            for nudge in nudges:
                if not nudge_repo.holds_claim(session=session, nudge=nudge, claim=self._claim):
                    continue
                stored = nudge_repo.get_nudge(session=session, team_id=nudge.team_id, nudge_id=_nudge_id(nudge))
                assert stored is not None
                for name, value in values.items():
                    setattr(stored, name, value)
                    setattr(nudge, name, value)
                session.add(stored)


def _retry_after(error: Exception) -> int | None:
    if not isinstance(error, SlackApiError):
        return None
    value = (error.response.headers or {}).get("Retry-After") or (error.response.headers or {}).get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _describe(error: Exception) -> str:
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"HTTP {error.response.status_code}")
    return type(error).__name__


def _id(design: Design) -> int:
    assert design.id is not None
    return design.id


def _nudge_id(nudge: Nudge) -> int:
    assert nudge.id is not None
    return nudge.id

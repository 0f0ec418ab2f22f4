"""The nudge dispatcher: sends the revisits that fell due, reminds once, then marks them unanswered.

APScheduler only wakes it up (every ``MLDESIGN_DISPATCH_SECONDS``, in memory, one per process); the database says
what is due. Each wake-up claims due rows under a lease with a token of its own (``storage.nudges.claim_due``), so no
two dispatches, in one process or several, take the same row, and a dispatch that dies leaves rows that fall due again
when the lease ends. Every write, and every post, first checks that the dispatch still holds its rows: one whose lease
was taken over stands aside. A row whose send may have started is looked for in the thread by the nudge ids its
message carries in metadata, so recovering it never posts twice. All rows due for one design go out as one message,
so a bot back from downtime sends one nudge per design, not a burst.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from bot.base.clock import Clock
from bot.jobs.outbox import Outbox
from bot.outbound.clients import SlackClients
from bot.outbound.nudge_lookup import sent_messages
from bot.outbound.nudge_messages import NudgeMessages, ReadAhead, Shown
from bot.outbound.owner_timezone import OwnerTimezones, TimezoneNotYet
from bot.outbound.posting import LookupUnsettled
from bot.outbound.slack_errors import as_failure, reason
from bot.outbound.stall_nudges import StallNudges
from bot.render.blocks import Message
from bot.render.ids import MetadataType
from bot.render.nudges import reminder_message
from bot.usecases import revisit_schedule
from bot.usecases.catalogs import Catalogs
from flows.nudges import GIVE_UP_AFTER, REMIND_AFTER, NudgeStatus, in_working_hours, send_window
from flows.nudges import zone as owner_zone
from flows.retries import MAX_ATTEMPTS, next_attempt
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage.engine import read_scope, session_scope, statement_scope
from storage.models import Design, Nudge, stored_id
from storage.nudges import DesignKey

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
LOOKUP_AGAIN_AFTER = timedelta(minutes=1)  # an unsettled look for a crash's nudge, again (a thread read a minute)
DESIGNS_AT_ONCE = 4  # designs nudged concurrently by one dispatcher; each takes a database connection
MAX_ITEMS_PER_MESSAGE = 15  # three blocks each, plus the intro and "Stop": within Slack's 50


@dataclass(frozen=True)
class Batch:
    """The rows one dispatch holds for one design, and the token that proves it holds them."""

    claim: str
    design: Design
    nudges: list[Nudge]


class Nudger:
    def __init__(
        self, *, engine: Engine, clients: SlackClients, catalogs: Catalogs, clock: Clock, outbox: Outbox
    ) -> None:
        self._engine = engine
        self._clients = clients
        self._catalogs = catalogs
        self._clock = clock
        self._outbox = outbox
        self._timezones = OwnerTimezones(engine=engine, clients=clients)
        self._stalls = StallNudges(
            engine=engine, clients=clients, catalogs=catalogs, clock=clock, timezones=self._timezones
        )
        self._messages = NudgeMessages(engine=engine, clients=clients, catalogs=catalogs)

    def dispatch(self) -> int:
        """Act on every nudge due now, a batch at a time until none is left; returns how many rows were claimed.
        Safe to run in many processes. Draining matters after down time or a busy Monday morning: one batch per
        tick would take 25 minutes for 10,000 due nudges."""
        total = 0
        while True:
            claimed = self._dispatch_batch()
            total += claimed
            if not claimed:  # a claim takes whole designs: fewer rows than a batch does not mean none are left
                break
        self._stalls.send_due()
        return total

    def _dispatch_batch(self) -> int:
        now = self._clock.now()
        claim = uuid.uuid4().hex
        with session_scope(self._engine) as session:
            claimed = nudge_repo.claim_due(
                session=session, now=now, lease_until=now + LEASE, claim=claim, limit=nudge_repo.CLAIM_BATCH
            )
            by_design: dict[DesignKey, list[Nudge]] = defaultdict(list)
            for nudge in claimed:
                by_design[(nudge.team_id, nudge.design_id)].append(nudge)
            # One query for the whole batch's designs; a design deleted meanwhile took its rows with it.
            designs = design_repo.designs_by_id(session=session, keys=list(by_design))

        order = list(designs)
        read_ahead = ReadAhead(
            lambda keys: self._messages.read_shown(
                [designs[key] for key in keys], [n for key in keys for n in by_design[key]], triage=True
            ),
            order,
            at_once=2 * DESIGNS_AT_ONCE,
        )

        def dispatch_one(key: DesignKey) -> None:
            try:
                self._dispatch_design(claim, designs[key], by_design[key], now, read_ahead.take(key))
            except TimezoneNotYet:
                return
            except Exception:
                # The lease runs out and the rows fall due again; one design's trouble doesn't stop the rest.
                logger.exception("dispatching nudges of design %s failed", key[1])

        # Designs are independent (each holds its own rows' leases): while one waits on Slack, others post.
        with ThreadPoolExecutor(max_workers=DESIGNS_AT_ONCE, thread_name_prefix="mldesign-nudge") as pool:
            list(pool.map(dispatch_one, order))
        return len(claimed)

    def refresh_message(self, team_id: str, design_id: int, message_ts: str) -> None:
        """Show outcomes on a nudge message after someone acted on it."""
        self._messages.refresh(team_id, design_id, message_ts)

    def learn_owner_timezone(self, team_id: str, design_id: int) -> None:
        """Right after deployment: ask Slack for the owner's timezone and re-time the first revisits to it."""
        with read_scope(self._engine) as session:
            design = design_repo.get_design(session=session, team_id=team_id, design_id=design_id)
        if design is None or design.owner_tz:
            return
        try:
            tz = self._timezones.of(design)
        except TimezoneNotYet:
            return  # the dispatcher asks again before sending
        if tz:
            with session_scope(self._engine) as session:
                revisit_schedule.retime(
                    session=session,
                    catalogs=self._catalogs,
                    team_id=team_id,
                    design_id=design_id,
                    now=self._clock.now(),
                )
            self._outbox.publish(team_id, design_id)

    # --- one design's due rows ---------------------------------------------------------------------------

    def _dispatch_design(
        self, claim: str, design: Design, nudges: list[Nudge], now: datetime, shown: Shown | None = None
    ) -> None:
        """Act on one design's claimed rows, those that need no message (``Shown.closing``) first."""
        shown = shown or self._messages.read_shown([design], nudges, triage=True)[(design.team_id, stored_id(design))]
        closing = shown.closing
        for outcome in set(closing.values()):
            self._conclude(Batch(claim, design, [n for n in nudges if closing.get(n.id) is outcome]), outcome, now)
        if not (nudges := [nudge for nudge in nudges if nudge.id not in closing]):
            return
        zone = owner_zone(self._timezones.of(design))
        phases = {
            status: Batch(claim, design, [n for n in nudges if n.status == status])
            for status in (NudgeStatus.SCHEDULED, NudgeStatus.SENT, NudgeStatus.REMINDED)
        }
        to_send, to_remind, to_give_up = phases.values()
        if to_send.nudges:
            if all(n.any_hour for n in to_send.nudges) or in_working_hours(now, zone):
                self._send(to_send, now, zone, shown)
            else:
                self._hold(to_send, due_at=send_window(now, zone), claim=None)
        if to_remind.nudges:
            if in_working_hours(now, zone):
                self._remind(to_remind, now)
            else:
                self._hold(to_remind, due_at=send_window(now, zone), claim=None)
        if to_give_up.nudges:
            self._conclude(to_give_up, NudgeStatus.UNANSWERED, now)

    def _send(self, batch: Batch, now: datetime, zone: tzinfo, shown: Shown | None) -> None:
        already = self._find_sent(batch, MetadataType.NUDGE, now)
        if already is None:
            return
        for ts in set(already.values()):
            found = [n for n in batch.nudges if already.get(n.id) == ts]  # drawn before an alert reopened them?
            self._mark_sent(Batch(batch.claim, batch.design, found), ts, now, zone, any(n.by_alert for n in found))
        # Extend the lease and re-check it just before posting: rows taken over meanwhile are not posted.
        pending = Batch(batch.claim, batch.design, [n for n in batch.nudges if n.id not in already])
        held = self._hold(pending, send_started_at=now, due_at=now + LEASE)
        # One message per design; a catalog with very many revisit questions needs a few (50 blocks each).
        for start in range(0, len(held.nudges), MAX_ITEMS_PER_MESSAGE):
            part = Batch(held.claim, held.design, held.nudges[start : start + MAX_ITEMS_PER_MESSAGE])
            ts = self._post(part, self._messages.render(part.design, part.nudges, shown), MetadataType.NUDGE, now)
            if ts is None:
                return
            self._mark_sent(part, ts, now, zone)
            logger.info("nudged design %s about %s", part.design.id, ", ".join(n.question_id for n in part.nudges))
        if self._messages.mark_lapsed(held.design, held.nudges, now):
            self._outbox.publish(held.design.team_id, stored_id(held.design))

    def _remind(self, batch: Batch, now: datetime) -> None:
        already = self._find_sent(batch, MetadataType.NUDGE_REMINDER, now)
        if already is None:
            return
        give_up_at = now + GIVE_UP_AFTER
        pending = Batch(batch.claim, batch.design, [n for n in batch.nudges if n.id not in already])
        held = self._hold(pending, send_started_at=now, due_at=now + LEASE)
        if held.nudges:
            message = reminder_message(
                design=held.design, catalog=self._catalogs.of(held.design), nudges=held.nudges, give_up_at=give_up_at
            )
            if self._post(held, message, MetadataType.NUDGE_REMINDER, now) is None:
                return
        self._hold(
            batch,
            status=NudgeStatus.REMINDED,
            reminded_at=now,
            due_at=give_up_at,
            claim=None,
            attempts=0,
            send_started_at=None,
        )

    def _conclude(self, batch: Batch, outcome: NudgeStatus, now: datetime, failure: str | None = None) -> None:
        """Close the rows this dispatch still holds with ``outcome`` and, in the same transaction, schedule each
        question's next revisit (none when reminders are off or one is already open)."""
        closed: list[Nudge] = []
        with session_scope(self._engine) as session:
            design = design_repo.get_design(
                session=session, team_id=batch.design.team_id, design_id=stored_id(batch.design), for_update=True
            )
            if design is None:
                return
            for nudge in batch.nudges:
                row = nudge_repo.lock_held(session=session, nudge_id=_nudge_id(nudge), claim=batch.claim)
                if row is None or not NudgeStatus(row.status).is_open:
                    continue
                row.status, row.resolved_at, row.due_at, row.claim = outcome, now, None, None
                row.failure = failure
                session.add(row)
                session.flush()
                if outcome is not NudgeStatus.STOPPED:
                    revisit_schedule.schedule_next(
                        session=session,
                        catalog=self._catalogs.of(design),
                        design=design,
                        question_id=row.question_id,
                        now=now,
                    )
                closed.append(row)
            if closed:
                design_repo.mark_changed(session=session, design=design, now=now)
        for ts in {row.message_ts for row in closed if row.message_ts}:
            assert ts is not None
            self._messages.refresh(batch.design.team_id, stored_id(batch.design), ts)
        if closed:
            self._outbox.publish(batch.design.team_id, stored_id(batch.design))

    # --- Slack ---------------------------------------------------------------------------------------

    def _post(self, batch: Batch, message: Message, kind: MetadataType, now: datetime) -> str | None:
        """Post in the design's thread; on failure, retry later with backoff or record why it can't be sent."""
        design = batch.design
        try:
            response = self._clients.for_team(design.team_id).chat_postMessage(
                channel=design.channel_id,
                thread_ts=design.parent_ts,
                text=message.text,
                blocks=message.blocks,
                metadata={"event_type": str(kind), "event_payload": {"nudge_ids": [n.id for n in batch.nudges]}},
                unfurl_links=False,
                unfurl_media=False,
            )
            return str(response["ts"])
        except (SlackApiError, SlackClientError, OSError) as error:
            self._failed(batch, error, now)
            return None

    def _failed(self, batch: Batch, error: Exception, now: datetime) -> None:
        """A permanent error closes the rows as failed, with the reason; anything else is retried with backoff.
        Rate limits and credentials a person must fix don't use up the attempts."""
        why_failed = reason(error)
        attempt = next_attempt(max(n.attempts for n in batch.nudges), as_failure(error))
        if attempt.give_up:
            worn_out = attempt.attempts >= MAX_ATTEMPTS
            why = f"gave up after {attempt.attempts} attempts: {why_failed}" if worn_out else why_failed
            logger.warning("nudges %s of design %s failed: %s", [n.id for n in batch.nudges], batch.design.id, why)
            self._conclude(batch, NudgeStatus.FAILED, now, failure=why[:200])
            return
        wait, attempts = attempt.wait, attempt.attempts
        logger.info("nudges %s deferred %ss: %s", [n.id for n in batch.nudges], int(wait.total_seconds()), why_failed)
        self._hold(batch, due_at=now + wait, claim=None, attempts=attempts)

    def _find_sent(self, batch: Batch, kind: MetadataType, now: datetime) -> dict[int | None, str] | None:
        """For rows whose send may have started before a crash: the message that carries their ids.
        None when Slack couldn't say yet (the rows then wait, or are failed or retried like a failed post)."""
        try:
            return dict(sent_messages(self._engine, self._clients, batch.design, batch.nudges, kind))
        except LookupUnsettled as unsettled:
            # Not found yet is not proof it never went out: no attempt is used up, and the next look reads on.
            logger.info("nudges %s of design %s wait: %s", [n.id for n in batch.nudges], batch.design.id, unsettled)
            self._hold(batch, due_at=now + LOOKUP_AGAIN_AFTER, claim=None)
        except (SlackApiError, SlackClientError, OSError) as error:
            logger.warning("could not check for nudges already sent in design %s: %s", batch.design.id, reason(error))
            self._failed(batch, error, now)
        return None

    def _mark_sent(self, batch: Batch, ts: str, now: datetime, zone: tzinfo, redraw: bool = False) -> None:
        """Record the message on every row it carries. A row someone already acted on (a click can beat
        this write) keeps its outcome, and the message is re-rendered to show it."""
        with statement_scope(self._engine) as session:  # one UPDATE
            recorded = nudge_repo.record_sent(
                session=session,
                nudge_ids=[_nudge_id(nudge) for nudge in batch.nudges],
                claim=batch.claim,
                message_ts=ts,
                sent_at=now,
                remind_at=send_window(now + REMIND_AFTER, zone),
            )
        # An alert may have reopened a row while the message, drawn without it, was on its way.
        if recorded.acted_on or redraw or any(n.id in recorded.by_alert and not n.by_alert for n in batch.nudges):
            self._messages.refresh(batch.design.team_id, stored_id(batch.design), ts)

    def _hold(self, batch: Batch, **values: Any) -> Batch:
        """Write to the rows this dispatch still holds, and return them; rows whose lease another dispatch
        took over (or that someone closed meanwhile) are left alone."""
        with statement_scope(self._engine) as session:  # one UPDATE
            held = set(
                nudge_repo.update_held(
                    session=session,
                    nudge_ids=[_nudge_id(nudge) for nudge in batch.nudges],
                    held_by=batch.claim,
                    values=values,
                )
            )
        kept = [nudge for nudge in batch.nudges if nudge.id in held]
        for nudge in kept:
            for name, value in values.items():
                setattr(nudge, name, value)
        return Batch(batch.claim, batch.design, kept)


def _nudge_id(nudge: Nudge) -> int:
    assert nudge.id is not None
    return nudge.id

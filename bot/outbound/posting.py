"""Posting at most once, across crashes and processes: the claim is stored before a post and settled afterwards by
looking for the message by its metadata, in a bounded read; and every change in Slack first checks that this
publish still holds its design's lease."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from bot.base.clock import Clock
from bot.outbound.clients import SlackClients
from bot.outbound.slack_errors import describe, is_transient
from bot.render.blocks import Message
from bot.render.ids import MetadataType
from storage import repositories as repo
from storage.engine import read_scope, session_scope
from storage.models import Design, Prompt, stored_id

logger = logging.getLogger(__name__)

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
# A publish holds its design this long past its last Slack call (renewed before each change it makes): longer
# than one call can take with its timeout and rate-limit waits. If its process dies, another process takes the
# design over once the lease has run out.
LEASE = timedelta(minutes=5)
POST_WINDOW = LEASE + timedelta(minutes=1)


class LeaseLost(Exception):
    """This publish outlived its lease and another process took the design over: stop without posting."""


class Posting:
    """Shared by the thread and the pinned summary of one publisher: the clients, the database, the clock, and the
    lease held by the publish running in each thread."""

    def __init__(self, *, engine: Engine, clients: SlackClients, clock: Clock) -> None:
        self.engine = engine
        self.clients = clients
        self.clock = clock
        self._held = threading.local()  # the lease claim of the publish running in this thread

    def hold(self, claim: str | None, until: datetime | None = None) -> None:
        """The lease this thread's publish holds from now on (None: it let go)."""
        self._held.claim, self._held.until = claim, until

    def slack(self, design: Design) -> WebClient:
        """The client for a call that changes something in Slack: the lease is renewed first, so a publish
        that lost its design (its lease ran out, or the design was deleted) stops before changing anything."""
        self.renew_lease(design)
        return self.clients.for_team(design.team_id)

    def reader(self, design: Design) -> WebClient:
        """The client for a call that only reads (history, replies, permalinks)."""
        return self.clients.for_team(design.team_id)

    def record(self, design: Design, **columns: Any) -> None:
        """Store publisher columns on the row and on the snapshot, leaving walkthrough state alone."""
        assert design.id is not None
        with session_scope(self.engine) as session:
            repo.record_publication(session=session, team_id=design.team_id, design_id=design.id, **columns)
        for name, value in columns.items():
            setattr(design, name, value)

    def save_prompt(self, prompt: Prompt) -> None:
        with session_scope(self.engine) as session:
            repo.save_prompt(session=session, prompt=prompt)

    def post_once(
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
                self.reader(design),
                design.channel_id,
                thread_ts=thread_ts,
                since=claimed_at,
                until=claimed_at,
                after=OWN_POST_WINDOW,
            )
            ts = self.find_posted(found, event_type, payload)
            if ts is not None:
                return ts, False
        self.record(design, **{claim: self.clock.now()})
        try:
            return self.post(design, build(), event_type, payload, thread_ts=thread_ts), True
        except SlackApiError as error:
            if not is_transient(error):  # Slack said no: nothing was posted, so there is nothing to look for later
                self.record(design, **{claim: None})
            raise

    def post(
        self,
        design: Design,
        message: Message,
        event_type: MetadataType,
        payload: dict[str, Any],
        thread_ts: str | None = None,
    ) -> str:
        response = self.slack(design).chat_postMessage(
            channel=design.channel_id,
            text=message.text,
            blocks=message.blocks,
            thread_ts=thread_ts,
            metadata={"event_type": str(event_type), "event_payload": payload},
            unfurl_links=False,
            unfurl_media=False,
        )
        ts = str(response["ts"])
        if not self.still_exists(design):  # deleted while the post was on its way: take the post back
            with contextlib.suppress(SlackApiError, SlackClientError, OSError):
                self.reader(design).chat_delete(channel=design.channel_id, ts=ts)
            raise LeaseLost()
        return ts

    def still_exists(self, design: Design) -> bool:
        with read_scope(self.engine) as session:
            revision = repo.design_revision(session=session, team_id=design.team_id, design_id=stored_id(design))
        return revision is not None

    def renew_lease(self, design: Design) -> None:
        """Before each change in Slack (a post must never happen twice): still ours for another LEASE?

        While more than half the lease is left nobody else can take it, so only a deletion can have ended it, and
        a one-column read sees that without queueing behind other writers (an update sent after a deletion would
        bring back what the deletion tidied away). Past half, the lease is extended."""
        claim = getattr(self._held, "claim", None)
        if claim is None:
            return
        now = self.clock.now()
        if self._held.until - now > LEASE / 2:
            if not self.still_exists(design):
                raise LeaseLost()
            return
        with session_scope(self.engine) as session:
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

    def permalink(self, design: Design, ts: str) -> str | None:
        try:
            client = self.reader(design)
            return str(client.chat_getPermalink(channel=design.channel_id, message_ts=ts)["permalink"])
        except SlackApiError as error:
            logger.warning("no permalink for %s/%s: %s", design.channel_id, ts, describe(error))
            return None

    def prompts_posted(self, design: Design, prompts: list[Prompt]) -> Iterator[dict[str, Any]]:
        """The thread's messages around the moments these prompts' posts were attempted, in one read."""
        assert design.parent_ts is not None
        started = [prompt.post_started_at or prompt.created_at for prompt in prompts]
        return posted_around(
            self.reader(design),
            design.channel_id,
            thread_ts=design.parent_ts,
            since=min(started),
            until=max(started),
            after=OWN_POST_WINDOW,
        )

    @staticmethod
    def find_posted(messages: Iterable[dict[str, Any]], event_type: str, payload: dict[str, Any]) -> str | None:
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

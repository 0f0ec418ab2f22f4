"""Posting at most once, across crashes and processes: the claim is stored before a post and settled afterwards by
looking for the message by its metadata, in a bounded read; and every change in Slack first checks that this
publish still holds its design's lease."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine

from bot.base.clock import Clock
from bot.outbound.clients import SlackClients
from bot.outbound.slack_errors import describe, is_transient
from bot.render.blocks import Message
from bot.render.ids import MetadataType
from storage import designs as design_repo
from storage import lookups
from storage import publishing as publishing_repo
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


class LookupUnsettled(Exception):
    """A post a crash left unrecorded was not in what one bounded read covered, and the read did not reach the end of
    the minutes it may lie in (a busy thread or channel): it may still have gone out, so nothing is posted now. How
    far the read got is stored, and the next look reads on from there."""


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
            publishing_repo.record_publication(session=session, team_id=design.team_id, design_id=design.id, **columns)
        for name, value in columns.items():
            setattr(design, name, value)

    def save_prompt(self, prompt: Prompt) -> None:
        with session_scope(self.engine) as session:
            publishing_repo.save_prompt(session=session, prompt=prompt)

    def post_once(
        self,
        design: Design,
        *,
        claim: str,
        event_type: MetadataType,
        build: Callable[[], Message],
        thread_ts: str | None = None,
        payload: dict[str, Any] | None = None,
    ) -> tuple[str, bool]:
        """Post a message at most once across crashes: the claim is stored before posting, and a claim left
        by an attempt that died is settled by looking for the message it may have posted (by metadata, which
        ``payload`` tells apart from other posts under the same claim, such as a review's earlier rounds).
        Returns the message's ts and whether it was posted now."""
        payload = payload or {"design_id": design.id}
        claimed_at = getattr(design, claim)
        if claimed_at is not None:
            found = self.look(design, [claim], thread_ts=thread_ts, since=claimed_at, until=claimed_at)
            ts = self.find_posted(found, event_type, payload)
            self.settle(design, found, {claim: ts})
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
            revision = design_repo.design_revision(session=session, team_id=design.team_id, design_id=stored_id(design))
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
            renewed = publishing_repo.renew_publishing_lease(
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

    def look(
        self, design: Design, keys: Sequence[str], *, thread_ts: str | None, since: datetime, until: datetime
    ) -> PostedAround:
        """The messages this publisher's own posts, attempted between ``since`` and ``until``, may be among."""
        return look_for(
            self.engine,
            self.reader(design),
            design,
            keys,
            thread_ts=thread_ts,
            since=since,
            until=until,
            after=OWN_POST_WINDOW,
        )

    def settle(self, design: Design, read: PostedAround, found: Mapping[str, str | None]) -> None:
        settle(self.engine, design, read, found)

    def prompts_posted(self, design: Design, prompts: list[Prompt]) -> PostedAround:
        """The thread's messages around the moments these prompts' posts were attempted, in one read."""
        assert design.parent_ts is not None
        started = [prompt.post_started_at or prompt.created_at for prompt in prompts]
        keys = [prompt_key(prompt) for prompt in prompts]
        return self.look(design, keys, thread_ts=design.parent_ts, since=min(started), until=max(started))

    @staticmethod
    def find_posted(messages: Iterable[dict[str, Any]], event_type: str, payload: dict[str, Any]) -> str | None:
        for message in messages:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == event_type and metadata.get("event_payload") == payload:
                return str(message["ts"])
        return None


def prompt_key(prompt: Prompt) -> str:
    """The name under which the look for a question's post keeps how far it has read."""
    return f"prompt:{prompt.step}"


def look_for(
    engine: Engine,
    client: WebClient,
    design: Design,
    keys: Sequence[str],
    *,
    thread_ts: str | None,
    since: datetime,
    until: datetime,
    after: timedelta = POST_WINDOW,
) -> PostedAround:
    """The messages posts attempted between ``since`` and ``until`` may be among, read on from where the earlier
    looks for the posts named by ``keys`` stopped (from the start if any of them has not looked yet)."""
    with read_scope(engine) as session:
        reached = lookups.progress(session=session, team_id=design.team_id, design_id=stored_id(design), keys=keys)
    positions = [reached.get(key) for key in keys]
    resume = None
    if positions and all(positions):
        # The look that got least far decides: a thread is read oldest first, a channel newest first.
        pick = min if thread_ts is not None else max
        resume = pick((position for position in positions if position), key=Decimal)
    return PostedAround(
        client, design.channel_id, thread_ts=thread_ts, since=since, until=until, after=after, resume=resume
    )


def settle(engine: Engine, design: Design, read: PostedAround, found: Mapping[str, str | None]) -> None:
    """After a look for the posts named in ``found`` (key → its ts, None when not seen): every post not seen is known
    never to have gone out once the read reached the end of its window; otherwise how far it got is stored and
    LookupUnsettled raised, so nothing is posted twice."""
    unsettled = [key for key, ts in found.items() if ts is None]
    key = {"team_id": design.team_id, "design_id": stored_id(design)}
    with session_scope(engine) as session:
        if not unsettled or read.read_to_end:
            lookups.forget(session=session, keys=found, **key)
            return
        lookups.forget(session=session, keys=[name for name, ts in found.items() if ts is not None], **key)
        if read.looked_up_to is not None:
            lookups.save_progress(session=session, looked_up_to=dict.fromkeys(unsettled, read.looked_up_to), **key)
    raise LookupUnsettled(f"read up to {read.looked_up_to}, not yet to the end of the minutes around the post")


class PostedAround:
    """The messages of a channel (or of one thread) posted while attempts recorded between ``since`` and ``until``
    may have gone out, with their metadata, read as they are needed: a page of LOOKUP_LIMIT, and a further one only
    while the post is not found and the window holds more, LOOKUP_READS pages at most. A thread lists them oldest
    first, so a post made as the attempt began comes first; a channel lists them newest first.

    ``resume`` (a ts an earlier look read up to) starts the read there instead. Once read, ``read_to_end`` says
    whether the whole window was seen, and ``looked_up_to`` how far the read got."""

    def __init__(
        self,
        client: WebClient,
        channel: str,
        *,
        thread_ts: str | None,
        since: datetime,
        until: datetime,
        after: timedelta = POST_WINDOW,
        resume: str | None = None,
    ) -> None:
        self._client = client
        self._channel = channel
        self._thread_ts = thread_ts
        oldest, latest = (
            Decimal(f"{(since - CLOCK_MARGIN).timestamp():.6f}"),
            Decimal(f"{(until + after).timestamp():.6f}"),
        )
        if resume is not None:
            if thread_ts is not None:
                oldest = max(oldest, Decimal(resume))
            else:
                latest = min(latest, Decimal(resume))
        self._oldest, self._latest = oldest, latest
        self.read_to_end = False
        self.looked_up_to: str | None = resume

    def __iter__(self) -> Iterator[dict[str, Any]]:
        window: dict[str, Any] = {
            "oldest": f"{self._oldest:.6f}",
            "latest": f"{self._latest:.6f}",
            "inclusive": True,
            "limit": LOOKUP_LIMIT,
            "include_all_metadata": True,
        }
        cursor = None
        for _ in range(LOOKUP_READS):
            if self._thread_ts is None:
                response = self._client.conversations_history(channel=self._channel, cursor=cursor, **window)
            else:
                response = self._client.conversations_replies(
                    channel=self._channel, ts=self._thread_ts, cursor=cursor, **window
                )
            for message in response.get("messages") or []:
                if message.get("ts") != self._thread_ts:  # a thread's parent leads every read, wherever it starts
                    self.looked_up_to = str(message["ts"])
                yield message
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                self.read_to_end = True
                return

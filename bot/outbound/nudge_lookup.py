"""Finding the nudge messages a crash left unrecorded: rows whose send had started are looked for in the design's
thread by the nudge ids each message carries in its metadata, so recovering them never posts twice."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from bot.outbound.clients import SlackClients
from bot.outbound.posting import look_for, settle
from bot.render.ids import MetadataType
from storage.models import Design, Nudge


def sent_messages(
    engine: Engine, clients: SlackClients, design: Design, nudges: Sequence[Nudge], kind: MetadataType
) -> dict[int, str]:
    """nudge id → the ts of the ``kind`` message that carries it, for rows whose send had started. Raises
    LookupUnsettled while the read has not covered the minutes such a message may lie in, and Slack's errors."""
    may_have_gone = {n.id for n in nudges if n.send_started_at and n.id is not None}
    if not may_have_gone or design.parent_ts is None:
        return {}
    wanted = {n.id for n in nudges}
    started = [n.send_started_at for n in nudges if n.send_started_at]
    keys = {nudge_id: f"nudge:{nudge_id}" for nudge_id in may_have_gone}
    thread = look_for(
        engine,
        clients.for_team(design.team_id),
        design,
        list(keys.values()),
        thread_ts=design.parent_ts,
        since=min(started),
        until=max(started),
    )
    found: dict[int, str] = {}
    for message in thread:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") != kind:
            continue
        for nudge_id in (metadata.get("event_payload") or {}).get("nudge_ids", []):
            if nudge_id in wanted:
                found[nudge_id] = str(message["ts"])
        if may_have_gone <= found.keys():
            break  # every row whose send had started is accounted for: no further page is read
    settle(engine, design, thread, {key: found.get(nudge_id) for nudge_id, key in keys.items()})
    return found

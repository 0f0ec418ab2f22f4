"""Thread replies answer the design's questions; edits of those replies update the answers, and deleting one
withdraws its answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.inbound.listeners.recording import Recording
from bot.render.text import unescape_slack
from bot.usecases import thread_replies
from bot.usecases.thread_replies import ReplyDeletion, ReplyEdit, ThreadReply
from flows import replies

ANSWER_SUBTYPES = (None, "thread_broadcast", "file_share")


def message_event(deps: Recording) -> Callable[..., None]:
    def handle_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        parsed = parse_message_event(event, team_id=body["team_id"], event_id=body["event_id"])
        if parsed is None:
            return
        with deps.db.unit_of_work() as session:
            if isinstance(parsed, ThreadReply):
                design_id = thread_replies.record_reply(
                    session=session, catalogs=deps.catalogs, reply=parsed, now=deps.clock.now()
                )
            elif isinstance(parsed, ReplyDeletion):
                design_id = thread_replies.record_deletion(session=session, deletion=parsed, now=deps.clock.now())
            else:
                design_id = thread_replies.record_edit(
                    session=session, catalogs=deps.catalogs, edit=parsed, now=deps.clock.now()
                )
        if design_id is not None:
            deps.outbox.publish(parsed.team_id, design_id)

    return handle_message


def parse_message_event(
    event: dict[str, Any], *, team_id: str, event_id: str
) -> ThreadReply | ReplyEdit | ReplyDeletion | None:
    """A person's reply in a thread, an edit of one or its deletion; None for everything the bot should not act
    on."""
    subtype = event.get("subtype")
    if subtype in ANSWER_SUBTYPES:
        message = event
    elif subtype == "message_changed":
        message = event.get("message") or {}
    elif subtype == "message_deleted":
        message = event.get("previous_message") or {}
    else:
        return None
    if not isinstance(message, dict):
        return None
    thread_ts, ts, user_id = message.get("thread_ts"), message.get("ts"), message.get("user")
    if message.get("bot_id") or not all(isinstance(v, str) and v for v in (thread_ts, ts, user_id)) or thread_ts == ts:
        return None
    raw = message.get("text") or ""
    text = unescape_slack(raw if isinstance(raw, str) else "")
    channel_id = event["channel"]
    if subtype == "message_changed":
        editor = (message.get("edited") or {}).get("user", user_id)
        return ReplyEdit(team_id, channel_id, thread_ts, ts, editor, text, event_id)
    if subtype == "message_deleted":
        return ReplyDeletion(team_id, channel_id, thread_ts, ts, user_id, text, event_id)
    discussion = replies.is_discussion(raw if isinstance(raw, str) else "")
    return ThreadReply(team_id, channel_id, thread_ts, ts, user_id, text, event_id, discussion=discussion)

"""A deleted design's messages in Slack: its parent says so, its pinned summary (full of answers) goes, and its
questions lose their buttons (a click would only be told the design is gone)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.outbound.clients import SlackClients
from bot.render import blocks
from bot.usecases.ownership import Deleted

logger = logging.getLogger(__name__)


def tidy_deleted(clients: SlackClients, deleted: Deleted) -> None:
    """One message Slack refuses doesn't keep the others as they were."""
    client = clients.for_team(deleted.team_id)
    channel = deleted.channel_id
    if deleted.parent_ts:
        notice = blocks.notice("deleted.j2", name=deleted.name, by=deleted.deleted_by, answers=deleted.answers)
        _tidy(
            deleted, client.chat_update, channel=channel, ts=deleted.parent_ts, text=notice.text, blocks=notice.blocks
        )
    if deleted.summary_ts:
        _tidy(deleted, client.chat_delete, channel=channel, ts=deleted.summary_ts)
    gone = blocks.notice("deleted_question.j2", name=deleted.name)
    for ts in deleted.question_ts:
        _tidy(deleted, client.chat_update, channel=channel, ts=ts, text=gone.text, blocks=gone.blocks)


def _tidy(deleted: Deleted, call: Callable[..., object], **arguments: Any) -> None:
    try:
        call(**arguments)
    except (SlackApiError, SlackClientError, OSError) as error:
        logger.warning("could not tidy a message of deleted design %r: %s", deleted.name, type(error).__name__)

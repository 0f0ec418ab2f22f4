"""How the bot reads Slack's refusals, for every module that calls Slack after the acknowledgement: which are worth
trying again, which a person must fix, which concern one message or one channel, and how each is described."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.outbound.clients import NotInstalled
from flows.retries import Failure

logger = logging.getLogger(__name__)

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
        logger.info("skipped %s: %s", what, describe(error))


def code_of(error: Exception) -> str | None:
    """Slack's error code (``channel_not_found``), or None for an error that never reached Slack."""
    return error.response.get("error") if isinstance(error, SlackApiError) else None


def describe(error: Exception) -> str:
    """For the log: Slack's code and HTTP status, or the kind of failure that kept the call from Slack."""
    if isinstance(error, SlackApiError):
        return f"{error.response.get('error')} (HTTP {error.response.status_code})"
    return type(error).__name__


def reason(error: Exception) -> str:
    """Short, for a row that records why something failed: the code, or the status, or the kind of failure."""
    if isinstance(error, SlackApiError):
        return str(error.response.get("error") or f"HTTP {error.response.status_code}")
    return type(error).__name__


def retry_after(error: Exception) -> int | None:
    """The seconds Slack asked to wait (a rate limit's Retry-After), if it did."""
    if not isinstance(error, SlackApiError):
        return None
    headers = error.response.headers or {}
    value = headers.get("Retry-After") or headers.get("retry-after")
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def as_failure(error: Exception) -> Failure:
    """What a failed call means for trying again: a permanent refusal (a channel gone) is not retried; rate limits
    and credentials a person must fix don't use up the attempts; anything else is retried with backoff."""
    code = code_of(error)
    status = error.response.status_code if isinstance(error, SlackApiError) else None
    waiting_on_slack = code == "ratelimited" or status == 429 or code in AUTH_ERRORS
    transient = not isinstance(error, SlackApiError | NotInstalled) or (status or 0) >= 500 or code in TRANSIENT_ERRORS
    return Failure(
        retryable=(transient or waiting_on_slack) and code not in CHANNEL_ERRORS,
        counts=not waiting_on_slack,
        retry_after_seconds=retry_after(error),
    )

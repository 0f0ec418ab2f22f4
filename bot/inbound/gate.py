"""The gate in front of Bolt: what reaches a listener is a signed, fresh, never-seen, well-formed Slack request.

Anything else gets a 4xx with one line saying why, before any parsing of unsigned text and before any write:
a missing or wrong signature, a timestamp more than five minutes off, a replay of a request already answered,
a body that is not UTF-8 or not the JSON or form Slack sends, one missing the fields the listeners read, or one
whose response URL is not Slack's (mldesign posts to it: it must never be told where else to send requests).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from slack_bolt import BoltRequest
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier

from bot.inbound.replays import REPLAY_REASON
from bot.outbound.clients import SLACK_HOOKS_URL, is_response_url

RETRY_HEADER = "x-slack-retry-num"


@dataclass(eq=False)  # not frozen: Python and pytest set an exception's traceback as an attribute
class Rejected(Exception):
    """The request is refused with ``status``; ``reason`` is the one line the sender sees."""

    status: int
    reason: str


class SslCheck(Exception):
    """Slack's check of the request URL's certificate: an unsigned form with ``ssl_check=1``, answered with a bare
    200 and nothing else (Bolt does the same before verifying signatures)."""


def is_ssl_check(body: str, content_type: str | None) -> bool:
    # The substring first: parsing every small form (each command, each click) cost a tenth of a click's ack.
    if "ssl_check" not in body or len(body) > 1_000:
        return False
    is_form = (content_type or "").startswith("application/x-www-form-urlencoded")
    return is_form and parse_qs(body).get("ssl_check") == ["1"]


def accept(
    raw: bytes,
    *,
    query: str,
    headers: Mapping[str, str],
    verifier: SignatureVerifier,
    first_time: Callable[[str], bool],
    hooks_url: str = SLACK_HOOKS_URL,
) -> BoltRequest:
    """The Bolt request for ``raw``, or Rejected (or SslCheck). ``first_time(signature)`` remembers a signature and
    says whether it was new: a valid request sent again is a replay (Slack's own retries of events are re-signed,
    and are deduplicated by event id anyway). See bot.inbound.replays for the stored half of the guard."""
    try:
        body = raw.decode("utf-8")  # Slack signs UTF-8 text; other bytes can't be verified, nor be Slack's
    except UnicodeDecodeError:
        raise Rejected(400, "request body is not UTF-8") from None
    if is_ssl_check(body, headers.get("content-type")):
        raise SslCheck
    try:
        valid = verifier.is_valid_request(body, dict(headers))
    except (ValueError, TypeError):  # a timestamp that is no number, a signature that is no text
        valid = False
    if not valid:
        raise Rejected(401, "invalid or expired signature")
    try:
        parsed = parse_body(body, headers.get("content-type"))
    except ValueError:  # json.JSONDecodeError included
        raise Rejected(400, "malformed body: not the JSON or form Slack sends") from None
    # Slack re-signs the retries of an event, which are deduplicated by event id anyway; the retry header is
    # not signed, so it exempts nothing else from the replay check.
    retried_event = RETRY_HEADER in headers and isinstance(parsed, dict) and parsed.get("type") == "event_callback"
    if not retried_event and not first_time(headers.get("x-slack-signature", "")):
        raise Rejected(401, REPLAY_REASON)
    problem = _problem(parsed) or _foreign_response_url(parsed, hooks_url)
    if problem is not None:
        raise Rejected(400, f"malformed request: {problem}")
    try:
        return BoltRequest(body=body, query=query, headers=dict(headers))
    except (ValueError, TypeError, AttributeError, KeyError):  # a field of an unexpected type deeper down
        raise Rejected(400, "malformed request: a field has an unexpected type") from None


class _Shape(BaseModel):
    """The part of a payload the listeners read, with its types; everything else Slack sends is let through."""

    model_config = ConfigDict(extra="allow")


class _User(_Shape):
    id: str
    team_id: str | None = None


class _Team(_Shape):
    id: str


class _Option(_Shape):
    value: str


class _Action(_Shape):
    action_id: str
    block_id: str | None = None
    action_ts: str | None = None
    value: str | None = None
    selected_option: _Option | None = None
    selected_options: list[_Option] | None = None


class _Interaction(_Shape):
    user: _User
    team: _Team | None = None
    trigger_id: str | None = None
    response_url: str | None = None


class _BlockActions(_Interaction):
    actions: list[_Action] = Field(min_length=1)


class _View(_Shape):
    id: str
    type: str  # Bolt reads it on every view payload (workflow steps)
    callback_id: str | None = None
    private_metadata: str | None = None
    state: dict[str, dict[str, dict[str, dict[str, Any]]]] | None = None


class _ViewSubmission(_Interaction):
    view: _View


class _Command(_Shape):
    team_id: str = Field(min_length=1)
    user_id: str = Field(min_length=1)
    channel_id: str = Field(min_length=1)
    command: str = Field(min_length=1)
    text: str = ""
    response_url: str | None = None
    trigger_id: str | None = None


class _MessageBody(_Shape):
    ts: str | None = None
    thread_ts: str | None = None
    user: str | None = None
    text: str | None = None
    bot_id: str | None = None
    edited: dict[str, Any] | None = None


class _MessageEvent(_MessageBody):
    channel: str
    subtype: str | None = None
    message: _MessageBody | None = None


class _PinItem(_Shape):
    type: str | None = None
    channel: str | None = None
    message: _MessageBody | None = None


class _PinRemoved(_Shape):
    channel_id: str | None = None
    item: _PinItem | None = None


class _HomeOpened(_Shape):
    user: str
    tab: str | None = None


class _Person(_Shape):
    id: str = Field(min_length=1)
    deleted: bool = False


class _UserChange(_Shape):
    user: _Person


class _EventCallback(_Shape):
    team_id: str = Field(min_length=1)
    event_id: str = Field(min_length=1)
    event: dict[str, Any]


class _UrlVerification(_Shape):
    challenge: str  # echoed back when the app's request URL is set


_EVENTS: dict[str, type[_Shape]] = {
    "message": _MessageEvent,
    "pin_removed": _PinRemoved,
    "app_home_opened": _HomeOpened,
    "user_change": _UserChange,
}
_INTERACTIONS: dict[str, type[_Shape]] = {
    "block_actions": _BlockActions,
    "view_submission": _ViewSubmission,
    "view_closed": _ViewSubmission,
}


def _foreign_response_url(body: dict[str, Any], hooks_url: str) -> str | None:
    """The field naming a response URL that is not Slack's, if any (a command's, a click's, a modal's)."""
    named = [("response_url", body.get("response_url"))]
    urls = body.get("response_urls")
    for n, entry in enumerate(urls if isinstance(urls, list) else []):
        if not isinstance(entry, dict):
            return f"response_urls.{n}: not an object"
        named.append((f"response_urls.{n}.response_url", entry.get("response_url")))
    for field, url in named:
        if url is not None and not (isinstance(url, str) and is_response_url(url, hooks_url)):
            return f"{field}: not one of Slack's response URLs"
    return None


def _problem(body: Any) -> str | None:
    """What is missing or mistyped in a request, or None."""
    if not isinstance(body, dict):
        return "the body is not an object"
    kind = body.get("type")
    if kind is not None and not isinstance(kind, str):
        return "type: not a string"
    try:
        if "command" in body:
            _Command.model_validate(body)
        elif kind == "event_callback":
            envelope = _EventCallback.model_validate(body)
            shape = _EVENTS.get(str(envelope.event.get("type")))
            if not isinstance(envelope.event.get("type"), str):
                return "event.type: Field required"
            if shape is not None:
                shape.model_validate(envelope.event)
        elif kind in _INTERACTIONS:
            _INTERACTIONS[kind].model_validate(body)
        elif kind == "url_verification":
            _UrlVerification.model_validate(body)
        else:
            return "not a request type mldesign handles" if kind else "neither a command, an event nor an interaction"
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return f"{where}: {first['msg']}"
    return None

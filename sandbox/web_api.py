"""Slack's Web API (`POST /api/{method}`) and response URLs (`POST /response/{token}`) over a Workspace.

This layer only speaks HTTP: it parses arguments the way Slack accepts them (query string, form or JSON body),
checks the bot token, applies scripted faults, calls into the Workspace and renders Slack-shaped JSON.
Every call lands in the workspace's call log.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from sandbox.state import ResponseTarget, SlackError, Workspace, ts_key

MAX_BLOCKS = 50
MAX_TEXT = 40_000


class Params:
    """A method's arguments with Slack's lenient coercions (form values are strings, JSON ones are not)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def string(self, name: str, default: str = "") -> str:
        """A string argument ("" when absent)."""
        value = self.data.get(name)
        return default if value is None else str(value)

    def flag(self, name: str) -> bool:
        """A boolean argument: true/1 in any of Slack's spellings."""
        value = self.data.get(name)
        return value is True or str(value).lower() in ("true", "1")

    def integer(self, name: str, default: int) -> int:
        """An integer argument, `invalid_arguments` if malformed."""
        value = self.data.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise SlackError("invalid_arguments") from None

    def structured(self, name: str, error: str) -> Any:
        """A structured argument sent either as JSON text (form) or inline (JSON body)."""
        value = self.data.get(name)
        if isinstance(value, str):
            if not value.strip():
                return None
            try:
                return json.loads(value)
            except ValueError:
                raise SlackError(error) from None
        return value


Handler = Callable[[Workspace, Params, str], dict[str, Any]]


# -- argument helpers ----------------------------------------------------------------------------------


def _blocks(p: Params) -> list[dict[str, Any]] | None:
    """Validate `blocks` like Slack: a list of at most 50 typed objects."""
    blocks = p.structured("blocks", "invalid_blocks_format")
    if blocks is None:
        return None
    if not isinstance(blocks, list) or len(blocks) > MAX_BLOCKS:
        raise SlackError("invalid_blocks")
    if not all(isinstance(b, dict) and isinstance(b.get("type"), str) for b in blocks):
        raise SlackError("invalid_blocks")
    return blocks


def _metadata(p: Params) -> dict[str, Any] | None:
    """Validate message `metadata`: {event_type, event_payload}."""
    metadata = p.structured("metadata", "invalid_metadata_format")
    if metadata is None:
        return None
    if not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str):
        raise SlackError("invalid_metadata_format")
    if not isinstance(metadata.get("event_payload", {}), dict):
        raise SlackError("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata.get("event_payload", {})}


def _text(p: Params) -> str:
    text = p.string("text")
    if len(text) > MAX_TEXT:
        raise SlackError("msg_too_long")
    return text


def _view(p: Params) -> dict[str, Any]:
    view = p.structured("view", "invalid_arguments")
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        raise SlackError("invalid_arguments")
    if view["type"] == "modal" and not view.get("title"):
        raise SlackError("invalid_arguments")
    return view


def _visible(message: dict[str, Any], include_metadata: bool) -> dict[str, Any]:
    """Messages carry metadata in reads only when include_all_metadata is set."""
    if include_metadata:
        return message
    return {k: v for k, v in message.items() if k != "metadata"}


def _page(items: list[dict[str, Any]], p: Params, default_limit: int) -> dict[str, Any]:
    """Cursor pagination: an opaque cursor encodes the offset into `items`."""
    limit = max(1, p.integer("limit", default_limit))
    cursor = p.string("cursor")
    try:
        offset = int(base64.b64decode(cursor).decode().removeprefix("offset:")) if cursor else 0
    except ValueError:
        raise SlackError("invalid_cursor") from None
    page, has_more = items[offset : offset + limit], offset + limit < len(items)
    next_cursor = base64.b64encode(f"offset:{offset + limit}".encode()).decode() if has_more else ""
    return {"messages": page, "has_more": has_more, "response_metadata": {"next_cursor": next_cursor}}


# -- methods -------------------------------------------------------------------------------------------


def auth_test(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Who the token belongs to."""
    return {
        "url": base_url,
        "team": ws.team_name,
        "user": ws.bot.name,
        "team_id": ws.team_id,
        "user_id": ws.bot.id,
        "bot_id": ws.bot.bot_id,
        "is_enterprise_install": False,
    }


def chat_post_message(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Post as the bot, optionally into a thread."""
    channel = ws.channel(p.string("channel"))
    text, blocks, metadata = _text(p), _blocks(p), _metadata(p)
    if not text and not blocks and not p.data.get("attachments"):
        raise SlackError("no_text")
    message = ws.post_message(
        channel.id,
        text=text,
        blocks=blocks,
        thread_ts=p.string("thread_ts") or None,
        metadata=metadata,
        broadcast=p.flag("reply_broadcast"),
    )
    return {"channel": channel.id, "ts": message["ts"], "message": message}


def chat_update(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Edit one of the bot's own messages."""
    channel = ws.channel(p.string("channel"))
    ts = p.string("ts")
    existing = ws.find_message(channel.id, ts)
    if existing.get("bot_id") != ws.bot.bot_id:
        raise SlackError("cant_update_message")
    text, blocks, metadata = _text(p), _blocks(p), _metadata(p)
    if not text and blocks is None:
        raise SlackError("no_text")
    new_text = text if "text" in p.data else None
    _, message = ws.update_message(channel.id, ts, text=new_text, blocks=blocks, metadata=metadata, editor=ws.bot.id)
    return {"channel": channel.id, "ts": ts, "text": message["text"], "message": message}


def chat_post_ephemeral(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Show a message to one user only."""
    channel = ws.channel(p.string("channel"))
    text, blocks = _text(p), _blocks(p)
    if not text and not blocks:
        raise SlackError("no_text")
    ephemeral = ws.add_ephemeral(
        channel.id, p.string("user"), text=text, blocks=blocks, thread_ts=p.string("thread_ts") or None
    )
    return {"message_ts": ephemeral["ts"]}


def chat_delete(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Delete one of the bot's own messages."""
    channel = ws.channel(p.string("channel"))
    ts = p.string("ts")
    if ws.find_message(channel.id, ts).get("bot_id") != ws.bot.bot_id:
        raise SlackError("cant_delete_message")
    ws.delete_message(channel.id, ts)
    return {"channel": channel.id, "ts": ts}


def chat_get_permalink(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """A link to a message; thread replies link with their thread, as in Slack."""
    channel = ws.channel(p.string("channel"))
    message = ws.find_message(channel.id, p.string("message_ts"))
    permalink = f"{base_url}archives/{channel.id}/p{message['ts'].replace('.', '')}"
    thread_ts = message.get("thread_ts")
    if thread_ts and thread_ts != message["ts"]:
        permalink += f"?thread_ts={thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": permalink}


def reactions_add(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """React as the bot."""
    name = p.string("name").strip(":")
    if not name:
        raise SlackError("invalid_name")
    ws.add_reaction(ws.channel(p.string("channel")).id, p.string("timestamp"), name, ws.bot.id)
    return {}


def reactions_remove(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Remove the bot's reaction."""
    ws.remove_reaction(
        ws.channel(p.string("channel")).id, p.string("timestamp"), p.string("name").strip(":"), ws.bot.id
    )
    return {}


def pins_add(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Pin a message."""
    ws.pin(ws.channel(p.string("channel")).id, p.string("timestamp"), ws.bot.id)
    return {}


def pins_remove(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Unpin a message."""
    ws.unpin(ws.channel(p.string("channel")).id, p.string("timestamp"))
    return {}


def pins_list(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """A channel's pinned messages."""
    return {"items": ws.pins(ws.channel(p.string("channel")).id)}


def users_info(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """A member's profile."""
    return {"user": ws.user(p.string("user")).to_slack(ws.team_id)}


def conversations_info(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """A channel's description."""
    return {"channel": ws.channel(p.string("channel")).to_slack()}


def conversations_open(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Open the bot's DM with one user."""
    users = [u for u in p.string("users").split(",") if u]
    if len(users) != 1:
        raise SlackError("not_implemented" if users else "users_list_not_supplied")
    return {"channel": {"id": ws.open_dm(users[0]).id}}


def conversations_history(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Top-level messages, newest first, within (oldest, latest)."""
    channel = ws.channel(p.string("channel"))
    inclusive = p.flag("inclusive")
    oldest, latest = p.string("oldest"), p.string("latest")
    include_metadata = p.flag("include_all_metadata")

    def in_range(ts: str) -> bool:
        key = ts_key(ts)
        above = not oldest or (key >= ts_key(oldest) if inclusive else key > ts_key(oldest))
        below = not latest or (key <= ts_key(latest) if inclusive else key < ts_key(latest))
        return above and below

    messages = [_visible(m, include_metadata) for m in reversed(ws.messages(channel.id)) if in_range(m["ts"])]
    return _page(messages, p, default_limit=100)


def conversations_replies(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """A thread: its parent then the replies, oldest first."""
    channel = ws.channel(p.string("channel"))
    ts = p.string("ts")
    asked = ws.message(channel.id, ts)
    thread_ts = asked.get("thread_ts", ts) if asked else ts
    parent = ws.message(channel.id, thread_ts)
    thread = ([parent] if parent else []) + ws.replies(channel.id, thread_ts)
    if not thread:
        raise SlackError("thread_not_found")
    include_metadata = p.flag("include_all_metadata")
    return _page([_visible(m, include_metadata) for m in thread], p, default_limit=1000)


def views_open(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Open a modal."""
    return {"view": ws.open_view(p.string("trigger_id"), _view(p))}


def views_push(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Push a modal onto the stack."""
    return {"view": ws.push_view(p.string("trigger_id"), _view(p))}


def views_update(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Replace an open modal."""
    view = ws.update_view(
        _view(p), view_id=p.string("view_id"), external_id=p.string("external_id"), hash=p.string("hash")
    )
    return {"view": view}


def views_publish(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Set a user's App Home."""
    return {"view": ws.publish_view(p.string("user_id"), _view(p))}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.update": chat_update,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.delete": chat_delete,
    "chat.getPermalink": chat_get_permalink,
    "reactions.add": reactions_add,
    "reactions.remove": reactions_remove,
    "pins.add": pins_add,
    "pins.remove": pins_remove,
    "pins.list": pins_list,
    "users.info": users_info,
    "conversations.info": conversations_info,
    "conversations.open": conversations_open,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
}


# -- HTTP ----------------------------------------------------------------------------------------------


async def _read_args(request: Request) -> dict[str, Any]:
    """Merge query args with a form or JSON body, as Slack accepts either."""
    args: dict[str, Any] = dict(request.query_params)
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        if body.strip():
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            if not isinstance(data, dict):
                raise SlackError("invalid_json")
            args.update(data)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        args.update(parse_qsl((await request.body()).decode(), keep_blank_values=True))
    return args


def _bearer(request: Request, args: dict[str, Any]) -> str:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return str(args.get("token") or "")


def create_web_api(workspace: Workspace) -> Starlette:
    """Build the ASGI app serving Slack's Web API and response URLs for `workspace`."""

    async def api(request: Request) -> Response:
        method = request.path_params["method"]
        args: dict[str, Any] = {}
        headers: dict[str, str] = {}
        status = 200
        try:
            args = await _read_args(request)
            token = _bearer(request, args)
            args.pop("token", None)
            if method not in METHODS:
                raise SlackError("unknown_method")
            if not token:
                raise SlackError("not_authed")
            if token != workspace.bot_token:
                raise SlackError("invalid_auth")
            fault = workspace.take_fault(method)
            if fault is not None:
                status = fault.http_status or 200
                if fault.retry_after is not None and status == 429:
                    headers["Retry-After"] = str(fault.retry_after)
                raise SlackError(fault.error)
            base_url = str(request.base_url)
            body: dict[str, Any] = {"ok": True} | METHODS[method](workspace, Params(args), base_url)
        except SlackError as e:
            body = {"ok": False, "error": e.error}
        workspace.record_call(method, args, body)
        return JSONResponse(body, status_code=status, headers=headers)

    async def respond(request: Request) -> Response:
        target: ResponseTarget | None = workspace.response_target(request.path_params["token"])
        try:
            payload = json.loads(await request.body() or b"{}")
        except ValueError:
            payload = None
        error, status = "", 200
        if target is None:
            error, status = "no_service", 404
        elif not isinstance(payload, dict):
            error, status = "invalid_payload", 400
        else:
            try:
                workspace.apply_response(target, payload)
            except SlackError as e:
                error, status = e.error, 400 if e.error == "no_text" else 404
        logged = payload if isinstance(payload, dict) else {}
        workspace.record_call("response_url", logged, {"ok": False, "error": error} if error else {"ok": True})
        return PlainTextResponse(error or "ok", status_code=status)

    return Starlette(
        routes=[
            Route("/api/{method}", api, methods=["GET", "POST"]),
            Route("/response/{token}", respond, methods=["POST"]),
        ]
    )

"""Slack's Web API (`POST /api/{method}`), response URLs (`POST /response/{token}`) and file hosting over Workspaces.

This layer only speaks HTTP: it parses arguments the way Slack accepts them (query string, form or JSON body),
finds the workspace that owns the presented bot token (`invalid_auth` if none does, `token_revoked` once revoked),
refuses what the token's granted scopes don't allow (`missing_scope`, see sandbox/scopes.py), applies scripted
faults, calls into that Workspace and renders Slack-shaped JSON. Every call, refused ones included, lands in that
workspace's call log (calls no workspace can be told from, such as a bad token, in the first one's).

Scripted faults (Workspace.fail_next / delay_next / reset_next) are taken when a call arrives, so concurrent calls
take them in order: a delay is slept first (without holding up other requests), then a reset drops the connection
unanswered (sandbox/faults.py) or a failure answers instead of the method. Upload URLs take all three; response
URLs (logged as `response_url`) take delays and resets.
Response URLs, upload URLs and file URLs find their workspace by their own unique ids. `oauth.v2.access`
needs no token: it goes to the OAuthApp (sandbox/oauth.py).

Files take Slack's external upload route: files.getUploadURLExternal hands out an upload URL on this fake
(`POST /upload/v1/{file_id}`, logged and faulted as `upload_url`), files.completeUploadExternal shares the file,
and its bytes are served back at its `url_private` and `url_private_download` (`GET /files-pri/{team}-{file_id}/...`).
"""

from __future__ import annotations

import base64
import json
import math
import re
from collections.abc import Callable, Sequence
from email import policy
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl, quote

from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox.canvases import CanvasRefused, canvas_html, document_markdown
from sandbox.faults import ConnectionReset, Shutdown
from sandbox.oauth import OAuthApp
from sandbox.parts.identity import DISTRIBUTED_READ_LIMIT, DISTRIBUTED_READ_METHODS
from sandbox.records import Fault, ResponseTarget, SlackError, Token, ts_key
from sandbox.scopes import MissingScope, check_scopes, needed_scopes
from sandbox.state import Workspace

MAX_BLOCKS = 50
MAX_TEXT = 40_000
# Slack's per-block text limits (Block Kit reference): longer text makes the whole call `invalid_blocks`.
MAX_BLOCK_TEXT = {"section": 3000, "header": 150}
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTIONS_ELEMENTS = 25
MAX_BUTTON_TEXT = 75
# Block Kit reference: a select holds at most 100 options, each shown in at most 75 characters with a value of at most
# 150; a date picker's initial_date is YYYY-MM-DD. A modal's title, submit and close are at most 24 characters, and its
# private_metadata at most 3,000.
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_VIEW_BUTTON_TEXT = 24
MAX_PRIVATE_METADATA = 3000
# Slack refuses a message whose blocks hold about 12,000 characters of text in all (undocumented; refusals were
# reported from 11,341 counted characters: slackapi/bolt-js #2509, #2867). The fake refuses a little below.
MAX_TEXT_IN_BLOCKS = 11_000
MAX_ALT_TXT = 1000
MAX_SHARE_CHANNELS = 100
UPLOAD_URL = "upload_url"  # how posts to upload URLs appear in the call log and to fail_next
RESPONSE_URL = "response_url"  # how posts to response URLs appear in the call log and to delay_next / reset_next
RESET = {"reset": True}  # what the call log shows as the answer to a call whose connection was reset


class Params:
    """A method's arguments with Slack's lenient coercions (form values are strings, JSON ones are not),
    and the token they came with (for the methods about tokens themselves)."""

    def __init__(self, data: dict[str, Any], token: str = "", *, max_limit: int | None = None) -> None:
        self.data = data
        self.token = token
        self.max_limit = max_limit  # the most a page may hold for this caller (a distributed app's reads: 15)

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
    if not all(_within_limits(block) for block in blocks):
        raise SlackError("invalid_blocks")
    if text_in_blocks(blocks) > MAX_TEXT_IN_BLOCKS:
        raise SlackError("msg_blocks_too_long")
    return blocks


def text_in_blocks(value: Any) -> int:
    """The characters of every text field in blocks, at any depth: sections, fields, context, buttons, options."""
    if isinstance(value, list):
        return sum(text_in_blocks(item) for item in value)
    if not isinstance(value, dict):
        return 0
    own = value.get("text")
    return (len(own) if isinstance(own, str) else 0) + sum(
        text_in_blocks(inner) for key, inner in value.items() if isinstance(inner, dict | list)
    )


def _within_limits(block: dict[str, Any]) -> bool:
    """The limits a bot most easily overruns: long section and header text, too many elements."""
    kind = block["type"]
    text = block.get("text")
    if kind in MAX_BLOCK_TEXT and isinstance(text, dict) and len(str(text.get("text", ""))) > MAX_BLOCK_TEXT[kind]:
        return False
    elements = block.get("elements")
    if kind == "context" and isinstance(elements, list) and len(elements) > MAX_CONTEXT_ELEMENTS:
        return False
    if kind == "actions" and isinstance(elements, list):
        if len(elements) > MAX_ACTIONS_ELEMENTS:
            return False
        for element in elements:
            label = element.get("text") if isinstance(element, dict) and element.get("type") == "button" else None
            if isinstance(label, dict) and len(str(label.get("text", ""))) > MAX_BUTTON_TEXT:
                return False
    return all(_element_within_limits(element) for element in _elements_of(block))


def _elements_of(block: dict[str, Any]) -> list[dict[str, Any]]:
    """The interactive elements of a block: an actions block's, an input's, a section's accessory."""
    found = block.get("elements") if block.get("type") == "actions" else None
    elements = list(found) if isinstance(found, list) else []
    for key in ("element", "accessory"):
        if isinstance(block.get(key), dict):
            elements.append(block[key])
    return [element for element in elements if isinstance(element, dict)]


def _element_within_limits(element: dict[str, Any]) -> bool:
    kind = element.get("type")
    if kind == "datepicker" and "initial_date" in element:
        return isinstance(element["initial_date"], str) and DATE.match(element["initial_date"]) is not None
    if kind in ("static_select", "multi_static_select", "radio_buttons", "checkboxes", "overflow"):
        groups = element.get("option_groups") or []
        options = [*(element.get("options") or []), *(o for g in groups for o in g.get("options", []))]
        if len(options) > MAX_OPTIONS:
            return False
        for option in options:
            text = option.get("text") if isinstance(option, dict) else None
            if not isinstance(text, dict) or len(str(text.get("text", ""))) > MAX_OPTION_TEXT:
                return False
            if len(str(option.get("value", ""))) > MAX_OPTION_VALUE:
                return False
    return True


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
    for key in ("title", "submit", "close"):
        label = view.get(key)
        if isinstance(label, dict) and len(str(label.get("text", ""))) > MAX_VIEW_BUTTON_TEXT:
            raise SlackError("invalid_arguments")
    if len(str(view.get("private_metadata") or "")) > MAX_PRIVATE_METADATA:
        raise SlackError("invalid_arguments")
    blocks = view.get("blocks") or []
    if not isinstance(blocks, list) or not all(isinstance(b, dict) and _within_limits(b) for b in blocks):
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
    if p.max_limit is not None:
        limit = min(limit, p.max_limit)
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
    known = ws.token(p.token)
    return {
        "url": base_url,
        "team": ws.team_name,
        "user": ws.bot.name,
        "team_id": ws.team_id,
        "user_id": ws.bot.id,
        "bot_id": ws.bot.bot_id,
        "is_enterprise_install": known is not None and known.enterprise_install,
    } | ({"enterprise_id": ws.enterprise_id} if ws.enterprise_id else {})


def auth_revoke(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Revoke the presented token (with `test`, only say it would be)."""
    if p.flag("test"):
        return {"revoked": False}
    ws.revoke_token(p.token)
    return {"revoked": True}


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
    previous, message = ws.update_message(
        channel.id, ts, text=new_text, blocks=blocks, metadata=metadata, editor=ws.bot.id
    )
    for block_id, action_id in stale_selections(previous.get("blocks") or [], message.get("blocks") or []):
        ws.flag(
            f"chat.update of {ts} changed the selection of {action_id!r} in block {block_id!r} without a new block_id:"
            " Slack's clients keep showing the old one, and the next pick carries it"
        )
    return {"channel": channel.id, "ts": ts, "text": message["text"], "message": message}


def stale_selections(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(block_id, action_id) of each select whose initial selection changed while its block kept its block_id.
    Slack's clients keep an element's state per block_id, so they go on showing the selection it had."""
    old, new = _selections(before), _selections(after)
    return sorted(key for key in old.keys() & new.keys() if old[key] != new[key])


def _selections(blocks: list[dict[str, Any]]) -> dict[tuple[str, str], tuple[str, ...]]:
    found = {}
    for block in blocks:
        elements = block.get("elements", []) if block.get("type") == "actions" else [block.get("accessory")]
        for element in elements:
            if isinstance(element, dict) and "select" in str(element.get("type", "")):
                chosen = element.get("initial_options") or [element.get("initial_option")]
                values = tuple(sorted(str(option.get("value")) for option in chosen if isinstance(option, dict)))
                found[(str(block.get("block_id")), str(element.get("action_id")))] = values
    return found


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


def files_get_upload_url_external(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Reserve a file and the URL to post its bytes to, on this fake at the address the client used."""
    filename = p.string("filename").strip()
    if not filename or p.data.get("length") in (None, ""):
        raise SlackError("invalid_arguments")
    length = p.integer("length", 0)
    if length < 0:
        raise SlackError("invalid_arguments")
    if length == 0:
        raise SlackError("missing_argument")  # what Slack answers to an empty file
    alt_txt = p.string("alt_txt")
    if len(alt_txt) > MAX_ALT_TXT:
        raise SlackError("alt_txt_too_large")
    record = ws.start_upload(filename, length, alt_txt=alt_txt, snippet_type=p.string("snippet_type"))
    return {"upload_url": f"{base_url}upload/v1/{record['id']}", "file_id": record["id"]}


def files_complete_upload_external(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Finish uploads and share them: one message from the bot per channel, in the thread when thread_ts is set."""
    files = p.structured("files", "invalid_arguments")
    if not isinstance(files, list) or not files:
        raise SlackError("invalid_arguments")
    if not all(isinstance(f, dict) and isinstance(f.get("id"), str) and f["id"] for f in files):
        raise SlackError("invalid_arguments")
    named = [c.strip() for c in [p.string("channel_id"), *p.string("channels").split(",")]]
    channels = list(dict.fromkeys(c for c in named if c))
    if len(channels) > MAX_SHARE_CHANNELS:
        raise SlackError("channels_limit_exceeded")
    thread_ts = p.string("thread_ts") or None
    if thread_ts and len(channels) != 1:
        raise SlackError("invalid_arguments")  # a reply goes to exactly one channel's thread
    initial_comment = p.string("initial_comment")
    if len(initial_comment) > MAX_TEXT:
        raise SlackError("msg_too_long")
    titles = [(f["id"], f["title"] if isinstance(f.get("title"), str) and f["title"] else None) for f in files]
    shared = ws.complete_uploads(
        titles,
        base_url=base_url,
        channels=channels,
        initial_comment=initial_comment,
        blocks=_blocks(p),
        thread_ts=thread_ts,
    )
    return {"files": shared}


def files_info(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """A shared file's description."""
    file = ws.file_info(p.string("file"), base_url)
    return {"file": file, "comments": [], "response_metadata": {"next_cursor": ""}}


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


def _in_range(p: Params) -> Callable[[str], bool]:
    """Whether a message's ts lies within the call's (oldest, latest), ends included with `inclusive`."""
    inclusive = p.flag("inclusive")
    oldest, latest = p.string("oldest"), p.string("latest")

    def in_range(ts: str) -> bool:
        key = ts_key(ts)
        above = not oldest or (key >= ts_key(oldest) if inclusive else key > ts_key(oldest))
        below = not latest or (key <= ts_key(latest) if inclusive else key < ts_key(latest))
        return above and below

    return in_range


def conversations_history(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Top-level messages, newest first, within (oldest, latest)."""
    channel = ws.channel(p.string("channel"))
    include_metadata = p.flag("include_all_metadata")
    in_range = _in_range(p)
    messages = [_visible(m, include_metadata) for m in reversed(ws.messages(channel.id)) if in_range(m["ts"])]
    return _page(messages, p, default_limit=100)


def conversations_replies(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """A thread: its parent then the replies within (oldest, latest), oldest first. The parent always leads
    the first page, as Slack returns it whatever the range, so it takes one of the page's places."""
    channel = ws.channel(p.string("channel"))
    ts = p.string("ts")
    asked = ws.message(channel.id, ts)
    thread_ts = asked.get("thread_ts", ts) if asked else ts
    parent = ws.message(channel.id, thread_ts)
    in_range = _in_range(p)
    replies = [m for m in ws.replies(channel.id, thread_ts) if in_range(m["ts"])]
    thread = ([parent] if parent else []) + replies
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


def _id_list(p: Params, name: str) -> list[str]:
    """A list of ids sent as a JSON array or as comma-separated text."""
    value = p.data.get(name)
    if value in (None, ""):
        return []
    if isinstance(value, str) and not value.lstrip().startswith("["):
        return [item.strip() for item in value.split(",") if item.strip()]
    items = p.structured(name, "invalid_arguments")
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise SlackError("invalid_arguments")
    return items


def canvases_create(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """A standalone canvas, with Markdown content (and tabbed in a channel with `channel_id`)."""
    content = p.structured("document_content", "invalid_arguments")
    markdown = "" if content is None else _markdown_of(content)
    canvas_id = ws.create_canvas(title=p.string("title"), markdown=markdown, channel_id=p.string("channel_id") or None)
    return {"canvas_id": canvas_id}


def canvases_edit(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """One change to a canvas."""
    ws.edit_canvas(p.string("canvas_id"), p.structured("changes", "invalid_arguments"))
    return {}


def canvases_sections_lookup(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """The ids of the canvas's sections that match the criteria."""
    ids = ws.lookup_canvas_sections(p.string("canvas_id"), p.structured("criteria", "invalid_arguments"))
    return {"sections": [{"id": section_id} for section_id in ids]}


def canvases_access_set(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    """Who may read or write a canvas."""
    ws.set_canvas_access(
        p.string("canvas_id"), p.string("access_level"), _id_list(p, "channel_ids"), _id_list(p, "user_ids")
    )
    return {}


def canvases_delete(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
    ws.delete_canvas(p.string("canvas_id"))
    return {}


def _markdown_of(content: Any) -> str:
    try:
        return document_markdown(content)
    except CanvasRefused as refused:
        raise SlackError(refused.error) from None


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "auth.revoke": auth_revoke,
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
    "files.getUploadURLExternal": files_get_upload_url_external,
    "files.completeUploadExternal": files_complete_upload_external,
    "files.info": files_info,
    "users.info": users_info,
    "conversations.info": conversations_info,
    "conversations.open": conversations_open,
    "conversations.history": conversations_history,
    "conversations.replies": conversations_replies,
    "views.open": views_open,
    "views.push": views_push,
    "views.update": views_update,
    "views.publish": views_publish,
    "canvases.create": canvases_create,
    "canvases.edit": canvases_edit,
    "canvases.sections.lookup": canvases_sections_lookup,
    "canvases.access.set": canvases_access_set,
    "canvases.delete": canvases_delete,
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


def _uploaded_bytes(content_type: str, body: bytes) -> bytes:
    """A file's bytes as posted to its upload URL: the raw body, or a multipart form's file part, as Slack accepts.

    slack_sdk posts the raw bytes (urllib labels them form-encoded); curl's `-F` sends multipart.
    """
    if not content_type.lower().startswith("multipart/form-data"):
        return body
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    form = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    parts = list(form.iter_parts()) if form.is_multipart() else []
    if not parts:
        raise SlackError("invalid_form_data")
    part = next((p for p in parts if p.get_filename()), parts[0])
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _bearer(request: Request, args: dict[str, Any]) -> str:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return str(args.get("token") or "")


class Directory:
    """The fake's workspaces, looked up by what a request carries: a token, a response URL, a file id, a team id.

    Holds the fake's live list, so a workspace added later is found too; the first is where calls that belong
    to no workspace are logged.
    """

    def __init__(self, workspaces: Sequence[Workspace]) -> None:
        self.workspaces = workspaces

    @property
    def first(self) -> Workspace:
        """The fake's first workspace."""
        return self.workspaces[0]

    def by_token(
        self, token: str, args: dict[str, Any] | None = None, method: str = ""
    ) -> tuple[Workspace | None, Token | None]:
        """The workspace a call with `token` acts in and what it knows of the token, or (None, None).

        An org-wide install's token works in every workspace of the organization: the call acts in the one
        holding what it names (its team_id, channel, trigger, user or canvas), as Slack's ids are unique across an
        org. Slack wants `team_id` from such a token wherever nothing else says which workspace: a call that
        names none is refused (`invalid_arguments`), never guessed."""
        holders = [(ws, found) for ws in list(self.workspaces) if (found := ws.token(token)) is not None]
        if len(holders) <= 1:
            return holders[0] if holders else (None, None)
        args = args or {}
        for ws, found in holders:
            if _names_something_of(ws, args):
                return ws, found
        org_wide = any(found.enterprise_install for _, found in holders)
        if org_wide and method not in ORG_LEVEL_METHODS and not WORKSPACE_ARGUMENTS & args.keys():
            raise SlackError("invalid_arguments")
        return holders[0]  # what it names is in none of them: the method says so (channel_not_found, …)

    def by_response_url(self, token: str) -> tuple[Workspace, ResponseTarget | None]:
        """The workspace that issued a response URL and its target (the first workspace and None if none did)."""
        for ws in list(self.workspaces):
            target = ws.response_target(token)
            if target is not None:
                return ws, target
        return self.first, None

    def by_file(self, file_id: str) -> Workspace | None:
        """The workspace holding a file (pending, uploaded or shared), or None."""
        return next((ws for ws in list(self.workspaces) if ws.file(file_id) is not None), None)

    def by_team(self, team_id: str) -> Workspace | None:
        """The workspace with that team id, or None."""
        return next((ws for ws in list(self.workspaces) if ws.team_id == team_id), None)


# What tells an org-wide token's call which workspace it is for; the methods about the token or the app need none.
WORKSPACE_ARGUMENTS = frozenset(
    {
        "team_id",
        "channel",
        "channel_id",
        "channel_ids",
        "trigger_id",
        "user",
        "user_id",
        "users",
        "canvas_id",
        "view_id",
    }
)
ORG_LEVEL_METHODS = frozenset({"auth.test", "auth.revoke", "apps.uninstall"})


def _names_something_of(ws: Workspace, args: dict[str, Any]) -> bool:
    """Whether a call's arguments name a team, channel, trigger or user of `ws`."""
    if args.get("team_id") == ws.team_id:
        return True
    channel = args.get("channel")
    if isinstance(channel, str) and channel and any(c.id == channel for c in ws.channels()):
        return True
    trigger = args.get("trigger_id")
    if isinstance(trigger, str) and ws.has_trigger(trigger):
        return True
    user = args.get("user") or args.get("user_id")
    if isinstance(user, str) and any(u.id == user for u in ws.users()):
        return True
    canvas = args.get("canvas_id")
    return isinstance(canvas, str) and ws.canvas(canvas) is not None


def create_web_api(
    workspaces: Workspace | Sequence[Workspace],
    oauth: OAuthApp | None = None,
    on_uninstall: Callable[[Workspace, bool], None] | None = None,
    shutdown: Shutdown | None = None,
) -> Starlette:
    """Build the ASGI app serving Slack's Web API, response URLs and files for `workspaces`.

    `oauth` (the app's client id and secret, and the install codes) serves oauth.v2.access and checks
    apps.uninstall's credentials; `on_uninstall(workspace, org_wide)` runs after apps.uninstall has answered, to
    tell the app (FakeSlack delivers the tokens_revoked and app_uninstalled events there). Setting `shutdown` ends
    scripted delays at once (dropping those calls), so the server can stop without waiting them out.
    """
    directory = Directory([workspaces] if isinstance(workspaces, Workspace) else workspaces)
    oauth = oauth or OAuthApp(directory.workspaces)
    stopping = shutdown or Shutdown()

    def apps_uninstall(ws: Workspace, p: Params, base_url: str) -> dict[str, Any]:
        """Uninstall the app from the token's workspace: every token of it stops working."""
        assert oauth is not None
        oauth.check_client(p.string("client_id"), p.string("client_secret"))
        known = ws.token(p.token)
        ws.revoke_tokens()
        if known is not None and known.enterprise_install:  # uninstalled from the whole organization
            for other in list(directory.workspaces):
                other.revoke_token(p.token)
        return {}

    methods: dict[str, Handler] = METHODS | {"apps.uninstall": apps_uninstall}

    async def api(request: Request) -> Response:
        method = request.path_params["method"]
        args: dict[str, Any] = {}
        headers: dict[str, str] = {}
        status = 200
        ws, token = directory.first, ""
        known: Token | None = None
        reset = False
        try:
            args = await _read_args(request)
            token = _bearer(request, args)
            args.pop("token", None)
            if method == "oauth.v2.access":
                ws = oauth.workspace_for_code(str(args.get("code") or "")) or directory.first
                token = ""
                await _play_scripted(ws, method, stopping)
                body: dict[str, Any] = {"ok": True} | oauth.exchange(args, request.headers.get("authorization", ""))
            else:
                if method not in methods:
                    raise SlackError("unknown_method")
                if not token:
                    raise SlackError("not_authed")
                owner, known = directory.by_token(token, args, method)
                if owner is None or known is None:
                    raise SlackError("invalid_auth")
                ws = owner
                if known.revoked:
                    raise SlackError("token_revoked")
                if known.scopes:
                    headers["X-OAuth-Scopes"] = ",".join(known.scopes)
                needed = needed_scopes(ws, method, args)
                if needed:
                    headers["X-Accepted-OAuth-Scopes"] = ",".join(needed)
                check_scopes(ws, known, needed)
                await _play_scripted(ws, method, stopping, arguments=args)
                max_limit = None
                if known.distributed and method in DISTRIBUTED_READ_METHODS:
                    _take_read_slot(ws, method)
                    max_limit = DISTRIBUTED_READ_LIMIT
                params = Params(args, token, max_limit=max_limit)
                body = {"ok": True} | methods[method](ws, params, str(request.base_url))
        except MissingScope as e:
            body = {"ok": False, "error": e.error} | e.fields()
        except SlackError as e:
            body = {"ok": False, "error": e.error}
        except _Fault as e:
            status, body = e.fault.http_status or 200, {"ok": False, "error": e.fault.error}
            if e.fault.retry_after is not None and status == 429:
                headers["Retry-After"] = str(e.fault.retry_after)
        except _Reset:
            reset, body = True, dict(RESET)
        logged = {k: v for k, v in args.items() if k != "client_secret"}
        ws.record_call(method, logged, body, token)
        if reset:
            return ConnectionReset()
        background = None
        if method == "apps.uninstall" and body["ok"] and on_uninstall is not None:
            background = BackgroundTask(on_uninstall, ws, known is not None and known.enterprise_install)
        return JSONResponse(body, status_code=status, headers=headers, background=background)

    async def respond(request: Request) -> Response:
        workspace, target = directory.by_response_url(request.path_params["token"])
        try:
            payload = json.loads(await request.body() or b"{}")
        except ValueError:
            payload = None
        logged = payload if isinstance(payload, dict) else {}
        try:
            await _play_scripted(workspace, RESPONSE_URL, stopping, failures=False)
        except _Reset:
            workspace.record_call(RESPONSE_URL, logged, RESET)
            return ConnectionReset()
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
        workspace.record_call(RESPONSE_URL, logged, {"ok": False, "error": error} if error else {"ok": True})
        return PlainTextResponse(error or "ok", status_code=status)

    async def upload(request: Request) -> Response:
        """An upload URL: keeps the posted bytes for the file and answers like Slack's ("OK - <length>").

        A scripted fault (`fail_next("upload_url", http_status=...)`) answers with its status (500 by default);
        delays and resets apply as to Web API calls.
        """
        file_id = request.path_params["file_id"]
        workspace = directory.by_file(file_id) or directory.first
        content_type = request.headers.get("content-type", "")
        body = await request.body()
        logged: dict[str, Any] = {"file_id": file_id, "content_type": content_type, "length": len(body)}
        try:
            await _play_scripted(workspace, UPLOAD_URL, stopping)
        except _Reset:
            workspace.record_call(UPLOAD_URL, logged, RESET)
            return ConnectionReset()
        except _Fault as e:
            workspace.record_call(UPLOAD_URL, logged, {"ok": False, "error": e.fault.error})
            return PlainTextResponse(e.fault.error, status_code=e.fault.http_status or 500)
        try:
            content = _uploaded_bytes(content_type, body)
            logged["length"] = len(content)
            text, status = f"OK - {workspace.receive_upload(file_id, content)}", 200
        except SlackError as e:
            text, status = e.error, 404 if e.error == "file_not_found" else 400
        workspace.record_call(UPLOAD_URL, logged, {"ok": status == 200} | ({} if status == 200 else {"error": text}))
        return PlainTextResponse(text, status_code=status)

    def _completed(team_file: str) -> tuple[Workspace, dict[str, Any]] | None:
        team_id, _, file_id = team_file.partition("-")
        workspace = directory.by_team(team_id)
        record = workspace.file(file_id) if workspace is not None else None
        if workspace is None or record is None or record["state"] != "complete":
            return None
        return workspace, record

    def _serve(request: Request, disposition: str) -> Response:
        """A shared file's bytes with its content type; sandboxed so an uploaded page can't script this origin.

        Unlike Slack's, these URLs need no token: the sandbox page links to them directly.
        """
        found = _completed(request.path_params["team_file"])
        if found is None:
            return PlainTextResponse("file_not_found", status_code=404)
        record = found[1]
        headers = {
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(record['name'], safe='')}",
            "Content-Security-Policy": "sandbox",
            "X-Content-Type-Options": "nosniff",
        }
        return Response(record["content"], media_type=record["mimetype"], headers=headers)

    async def view_file(request: Request) -> Response:
        return _serve(request, "inline")

    async def download_file(request: Request) -> Response:
        return _serve(request, "attachment")

    async def file_permalink(request: Request) -> Response:
        """A file's permalink opens the file itself (the sandbox has no file pages)."""
        file_id, name = request.path_params["file_id"], request.path_params["name"]
        workspace = directory.by_file(file_id)
        if workspace is None or _completed(f"{workspace.team_id}-{file_id}") is None:
            return PlainTextResponse("file_not_found", status_code=404)
        return RedirectResponse(f"/files-pri/{workspace.team_id}-{file_id}/{quote(name, safe='')}")

    async def canvas_page(request: Request) -> Response:
        """A canvas as a person opens it from Slack (`/docs/<team>/<canvas>`): its title and sections, escaped."""
        workspace = directory.by_team(request.path_params["team_id"])
        canvas = workspace.canvas(request.path_params["canvas_id"]) if workspace is not None else None
        if canvas is None:
            return PlainTextResponse("canvas_not_found", status_code=404)
        return HTMLResponse(
            canvas_html(canvas), headers={"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
        )

    return Starlette(
        routes=[
            Route("/docs/{team_id}/{canvas_id}", canvas_page, methods=["GET"]),
            Route("/api/{method}", api, methods=["GET", "POST"]),
            Route("/response/{token}", respond, methods=["POST"]),
            Route("/upload/v1/{file_id}", upload, methods=["POST"]),
            Route("/files-pri/{team_file}/download/{name}", download_file, methods=["GET"]),
            Route("/files-pri/{team_file}/{name}", view_file, methods=["GET"]),
            Route("/files/{user}/{file_id}/{name}", file_permalink, methods=["GET"]),
        ]
    )


class _Fault(Exception):
    """A scripted failure, answered instead of the method."""

    def __init__(self, fault: Fault) -> None:
        super().__init__(fault.error)
        self.fault = fault


def _take_read_slot(ws: Workspace, method: str) -> None:
    """A distributed app's history or replies read beyond one a minute: Slack's 429 with its Retry-After."""
    wait = ws.take_read_slot(method)
    if wait > 0:
        raise _Fault(Fault("ratelimited", http_status=429, retry_after=math.ceil(wait), times=1))


class _Reset(Exception):
    """A call to drop unanswered: scripted with reset_next, or delayed while the fake stopped."""


async def _play_scripted(
    ws: Workspace, method: str, stopping: Shutdown, *, failures: bool = True, arguments: dict[str, Any] | None = None
) -> None:
    """Play what `ws` scripted for this call of `method`: its delay, then raise _Reset or _Fault if one is due.

    All are taken on arrival, so concurrent calls take them in order; a reset call takes no failure, as it is
    never processed. A delay cut short by the fake stopping drops the call like a reset. Without `failures`
    (response URLs), only delays and resets apply.
    """
    reset, delay = ws.take_reset(method), ws.take_delay(method)
    fault = ws.take_fault(method, arguments) if failures and not reset else None
    if delay > 0 and not await stopping.sleep(delay):
        raise _Reset
    if reset:
        raise _Reset
    if fault is not None:
        raise _Fault(fault)

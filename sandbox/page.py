"""The sandbox's web page: a small Slack-like client over the Workspace, and `/sandbox/clock` for the app.

The page acts only as people do in Slack: everything a person does goes through the SlackDriver as a signed
request to the app (message and pin events, slash commands, block_actions, view_submission), never around it, so
what works on the page works with Slack. Opening the app's Home tab sends app_home_opened, and the page shows
the person's published Home view (views.publish) as Slack would.

The static client lives in `sandbox/ui/`; its JSON routes are under `/ui/api/`. Every bad request is answered
with a 4xx `{"error": ...}`, and every forwarded request returns the app's answer (status and body) so the page
can say when the app failed. Only the page itself may use them: any other web page the developer has open could
otherwise act as them in the sandbox (a cross-site form post, or a DNS name rebound to this machine).
"""

from __future__ import annotations

import ipaddress
import json
import re
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from sandbox.alerts import sample_delivery, send_delivery
from sandbox.driver import InvalidAppAnswer, SlackDriver, submission_answer
from sandbox.records import Channel, SlackError, User
from sandbox.state import Workspace

UI_DIR = Path(__file__).parent / "ui"
KEEPALIVE_SECONDS = 15.0
WAIT_SLICE_SECONDS = 0.25  # how long an event stream blocks a worker thread before re-checking for shutdown
APP_BODY_LIMIT = 2000
NO_CACHE = {"Cache-Control": "no-cache"}
SLASH_COMMAND = re.compile(r"^(/[A-Za-z0-9_.-]+)(?:\s+(.*))?$", re.DOTALL)
USER_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)")
CHANNEL_MENTION = re.compile(r"(?<![\w&#])#([a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)")
SPECIAL_MENTIONS = ("here", "channel", "everyone")
URL = re.compile(r"(https?://[^\s<>]*[^\s<>.,;:!?)\]'\"])")


class ApiError(Exception):
    """A request the page shouldn't have sent: answered with `status` and `{"error": message}`."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


Handler = Callable[[Request], Awaitable[dict[str, Any]]]


def _foreign(request: Request) -> ApiError | None:
    """Why a request to the page's API is not from the page, if it isn't: the page is asked for by an address
    (127.0.0.1, another IP) or as localhost, never by a DNS name a site could rebind to this machine; a browser's
    Origin must be the page's own; and what the page sends is JSON, which no form of another site can post."""
    host = request.url.hostname or ""
    if not _is_address_or_localhost(host):
        return ApiError(403, f"the sandbox answers only at an IP address or localhost, not at {host!r}")
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.url.netloc}":
        return ApiError(403, "cross-site requests are refused: use the sandbox page itself")
    if request.method == "POST" and request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        return ApiError(415, "the body must be JSON (Content-Type: application/json)")
    return None


def _is_address_or_localhost(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _json_endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Turn a handler's dict into JSON and every expected failure into a 4xx/502 JSON error, never a 500."""

    async def endpoint(request: Request) -> Response:
        try:
            refused = _foreign(request)
            if refused is not None:
                raise refused
            return JSONResponse(await handler(request), headers=NO_CACHE)
        except ApiError as e:
            return JSONResponse({"error": e.error}, status_code=e.status)
        except SlackError as e:
            return JSONResponse({"error": e.error}, status_code=404 if e.error.endswith("not_found") else 400)
        except InvalidAppAnswer as e:
            return JSONResponse({"error": f"the app's answer was refused: {e}"}, status_code=502)
        except LookupError as e:
            return JSONResponse({"error": str(e).strip("'\"")}, status_code=404)
        except ValueError as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        except httpx.HTTPError as e:
            return JSONResponse({"error": f"the app did not answer ({type(e).__name__})"}, status_code=502)

    return endpoint


async def _body(request: Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise ApiError(400, "the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ApiError(400, "the body must be a JSON object")
    return data


def _field(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if value is None or value == "":
        raise ApiError(400, f"missing field {name!r}")
    if not isinstance(value, str):
        raise ApiError(400, f"field {name!r} must be a string")
    return value


def _optional(body: dict[str, Any], name: str) -> str | None:
    return _field(body, name) if body.get(name) not in (None, "") else None


def _number(body: dict[str, Any], name: str, meaning: str) -> float:
    """A JSON number field as a float; booleans, strings and numbers too big for a float are refused."""
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, f"field {name!r} must be {meaning}")
    try:
        return float(value)
    except OverflowError:
        raise ApiError(400, f"field {name!r} must be {meaning}") from None


def _app_answer(response: httpx.Response) -> dict[str, Any]:
    """The app's answer as the page shows it (a toast when it isn't 2xx)."""
    ok = 200 <= response.status_code < 300
    return {"status": response.status_code, "ok": ok, "body": response.text[:APP_BODY_LIMIT]}


def escape_text(text: str) -> str:
    """Escape `&`, `<`, `>` like Slack does to everything a person types."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Page:
    """The routes of the page and its API over one workspace; the app's driver is looked up per request."""

    def __init__(self, workspace: Workspace, driver: Callable[[], SlackDriver | None]) -> None:
        self.workspace = workspace
        self._driver = driver
        self._closing = threading.Event()
        self._alert_started: float | None = None  # the sample alert firing now, by its start on the sandbox clock

    def close(self) -> None:
        """End live event streams, so the server can stop without waiting for browsers to disconnect."""
        self._closing.set()

    def routes(self) -> list[BaseRoute]:
        """Starlette routes: the page, its static files, its JSON API, the event stream and the clock."""
        return [
            Route("/", self.index, methods=["GET"]),
            Mount("/ui/static", app=StaticFiles(directory=UI_DIR), name="ui-static"),
            Route("/archives/{channel}/{message}", self.archives, methods=["GET"]),
            Route("/sandbox/clock", _json_endpoint(self.sandbox_clock), methods=["GET"]),
            Route("/ui/api/state", _json_endpoint(self.state), methods=["GET"]),
            Route("/ui/api/events", self.events, methods=["GET"]),
            Route("/ui/api/send", _json_endpoint(self.send), methods=["POST"]),
            Route("/ui/api/edit", _json_endpoint(self.edit), methods=["POST"]),
            Route("/ui/api/click", _json_endpoint(self.click), methods=["POST"]),
            Route("/ui/api/submit", _json_endpoint(self.submit), methods=["POST"]),
            Route("/ui/api/close_view", _json_endpoint(self.close_view), methods=["POST"]),
            Route("/ui/api/unpin", _json_endpoint(self.unpin), methods=["POST"]),
            Route("/ui/api/open_home", _json_endpoint(self.open_home), methods=["POST"]),
            Route("/ui/api/clock", _json_endpoint(self.advance_clock), methods=["POST"]),
            Route("/ui/api/alert", _json_endpoint(self.sample_alert), methods=["POST"]),
        ]

    # -- lookups ---------------------------------------------------------------------------------------

    def _app(self) -> SlackDriver:
        driver = self._driver()
        if driver is None:
            raise ApiError(409, "no app connected")
        return driver

    def _humans(self) -> list[User]:
        return [u for u in self.workspace.users() if not u.is_bot]

    def _person(self, user_id: str) -> User:
        """A person the page may act as: a known, human member."""
        try:
            person = self.workspace.user(user_id)
        except SlackError:
            raise ApiError(404, f"unknown user {user_id!r}") from None
        if person.is_bot:
            raise ApiError(400, f"{user_id} is the app's bot user; act as a person")
        return person

    def _visible_channels(self, person: User) -> list[Channel]:
        """The channels, and the person's own DMs with the bot (never someone else's)."""
        return [c for c in self.workspace.channels() if not c.is_im or c.user == person.id]

    def _conversation(self, channel_id: str, person: User) -> Channel:
        found = next((c for c in self._visible_channels(person) if c.id == channel_id), None)
        if found is None:
            raise ApiError(404, f"unknown channel {channel_id!r}")
        return found

    def _thread(self, conversation: Channel, thread_ts: str) -> dict[str, Any]:
        parent = self.workspace.message(conversation.id, thread_ts)
        if parent is None:
            raise ApiError(404, f"no message {thread_ts} in {conversation.id} to reply to")
        return parent

    def _as_typed(self, text: str, *, command: bool = False) -> str:
        """What Slack's client sends for typed text: escaped, links in <>, @name, @here and #channel as mentions.
        A slash command's text is escaped the same way for an app whose command sets ``should_escape`` (as
        mldesign's manifest does), with each person's name in the mention: ``<@U0BOB|bob>``."""
        users = {u.name.lower(): u.id for u in self.workspace.users()}
        channels = {c.name: c.id for c in self.workspace.channels() if not c.is_im}

        def user_mention(match: re.Match[str]) -> str:
            name = match.group(1).lower()
            if name in SPECIAL_MENTIONS:
                return f"<!{name}>"
            if name not in users:
                return match.group(0)
            return f"<@{users[name]}|{match.group(1)}>" if command else f"<@{users[name]}>"

        def channel_mention(match: re.Match[str]) -> str:
            name = match.group(1)
            return f"<#{channels[name]}|{name}>" if name in channels else match.group(0)

        parts = URL.split(text)  # odd items are URLs, kept whole so an @ or # inside them stays as typed
        for i, part in enumerate(parts):
            if i % 2:
                parts[i] = f"<{escape_text(part)}>"
            else:
                part = USER_MENTION.sub(user_mention, escape_text(part))
                parts[i] = CHANNEL_MENTION.sub(channel_mention, part)
        return "".join(parts)

    # -- pages -----------------------------------------------------------------------------------------

    async def index(self, request: Request) -> Response:
        """The single page."""
        return FileResponse(UI_DIR / "index.html", headers=NO_CACHE)

    async def archives(self, request: Request) -> Response:
        """Permalinks (chat.getPermalink) open the page on that channel and thread."""
        digits = request.path_params["message"].removeprefix("p")
        if not digits.isdigit() or len(digits) <= 6:
            return JSONResponse({"error": "not a message permalink"}, status_code=404)
        ts = f"{digits[:-6]}.{digits[-6:]}"
        thread = request.query_params.get("thread_ts") or ts
        return RedirectResponse("/?" + urlencode({"channel": request.path_params["channel"], "thread": thread}))

    async def sandbox_clock(self, request: Request) -> dict[str, Any]:
        """The sandbox clock, shared with the app (sandbox only; not a Slack method)."""
        return self.workspace.clock()

    # -- reading ---------------------------------------------------------------------------------------

    async def state(self, request: Request) -> dict[str, Any]:
        """Everything the page draws for one person looking at one channel (and maybe one thread)."""
        ws = self.workspace
        version = ws.version  # read first: a change while collecting is announced again by the event stream
        query = request.query_params
        humans = self._humans()
        if not humans and not query.get("user"):
            raise ApiError(404, "the workspace has no people to act as")
        person = self._person(query.get("user") or humans[0].id)
        channels = self._visible_channels(person)
        if not channels:
            raise ApiError(404, "the workspace has no channels")
        default_channel = next((c for c in channels if not c.is_im), channels[0])
        conversation = self._conversation(query.get("channel") or default_channel.id, person)
        thread = None
        if query.get("thread"):
            parent = ws.message(conversation.id, query["thread"])
            if parent is not None:
                thread = {"ts": parent["ts"], "parent": parent, "replies": ws.replies(conversation.id, parent["ts"])}
        users = [
            {
                "id": u.id,
                "name": u.name,
                "real_name": u.real_name,
                "display_name": u.name,
                "is_bot": u.is_bot,
                "bot_id": u.bot_id,
            }
            for u in ws.users()
        ]
        return {
            "version": version,
            "app_connected": self._driver() is not None,
            "workspace": {
                "team_id": ws.team_id,
                "team_name": ws.team_name,
                "bot_user_id": ws.bot.id,
                "bot_id": ws.bot.bot_id,
                "app_name": ws.bot.name,
                "users": users,
                "channels": [{"id": c.id, "name": c.name, "is_im": c.is_im, "user": c.user} for c in channels],
            },
            "clock": ws.clock(),
            "user": person.id,
            "channel": conversation.id,
            "messages": ws.messages(conversation.id),
            "pins": ws.pins(conversation.id),
            "thread": thread,
            "ephemerals": ws.ephemerals(conversation.id, person.id),
            "modals": [v | {"errors": ws.view_errors(v["id"])} for v in ws.open_modals(person.id)],
            "home": ws.home_view(person.id),
        }

    async def events(self, request: Request) -> Response:
        """Server-Sent Events: `change` with the workspace version whenever it moves, keepalives meanwhile."""
        refused = _foreign(request)
        if refused is not None:
            return JSONResponse({"error": refused.error}, status_code=refused.status)
        ws = self.workspace
        closing = self._closing

        async def stream() -> AsyncIterator[str]:
            last = -1
            yield "retry: 1000\n\n"
            keepalive_at = time.monotonic() + KEEPALIVE_SECONDS
            while not closing.is_set():
                version = await run_in_threadpool(ws.wait_for_version, last, WAIT_SLICE_SECONDS)
                if closing.is_set():
                    break
                if version != last:
                    last = version
                    yield f"event: change\ndata: {json.dumps({'version': version})}\n\n"
                    keepalive_at = time.monotonic() + KEEPALIVE_SECONDS
                elif time.monotonic() >= keepalive_at:
                    yield ": keepalive\n\n"
                    keepalive_at = time.monotonic() + KEEPALIVE_SECONDS

        headers = NO_CACHE | {"X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    # -- acting as a person ----------------------------------------------------------------------------

    async def send(self, request: Request) -> dict[str, Any]:
        """Post what the person typed: a message (event to the app) or a slash command ("/cmd text")."""
        body = await _body(request)
        person = self._person(_field(body, "user"))
        conversation = self._conversation(_field(body, "channel"), person)
        text = _field(body, "text")
        thread_ts = _optional(body, "thread_ts")
        if not text.strip():
            raise ApiError(400, "the message is empty")
        if thread_ts is not None:
            self._thread(conversation, thread_ts)
        driver = self._app()
        command = SLASH_COMMAND.match(text.strip())
        if command:
            name, args = command.group(1), self._as_typed((command.group(2) or "").strip(), command=True)
            response = await run_in_threadpool(driver.slash_command, person.id, conversation.id, args, name)
            return {"ok": True, "kind": "slash_command", "command": name, "app": _app_answer(response)}
        ts, response = await run_in_threadpool(
            driver.post_message, person.id, conversation.id, self._as_typed(text), thread_ts
        )
        return {"ok": True, "kind": "message", "ts": ts, "app": _app_answer(response)}

    async def edit(self, request: Request) -> dict[str, Any]:
        """The author edits their message (a `message_changed` event to the app)."""
        body = await _body(request)
        person = self._person(_field(body, "user"))
        conversation = self._conversation(_field(body, "channel"), person)
        ts, text = _field(body, "ts"), _field(body, "text")
        if not text.strip():
            raise ApiError(400, "the message is empty")
        message = self.workspace.message(conversation.id, ts)
        if message is None:
            raise ApiError(404, f"no message {ts} in {conversation.id}")
        if message.get("user") != person.id:
            raise ApiError(403, "only the author can edit a message")
        driver = self._app()
        response = await run_in_threadpool(driver.edit_message, person.id, conversation.id, ts, self._as_typed(text))
        return {"ok": True, "app": _app_answer(response)}

    async def click(self, request: Request) -> dict[str, Any]:
        """Use a button, select, overflow, checkboxes or radio buttons of a message, ephemeral or modal."""
        body = await _body(request)
        person = self._person(_field(body, "user"))
        action_id, value, view_id = _field(body, "action_id"), _optional(body, "value"), _optional(body, "view_id")
        selected = body.get("selected")
        if not (
            selected is None
            or isinstance(selected, str)
            or (isinstance(selected, list) and all(isinstance(s, str) for s in selected))
        ):
            raise ApiError(400, "field 'selected' must be a string or a list of strings")
        if view_id is not None:
            driver = self._app()
            response = await run_in_threadpool(driver.view_action, person.id, view_id, action_id, value, selected)
            return {"ok": True, "app": _app_answer(response)}
        conversation = self._conversation(_field(body, "channel"), person)
        message_ts = _field(body, "message_ts")
        driver = self._app()
        response = await run_in_threadpool(
            driver.click, person.id, conversation.id, message_ts, action_id, value, selected
        )
        return {"ok": True, "app": _app_answer(response)}

    async def submit(self, request: Request) -> dict[str, Any]:
        """Submit the person's open modal with its input values in Slack's `view.state.values` shape."""
        body = await _body(request)
        person = self._person(_field(body, "user"))
        view_id = _field(body, "view_id")
        values = body.get("values", {})
        if not isinstance(values, dict) or not all(
            isinstance(actions, dict) and all(isinstance(v, dict) for v in actions.values())
            for actions in values.values()
        ):
            raise ApiError(400, "field 'values' must be {block_id: {action_id: {type, ...}}}")
        driver = self._app()
        response = await run_in_threadpool(driver.submit_view, person.id, view_id, values)
        outcome, _ = submission_answer(response)
        return {"ok": True, "outcome": outcome, "app": _app_answer(response)}

    async def close_view(self, request: Request) -> dict[str, Any]:
        """Close (X) the person's modal; the app hears of it only if the view asked (notify_on_close)."""
        body = await _body(request)
        person = self._person(_field(body, "user"))
        view_id = _field(body, "view_id")
        driver = self._app()
        response = await run_in_threadpool(driver.close_view, person.id, view_id)
        answer = _app_answer(response) if response is not None else None
        return {"ok": True, "notified": response is not None, "app": answer}

    async def unpin(self, request: Request) -> dict[str, Any]:
        """Remove a pin from a message of the channel (a `pin_removed` event to the app)."""
        body = await _body(request)
        person = self._person(_field(body, "user"))
        conversation = self._conversation(_field(body, "channel"), person)
        ts = _field(body, "ts")
        if not any(p["message"]["ts"] == ts for p in self.workspace.pins(conversation.id)):
            raise ApiError(404, f"no pinned message {ts} in {conversation.id}")
        driver = self._app()
        response = await run_in_threadpool(driver.unpin_message, person.id, conversation.id, ts)
        return {"ok": True, "app": _app_answer(response)}

    async def open_home(self, request: Request) -> dict[str, Any]:
        """The person opens the app's Home tab (an `app_home_opened` event); the app may answer with views.publish,
        which reaches the page through the event stream like any change."""
        body = await _body(request)
        person = self._person(_field(body, "user"))
        driver = self._app()
        response = await run_in_threadpool(driver.open_home, person.id)
        return {"ok": True, "app": _app_answer(response)}

    async def sample_alert(self, request: Request) -> dict[str, Any]:
        """Play Alertmanager: POST the sample alert (firing, or its resolution) to the app's `/hooks/alerts` with the
        design's bearer token, as a `webhook_configs` receiver would. Firing again after a resolution is a new alert
        (a new start); firing twice is Alertmanager resending the same one."""
        body = await _body(request)
        token, status = _field(body, "token"), _field(body, "status")
        if status not in ("firing", "resolved"):
            raise ApiError(400, "'status' must be 'firing' or 'resolved'")
        driver = self._app()
        now = self.workspace.now()
        if status == "firing" and self._alert_started is None:
            self._alert_started = now
        started = self._alert_started if self._alert_started is not None else now
        delivery = sample_delivery(status=status, starts_at=started, ends_at=now if status == "resolved" else None)
        if status == "resolved":
            self._alert_started = None
        hook = driver.app_url.rsplit("/slack/events", 1)[0] + "/hooks/alerts"
        response = await run_in_threadpool(send_delivery, hook, token, delivery)
        return {"ok": True, "app": _app_answer(response)}

    async def advance_clock(self, request: Request) -> dict[str, Any]:
        """Fast-forward the sandbox clock by `advance_seconds` or to the moment `to` (the app reads /sandbox/clock).

        `to` a moment already past leaves the clock alone and answers `moved: false`, so a stale ⏩ does no harm.
        """
        body = await _body(request)
        if (body.get("advance_seconds") is None) == (body.get("to") is None):
            raise ApiError(400, "give either 'advance_seconds' (a number of seconds) or 'to' (seconds since 1970)")
        offset = self.workspace.clock_offset_seconds
        if body.get("to") is not None:
            self.workspace.advance_clock_to(_number(body, "to", "a moment in seconds since 1970"))
        else:
            self.workspace.advance_clock(_number(body, "advance_seconds", "a number of seconds"))
        return {"ok": True, "moved": self.workspace.clock_offset_seconds != offset, "clock": self.workspace.clock()}

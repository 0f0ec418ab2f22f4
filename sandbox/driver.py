"""The Slack side of the conversation: requests that Slack sends TO the bot app.

`SlackDriver` acts out what people (and other apps) do in the workspace: it updates the Workspace the way
Slack would, then delivers the matching slash command, Events API envelope or interactivity payload to the
app, signed exactly like Slack signs it.  Every request and the app's answer are logged in the workspace.
A driver acts in one workspace: its envelopes, commands and payloads carry that workspace's team.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx

from sandbox.records import Channel, Delivery, ResponseTarget, SlackError
from sandbox.state import Workspace

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"
RESPONSE_ACTIONS = ("errors", "update", "push", "clear")
# Slack waits this long for a slash command's acknowledgement; later, the person sees an operation_timeout error
# and whatever the app answers is dropped.
ACK_DEADLINE_SECONDS = 3.0


class InvalidAppAnswer(Exception):
    """The app answered a view submission with something Slack would reject (shown to the person)."""


# Element types whose action carries one plain selected value, and the field Slack puts it in.
SIMPLE_SELECTIONS = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
}


class SlackDriver:
    """Sends Slack-signed slash commands, events and block actions to the bot app at `app_url`."""

    def __init__(
        self,
        workspace: Workspace,
        app_url: str,
        signing_secret: str,
        fake_base_url: str,
        timeout: float = 10.0,
        ack_deadline: float = ACK_DEADLINE_SECONDS,
    ) -> None:
        self.workspace = workspace
        self.app_url = app_url
        self.signing_secret = signing_secret
        self.fake_base_url = fake_base_url.rstrip("/") + "/"
        self.ack_deadline = ack_deadline
        self._http = httpx.Client(timeout=timeout)

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> SlackDriver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- signing and transport -------------------------------------------------------------------------

    def sign(self, body: bytes, timestamp: int | None = None) -> dict[str, str]:
        """Slack's v0 signature headers for `body`; tests pass an old timestamp to forge a stale request."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        base = b"v0:" + str(timestamp).encode() + b":" + body
        digest = hmac.new(self.signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}

    def raw_post(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        """Post arbitrary bytes and headers to the app, for signature and malformed-request tests."""
        response = self._http.post(self.app_url, content=body, headers=headers)
        self._log("raw", body.decode(errors="replace"), response)
        return response

    def ssl_check(self) -> httpx.Response:
        """Slack's periodic check of the app's certificate: an unsigned form with ssl_check=1 (and the app's old
        verification token), which an app answers with a bare 200."""
        form = {"ssl_check": "1", "token": self.workspace.verification_token}
        headers = {"Content-Type": FORM, "User-Agent": USER_AGENT}
        response = self._http.post(self.app_url, content=urlencode(form).encode(), headers=headers)
        self._log("ssl_check", form, response)
        return response

    def _send(
        self, kind: str, body: bytes, content_type: str, logged: Any, extra: dict[str, str] | None = None
    ) -> httpx.Response:
        headers = {"Content-Type": content_type, "User-Agent": USER_AGENT, **self.sign(body), **(extra or {})}
        response = self._http.post(self.app_url, content=body, headers=headers)
        self._log(kind, logged, response)
        return response

    def _log(self, kind: str, request: Any, response: httpx.Response) -> None:
        self.workspace.record_delivery(Delivery(kind, request, response.status_code, response.text))

    def _response_url(self, target: ResponseTarget) -> str:
        return f"{self.fake_base_url}response/{self.workspace.register_response_url(target)}"

    # -- slash commands --------------------------------------------------------------------------------

    def slash_command(self, user: str, channel: str, text: str, command: str = "/mldesign") -> httpx.Response:
        """Run a slash command; a non-empty ack is shown like Slack shows it (ephemeral unless in_channel)."""
        ws = self.workspace
        person, conversation = ws.user(user), ws.channel(channel)
        target = ResponseTarget(channel=conversation.id, user=person.id)
        form = {
            "token": ws.verification_token,
            "team_id": ws.team_id,
            "team_domain": ws.team_domain,
            "channel_id": conversation.id,
            "channel_name": "directmessage" if conversation.is_im else conversation.name,
            "user_id": person.id,
            "user_name": person.name,
            "command": command,
            "text": text,
            "api_app_id": ws.app_id,
            "is_enterprise_install": "true" if ws.is_enterprise_install else "false",
            "response_url": self._response_url(target),
            "trigger_id": ws.new_trigger_id(person.id),
        }
        if ws.enterprise is not None:
            form |= {"enterprise_id": ws.enterprise["id"], "enterprise_name": ws.enterprise["name"]}
        sent = time.monotonic()
        response = self._send("slash_command", urlencode(form).encode(), FORM, form)
        if time.monotonic() - sent > self.ack_deadline:  # what Slack shows instead of a late answer
            ws.apply_response(target, {"text": f'{command} failed with the error "operation_timeout"'})
            return response
        ack = _ack_message(response)
        if ack is not None:
            ws.apply_response(target, ack)
        return response

    # -- events ----------------------------------------------------------------------------------------

    def send_event(
        self,
        event: dict[str, Any],
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str = "http_timeout",
        *,
        org_wide: bool | None = None,
    ) -> httpx.Response:
        """Wrap `event` in an event_callback envelope and deliver it (as a retry if `retry_num` is set). It is
        authorized as the workspace's install is (org-wide or not), unless `org_wide` says otherwise."""
        ws = self.workspace
        event = {"event_ts": event.get("ts") or ws.next_ts(), **event}
        org_wide = ws.is_enterprise_install if org_wide is None else org_wide
        envelope = {
            "token": ws.verification_token,
            "team_id": ws.team_id,
            "context_team_id": ws.team_id,
            "context_enterprise_id": ws.enterprise_id,
            "api_app_id": ws.app_id,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or ws.new_event_id(),
            "event_time": int(float(event["event_ts"])),
            "authorizations": [
                {
                    "enterprise_id": ws.enterprise_id,
                    "team_id": None if org_wide else ws.team_id,  # an org-wide install is the organization's
                    "user_id": ws.bot.id,
                    "is_bot": True,
                    "is_enterprise_install": org_wide,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": "4-" + base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="),
        }
        if ws.enterprise_id is not None:
            envelope["enterprise_id"] = ws.enterprise_id
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self._send("event", json.dumps(envelope).encode(), JSON, envelope, headers)

    def post_message(
        self, user: str, channel: str, text: str, thread_ts: str | None = None, broadcast: bool = False
    ) -> tuple[str, httpx.Response]:
        """A person posts, optionally in a thread (and broadcast); returns (ts, the app's answer)."""
        ws = self.workspace
        person, conversation = ws.user(user), ws.channel(channel)
        message = ws.post_message(
            conversation.id,
            user=person.id,
            text=text,
            blocks=[_rich_text(text)],
            thread_ts=thread_ts,
            broadcast=broadcast and bool(thread_ts),
            extra={"client_msg_id": str(uuid.uuid4())},
        )
        event = _message_event(message, conversation)
        if event.get("subtype") == "thread_broadcast" and thread_ts:
            root = ws.message(conversation.id, thread_ts)
            if root is not None:
                event["root"] = root
        return message["ts"], self.send_event(event)

    def edit_message(self, user: str, channel: str, ts: str, new_text: str) -> httpx.Response:
        """The author edits their message; delivers a `message_changed` event."""
        ws = self.workspace
        conversation = ws.channel(channel)
        if ws.find_message(conversation.id, ts).get("user") != user:
            raise ValueError(f"{user} is not the author of message {ts} in {channel}; only authors can edit")
        previous, current = ws.update_message(
            conversation.id, ts, text=new_text, blocks=[_rich_text(new_text)], editor=user
        )
        return self._send_hidden_change(
            conversation,
            "message_changed",
            message=_without_thread_summary(current),
            previous_message=_without_thread_summary(previous),
        )

    def delete_message(self, user: str, channel: str, ts: str) -> httpx.Response:
        """Someone deletes a message; delivers a `message_deleted` event."""
        ws = self.workspace
        conversation = ws.channel(channel)
        ws.user(user)
        previous = ws.delete_message(conversation.id, ts)
        return self._send_hidden_change(
            conversation, "message_deleted", deleted_ts=ts, previous_message=_without_thread_summary(previous)
        )

    def unpin_message(self, user: str, channel: str, ts: str) -> httpx.Response:
        """Someone removes a pin from a message; delivers a `pin_removed` event (Slack's `no_pin` if it isn't pinned).

        The shape follows Slack's own event types, down to `pin_count` being a string.
        """
        ws = self.workspace
        person, conversation = ws.user(user), ws.channel(channel)
        pin = ws.unpin(conversation.id, ts)
        message = _without_internal(ws.find_message(conversation.id, ts))
        message["permalink"] = self._permalink(conversation.id, message)
        pin_count = len(ws.pins(conversation.id))
        event = {
            "type": "pin_removed",
            "user": person.id,
            "channel_id": conversation.id,
            "item": {
                "type": "message",
                "channel": conversation.id,
                "message": message,
                "created": pin["created"],
                "created_by": pin["created_by"],
            },
            "item_user": message.get("user") or message.get("bot_id"),
            "pin_count": str(pin_count),
            "pinned_info": {"channel": conversation.id, "pinned_by": pin["created_by"], "pinned_ts": pin["created"]},
            "has_pins": pin_count > 0,
            "event_ts": ws.next_ts(),
        }
        return self.send_event(event)

    def _permalink(self, channel_id: str, message: dict[str, Any]) -> str:
        """A message's permalink on the fake, as chat.getPermalink gives it."""
        link = f"{self.fake_base_url}archives/{channel_id}/p{message['ts'].replace('.', '')}"
        thread_ts = message.get("thread_ts")
        if thread_ts and thread_ts != message["ts"]:
            link += f"?thread_ts={thread_ts}&cid={channel_id}"
        return link

    def _send_hidden_change(self, conversation: Channel, subtype: str, **fields: Any) -> httpx.Response:
        """Deliver a hidden `message` event about an existing message (an edit or a deletion)."""
        event_ts = self.workspace.next_ts()
        event = {
            "type": "message",
            "subtype": subtype,
            "hidden": True,
            "channel": conversation.id,
            "channel_type": conversation.kind,
            "ts": event_ts,
            "event_ts": event_ts,
        }
        return self.send_event(event | fields)

    def open_home(self, user: str) -> httpx.Response:
        """The person opens the app's Home tab: `app_home_opened`, with their published Home view if they have one.

        The event names the person's DM with the app, which Slack creates with the App Home (so this opens it).
        """
        ws = self.workspace
        person = ws.user(user)
        if person.is_bot:
            raise ValueError(f"{user} is the app's bot user; only people open the Home tab")
        event: dict[str, Any] = {
            "type": "app_home_opened",
            "user": person.id,
            "channel": ws.open_dm(person.id).id,
            "tab": "home",
            "event_ts": ws.next_ts(),
        }
        view = ws.home_view(person.id)
        if view is not None:
            event["view"] = view
        return self.send_event(event)

    def uninstall_app(self) -> tuple[httpx.Response, httpx.Response]:
        """Someone removes the app from the workspace: every token of it stops working (`token_revoked`), then
        the app hears `tokens_revoked` and `app_uninstalled`, in Slack's order. Returns the app's two answers."""
        org_wide = self.workspace.is_enterprise_install
        self.workspace.revoke_tokens()
        return self.send_uninstall_events(org_wide=org_wide)

    def send_uninstall_events(self, *, org_wide: bool = False) -> tuple[httpx.Response, httpx.Response]:
        """Deliver what Slack sends once the app is uninstalled: `tokens_revoked` (the bot's), `app_uninstalled`;
        with `org_wide`, as the organization's org-wide install (the tokens are revoked by then)."""
        revoked = self.send_event(
            {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [self.workspace.bot.id]}}, org_wide=org_wide
        )
        return revoked, self.send_event({"type": "app_uninstalled"}, org_wide=org_wide)

    def bot_message(
        self, channel: str, text: str, thread_ts: str | None = None, bot_id: str = "B0OTHER"
    ) -> tuple[str, httpx.Response]:
        """Another app posts (subtype `bot_message`); returns (ts, app answer)."""
        conversation = self.workspace.channel(channel)
        message = self.workspace.post_message(conversation.id, text=text, bot_id=bot_id, thread_ts=thread_ts)
        event = _message_event(message, conversation)
        return message["ts"], self.send_event(event)

    # -- interactivity ---------------------------------------------------------------------------------

    def click(
        self,
        user: str,
        channel: str,
        message_ts: str,
        action_id: str,
        value: str | None = None,
        selected: str | list[str] | None = None,
    ) -> httpx.Response:
        """Use an interactive element of a message (or of the user's ephemeral) and send `block_actions`.

        `value` picks among buttons sharing an action_id (or is the text typed into a plain_text_input);
        `selected` is the option value(s) to choose in selects, checkboxes, radio buttons and overflows.
        Raises LookupError if no such element is visible, ValueError if the option doesn't exist.
        """
        ws = self.workspace
        person, conversation = ws.user(user), ws.channel(channel)
        message, is_ephemeral = ws.message(conversation.id, message_ts), False
        if message is None:
            own = [e for e in ws.ephemerals(conversation.id, person.id) if e["ts"] == message_ts]
            if not own:
                raise LookupError(f"no message {message_ts} in {channel} (nor an ephemeral shown to {user})")
            message, is_ephemeral = own[0], True
        block, element = _find_element(message, action_id, value)
        action = _action(block, element, value, selected)
        thread_ts = message.get("thread_ts") if message.get("thread_ts") != message_ts else None
        target = ResponseTarget(conversation.id, person.id, message_ts, is_ephemeral, thread_ts)
        container: dict[str, Any] = {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": conversation.id,
            "is_ephemeral": is_ephemeral,
        }
        if thread_ts:
            container["thread_ts"] = thread_ts
        state: dict[str, Any] = {}
        if element["type"] != "button":
            fields = {k: v for k, v in action.items() if k.startswith("selected_") or k == "value"}
            state = {block["block_id"]: {action_id: {"type": element["type"], **fields}}}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": person.id, "username": person.name, "name": person.name, "team_id": ws.team_id},
            "api_app_id": ws.app_id,
            "token": ws.verification_token,
            "container": container,
            "trigger_id": ws.new_trigger_id(person.id),
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "enterprise": ws.enterprise,
            "is_enterprise_install": ws.is_enterprise_install,
            "channel": {"id": conversation.id, "name": conversation.name},
            "state": {"values": state},
            "response_url": self._response_url(target),
            "actions": [action],
        }
        if not is_ephemeral:  # Slack omits the message body for ephemeral sources
            payload["message"] = _without_internal(message)
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._send("block_actions", body, FORM, payload)

    def view_action(
        self,
        user: str,
        view_id: str,
        action_id: str,
        value: str | None = None,
        selected: str | list[str] | None = None,
    ) -> httpx.Response:
        """Use an interactive element inside one of the user's open modals or their Home tab: `block_actions`
        from a view (no response_url, as Slack sends none for views)."""
        ws = self.workspace
        person = ws.user(user)
        view = _own_view(ws, person.id, view_id)
        block, element = _find_element(view | {"ts": view_id}, action_id, value)
        action = _action(block, element, value, selected)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": _user_ref(ws, person.id),
            "api_app_id": ws.app_id,
            "token": ws.verification_token,
            "container": {"type": "view", "view_id": view_id},
            "trigger_id": ws.new_trigger_id(person.id),
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "enterprise": ws.enterprise,
            "is_enterprise_install": ws.is_enterprise_install,
            "view": view,
            "actions": [action],
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._send("block_actions", body, FORM, payload)

    # -- modals ----------------------------------------------------------------------------------------

    def submit_view(self, user: str, view_id: str, values: dict[str, Any]) -> httpx.Response:
        """Press Submit on the user's open modal with `values` in Slack's `view.state.values` shape.

        Sends a signed `view_submission` and applies the app's answer as Slack does: an empty 200 closes the
        view; `response_action` errors / update / push / clear show errors, replace, push or close them all;
        any non-2xx keeps the modal open. Raises LookupError if the view isn't the user's open modal, and
        InvalidAppAnswer if the app's answer is one Slack would refuse.
        """
        ws = self.workspace
        person = ws.user(user)
        _own_modal(ws, person.id, view_id)
        view = ws.set_view_state(person.id, view_id, values)
        payload: dict[str, Any] = {
            "type": "view_submission",
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "user": _user_ref(ws, person.id),
            "api_app_id": ws.app_id,
            "token": ws.verification_token,
            "trigger_id": ws.new_trigger_id(person.id),
            "view": view,
            "response_urls": [],
            "enterprise": ws.enterprise,
            "is_enterprise_install": ws.is_enterprise_install,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        response = self._send("view_submission", body, FORM, payload)
        action, answer = submission_answer(response)
        try:
            if action == "closed":
                ws.close_view(person.id, view_id)
            elif action == "errors":
                ws.set_view_errors(view_id, answer["errors"])
            elif action == "update":
                ws.update_view(answer["view"], view_id=view_id)
            elif action == "push":
                ws.push_view_for(person.id, answer["view"])
            elif action == "clear":
                ws.clear_views(person.id)
        except SlackError as error:
            raise InvalidAppAnswer(f"Slack would refuse the app's answer ({error.error})") from None
        return response

    def close_view(self, user: str, view_id: str) -> httpx.Response | None:
        """Press the modal's close (X): it closes, and `view_closed` is sent only if it has notify_on_close."""
        ws = self.workspace
        person = ws.user(user)
        _own_modal(ws, person.id, view_id)
        view = ws.close_view(person.id, view_id)
        if not view["notify_on_close"]:
            return None
        payload: dict[str, Any] = {
            "type": "view_closed",
            "team": {"id": ws.team_id, "domain": ws.team_domain},
            "user": _user_ref(ws, person.id),
            "api_app_id": ws.app_id,
            "token": ws.verification_token,
            "view": view,
            "is_cleared": bool(view["clear_on_close"]),
            "enterprise": ws.enterprise,
            "is_enterprise_install": ws.is_enterprise_install,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self._send("view_closed", body, FORM, payload)


# -- helpers -------------------------------------------------------------------------------------------


def _user_ref(ws: Workspace, user_id: str) -> dict[str, Any]:
    person = ws.user(user_id)
    return {"id": person.id, "username": person.name, "name": person.name, "team_id": ws.team_id}


def _own_view(ws: Workspace, user: str, view_id: str) -> dict[str, Any]:
    """The user's open modal or published Home tab `view_id`, or LookupError (a person uses only what they see)."""
    home = ws.home_view(user)
    if home is not None and home["id"] == view_id:
        return home
    view = next((v for v in ws.open_modals(user) if v["id"] == view_id), None)
    if view is None:
        raise LookupError(f"no open modal or Home tab {view_id} for {user}")
    return view


def _own_modal(ws: Workspace, user: str, view_id: str) -> dict[str, Any]:
    """The user's open modal `view_id`, or LookupError (a person can only use what they see)."""
    view = next((v for v in ws.open_modals(user) if v["id"] == view_id), None)
    if view is None:
        raise LookupError(f"no open modal {view_id} for {user}")
    return view


def submission_answer(response: httpx.Response) -> tuple[str, dict[str, Any]]:
    """What the app's answer to a view_submission means: (closed | errors | update | push | clear | kept, body).

    `kept` is any non-2xx answer: Slack keeps the modal open and shows a connection error.
    """
    if not 200 <= response.status_code < 300:
        return "kept", {}
    if not response.content.strip():
        return "closed", {}
    try:
        body = response.json()
    except ValueError:
        raise InvalidAppAnswer("the app answered the submission with a body that is not JSON") from None
    if not isinstance(body, dict):
        raise InvalidAppAnswer("the app answered the submission with JSON that is not an object")
    action = body.get("response_action")
    if action is None:
        return "closed", body
    if action not in RESPONSE_ACTIONS:
        raise InvalidAppAnswer(f"unknown response_action {action!r}")
    if action == "errors" and not isinstance(body.get("errors"), dict):
        raise InvalidAppAnswer("response_action errors needs an `errors` object of block_id: message")
    if action in ("update", "push"):
        view = body.get("view")
        if not isinstance(view, dict) or view.get("type") != "modal" or not view.get("title"):
            raise InvalidAppAnswer(f"response_action {action} needs a modal `view` with a title")
    return action, body


def _message_event(message: dict[str, Any], channel: Channel) -> dict[str, Any]:
    """A `message` event for a freshly stored message."""
    return message | {"channel": channel.id, "event_ts": message["ts"], "channel_type": channel.kind}


def _rich_text(text: str) -> dict[str, Any]:
    """The rich_text block Slack attaches to every message a person types."""
    return {
        "type": "rich_text",
        "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
    }


def _without_thread_summary(message: dict[str, Any]) -> dict[str, Any]:
    drop = {"reply_count", "reply_users", "reply_users_count", "latest_reply", "reactions"}
    return {k: v for k, v in message.items() if k not in drop}


def _without_internal(message: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k not in ("source", "channel")}


def _ack_message(response: httpx.Response) -> dict[str, Any] | None:
    """The message carried by a command ack, if any (JSON body or plain text), as Slack would show it."""
    if response.status_code != 200 or not response.content.strip():
        return None
    if response.headers.get("content-type", "").startswith(JSON):
        body = response.json()
        return body if isinstance(body, dict) and (body.get("text") or body.get("blocks")) else None
    return {"text": response.text}


def _elements(message: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every interactive element of a message with its block: actions elements, accessories, inputs."""
    found = []
    for block in message.get("blocks") or []:
        candidates = [*block.get("elements", [])] if block.get("type") == "actions" else []
        candidates += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
        found += [(block, e) for e in candidates if isinstance(e, dict) and e.get("action_id")]
    return found


def _find_element(message: dict[str, Any], action_id: str, value: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The element a person would use: by action_id and, for buttons, by value when one is given."""
    matches = [
        (b, e)
        for b, e in _elements(message)
        if e["action_id"] == action_id and (value is None or e["type"] != "button" or e.get("value") == value)
    ]
    if not matches:
        visible = [(e["action_id"], e.get("value")) for _, e in _elements(message)]
        wanted = action_id if value is None else f"{action_id} (value {value!r})"
        raise LookupError(f"no element {wanted} in message {message['ts']}; it has (action_id, value): {visible}")
    return matches[0]


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    groups = element.get("option_groups") or []
    return [*(element.get("options") or []), *(o for g in groups for o in g.get("options", []))]


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    for option in _options(element):
        if option.get("value") == value:
            return {k: option[k] for k in ("text", "value", "description") if k in option}
    offered = [o.get("value") for o in _options(element)]
    raise ValueError(f"{element['type']} {element['action_id']!r} has no option {value!r}; offers {offered}")


def _action(
    block: dict[str, Any], element: dict[str, Any], value: str | None, selected: str | list[str] | None
) -> dict[str, Any]:
    """The `actions[0]` entry Slack sends for using `element`, by element type."""
    kind = element["type"]
    action: dict[str, Any] = {"type": kind, "action_id": element["action_id"], "block_id": block["block_id"]}
    if kind == "button":
        action["text"] = element.get("text")
        action |= {k: element[k] for k in ("value", "style", "url") if k in element}
    elif kind in ("static_select", "radio_buttons", "overflow"):
        if selected is None or isinstance(selected, list):
            raise ValueError(f"{kind} {element['action_id']!r} needs selected=<one option value>")
        action["selected_option"] = _option(element, selected)
    elif kind in ("multi_static_select", "checkboxes"):
        chosen = [selected] if isinstance(selected, str) else selected or []
        action["selected_options"] = [_option(element, v) for v in chosen]
    elif kind in SIMPLE_SELECTIONS:
        if selected is None:
            raise ValueError(f"{kind} {element['action_id']!r} needs selected=<value>")
        action[SIMPLE_SELECTIONS[kind]] = selected
    elif kind == "plain_text_input":
        action["value"] = value or ""
    else:
        raise ValueError(f"the sandbox can't use a {kind!r} element yet")
    if "placeholder" in element and kind != "button":
        action["placeholder"] = element["placeholder"]
    action["action_ts"] = f"{time.time():.6f}"
    return action

"""The Bolt app factory: one App per process, listeners registered explicitly, one error handler."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk.errors import SlackClientError
from slack_sdk.webhook import WebhookClient

from bot import blocks
from bot.errors import UserFacingError
from bot.listeners import register_listeners
from bot.services import Services
from flows.commands import CommandError
from flows.nudges import ReminderError
from flows.walkthrough import WalkthroughError

logger = logging.getLogger(__name__)

USER_ERRORS = (UserFacingError, CommandError, WalkthroughError, ReminderError)


def create_app(services: Services) -> App:
    """A Bolt app that runs each listener before answering Slack (``process_before_response``).

    Listeners only touch the database, which is fast, and hand Web API work to the background pool, so
    the answer stays well under Slack's three seconds without Bolt's threaded ack polling.
    """
    secret = services.settings.slack_signing_secret
    app = App(
        signing_secret=secret.get_secret_value() if secret else None,
        client=services.client,
        process_before_response=True,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("bot.bolt"),
    )
    register_listeners(app, services)
    app.error(error_handler(services))
    return app


def error_handler(services: Services) -> Callable[..., BoltResponse]:
    def handle_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        if isinstance(error, USER_ERRORS):
            message = str(error)
        else:
            error_id = uuid.uuid4().hex[:8]
            logger.error("unexpected error %s in %s", error_id, _request_kind(body), exc_info=error)
            if body.get("type") == "event_callback":
                return BoltResponse(status=500, body="")  # nothing was stored: let Slack retry the event
            message = f"Something went wrong on my side (error id {error_id}); nothing was changed. Please try again."
        notice = blocks.notice("error.j2", message=message, with_help=isinstance(error, CommandError))
        if "command" in body:
            payload = {"response_type": "ephemeral", "text": notice.text, "blocks": notice.blocks}
            return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": "application/json"})
        _tell_person(services, body, notice)
        return BoltResponse(status=200, body="")

    return handle_error


def _tell_person(services: Services, body: dict[str, Any], notice: blocks.Message) -> None:
    """Errors from buttons and messages can't ride on the acknowledgement; post them ephemerally after it."""
    response_url = body.get("response_url")
    event = body.get("event") or {}
    message = event.get("message") or event  # an edit carries its author inside the edited message
    user_id, thread_ts = message.get("user"), message.get("thread_ts")

    def send() -> None:
        try:
            if response_url:
                WebhookClient(response_url).send(
                    text=notice.text, blocks=notice.blocks, response_type="ephemeral", replace_original=False
                )
            elif event.get("channel") and user_id:
                services.client.chat_postEphemeral(
                    channel=event["channel"], user=user_id, text=notice.text, blocks=notice.blocks, thread_ts=thread_ts
                )
        except (SlackClientError, OSError) as error:
            logger.warning("could not show an error to the person: %s", type(error).__name__)

    services.background.submit(("notice", uuid.uuid4().hex), send)


def _request_kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return f"command {body['command']}"
    if body.get("type") == "event_callback":
        return f"event {(body.get('event') or {}).get('type')}"
    return str(body.get("type", "request"))

"""The Bolt app factory: one App per process, listeners registered explicitly, one error handler."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.base.settings import Settings
from bot.inbound.listeners import register_listeners
from bot.inbound.listeners.events.installs import Leaving
from bot.inbound.listeners.payloads import team_id_of
from bot.inbound.listeners.recording import Recording
from bot.inbound.manifest import BOT_SCOPES
from bot.inbound.replays import Replayed
from bot.jobs.outbox import Outbox
from bot.outbound.clients import SlackClients
from bot.render import blocks
from bot.usecases import workspaces
from bot.usecases.errors import TemplatedError, UserFacingError
from flows.commands import CommandError
from flows.nudges import ReminderError
from flows.permissions import NotAnOwner
from flows.walkthrough import WalkthroughError
from storage.installations import oauth_state_store

logger = logging.getLogger(__name__)

USER_ERRORS = (UserFacingError, CommandError, WalkthroughError, ReminderError)


def create_app(*, settings: Settings, clients: SlackClients, deps: Recording, leaving: Leaving) -> App:
    """A Bolt app that runs each listener before answering Slack (``process_before_response``).

    Listeners only touch the database, which is fast, and hand Web API work to the background pool, so
    the answer stays well under Slack's three seconds without Bolt's threaded ack polling.
    """
    secret = settings.slack_signing_secret
    bolt_logger = logging.getLogger("bot.bolt")
    bolt_logger.addFilter(_expected_token_notice)
    app = App(
        signing_secret=secret.get_secret_value() if secret else None,
        client=clients.shared,
        process_before_response=True,
        # bot.inbound.gate checks signatures (and replays) before Bolt sees a request; Socket Mode needs none.
        request_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        logger=bolt_logger,
        **(_distribution(settings, clients, deps) if settings.distributed else {}),
    )
    if settings.distributed:
        app.use(_remember_org_installs(clients))
    register_listeners(app, deps, leaving, distributed=settings.distributed)
    app.error(error_handler(deps.outbox))
    return app


def _remember_org_installs(clients: SlackClients) -> Callable[..., BoltResponse]:
    """Slack keeps an org-wide install (Enterprise Grid) under the organization, not the workspace: a request it
    authorized tells which workspace it serves, so background work there finds the organization's token."""

    def remember(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse:
        if context.is_enterprise_install and context.enterprise_id and context.team_id:
            clients.served_by_org(context.team_id, context.enterprise_id)
        return next()

    return remember


def _installed(clients: SlackClients, deps: Recording) -> Callable[[SuccessArgs], BoltResponse]:
    """An install went through: a workspace that had uninstalled keeps its designs (its grace period ends)."""

    def on_success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        teams = [installation.team_id] if installation.team_id else []
        if installation.is_enterprise_install and installation.enterprise_id:
            # An org-wide install comes back for every workspace it was seen serving before.
            teams += clients.org_teams(installation.enterprise_id)
        for team_id in dict.fromkeys(teams):
            with deps.db.unit_of_work() as session:
                workspaces.returned(session=session, team_id=team_id)
            clients.forget(team_id)  # a new token replaces any cached one
        return args.default.success(args)

    return on_success


def _install_failed(args: FailureArgs) -> BoltResponse:
    return args.default.failure(args)


def _expected_token_notice(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN itself and warns that the client we hand it (built with that very token,
    pointed at SLACK_API_URL) takes precedence. That is intended here: drop that one line, nothing else."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _distribution(settings: Settings, clients: SlackClients, deps: Recording) -> dict[str, Any]:
    """OAuth install for many workspaces: tokens in slack_sdk's installation store, in mldesign's database,
    looked up per request by Bolt's authorize (its auth.test answer cached, so the ack stays fast)."""
    assert settings.slack_client_id is not None and settings.slack_client_secret is not None
    client_secret = settings.slack_client_secret.get_secret_value()
    store = clients.installation_store
    assert store is not None, "a distributed app's clients read tokens from the installation store"
    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        redirect_uri=settings.slack_redirect_uri,
        authorization_url=settings.slack_authorize_url,
        installation_store=store,
        installation_store_bot_only=True,
        state_store=oauth_state_store(engine=deps.db.engine),
        callback_options=CallbackOptions(success=_installed(clients, deps), failure=_install_failed),
        logger=logging.getLogger("bot.oauth"),
    )
    authorize = InstallationStoreAuthorize(
        installation_store=store,
        client_id=settings.slack_client_id,
        client_secret=client_secret,
        bot_only=True,
        cache_enabled=True,
        client=clients.shared,
        logger=logging.getLogger("bot.bolt"),
    )
    return {"oauth_settings": oauth_settings, "installation_store": store, "authorize": authorize}


def error_handler(outbox: Outbox) -> Callable[..., BoltResponse]:
    def handle_error(error: Exception, body: dict[str, Any]) -> BoltResponse:
        if isinstance(error, Replayed):  # its change was rolled back: tell the sender only, as the gate does
            return BoltResponse(status=401, body=str(error))
        if isinstance(error, NotAnOwner):
            notice = blocks.notice(
                "not_owner.j2", name=error.design_name, action=str(error.action), owners=error.owners
            )
        elif isinstance(error, TemplatedError):
            notice = blocks.notice(error.template, **error.values)
        elif isinstance(error, USER_ERRORS):
            with_help = isinstance(error, CommandError) and error.shows_help
            notice = blocks.notice("error.j2", message=str(error), with_help=with_help)
        else:
            error_id = uuid.uuid4().hex[:8]
            logger.error("unexpected error %s in %s", error_id, _request_kind(body), exc_info=error)
            if body.get("type") == "event_callback":
                return BoltResponse(status=500, body="")  # nothing was stored: let Slack retry the event
            message = f"Something went wrong on my side (error id {error_id}); nothing was changed. Please try again."
            notice = blocks.notice("error.j2", message=message, with_help=False)
        if "command" in body:
            payload = {"response_type": "ephemeral", "text": notice.text, "blocks": notice.blocks}
            return BoltResponse(status=200, body=json.dumps(payload), headers={"content-type": "application/json"})
        _tell_person(outbox, body, notice)
        return BoltResponse(status=200, body="")

    return handle_error


def _tell_person(outbox: Outbox, body: dict[str, Any], notice: blocks.Message) -> None:
    """Errors from buttons and messages can't ride on the acknowledgement; post them ephemerally after it."""
    response_url = body.get("response_url")
    event = body.get("event") or {}
    message = event.get("message") or event  # an edit carries its author inside the edited message
    user_id, thread_ts = message.get("user"), message.get("thread_ts")
    if response_url:
        outbox.respond(response_url, notice.text, notice.blocks, replace_original=False)
    elif event.get("channel") and user_id:
        outbox.tell_in_thread(
            team_id=team_id_of(body),
            channel_id=event["channel"],
            user_id=user_id,
            thread_ts=thread_ts,
            text=notice.text,
            blocks=notice.blocks,
        )


def _request_kind(body: dict[str, Any]) -> str:
    if "command" in body:
        return f"command {body['command']}"
    if body.get("type") == "event_callback":
        return f"event {(body.get('event') or {}).get('type')}"
    return str(body.get("type", "request"))

"""Messages to the one person who acted, after the acknowledgement: through a response URL, ephemerally in a
thread, or a form opened within its trigger's three seconds."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError, SlackClientError

from bot.jobs.values import OpenForm, Respond, TellInThread
from bot.outbound.clients import SlackClients

logger = logging.getLogger(__name__)


class Responder:
    def __init__(self, clients: SlackClients) -> None:
        self._clients = clients

    def respond(self, job: Respond) -> None:
        webhook = self._clients.webhook(job.response_url)
        if webhook is None:
            return
        try:
            webhook.send(
                text=job.text, blocks=job.blocks, response_type="ephemeral", replace_original=job.replace_original
            )
        except (SlackClientError, OSError) as error:
            logger.warning("could not answer through a response URL: %s", type(error).__name__)

    def tell_in_thread(self, job: TellInThread) -> None:
        try:
            self._clients.for_team(job.team_id).chat_postEphemeral(
                channel=job.channel_id, user=job.user_id, text=job.text, blocks=job.blocks, thread_ts=job.thread_ts
            )
        except (SlackClientError, OSError) as error:
            logger.warning("could not show a message to the person: %s", type(error).__name__)

    def open_form(self, job: OpenForm) -> None:
        """If Slack refuses the form, the person is told so through the click's response URL."""
        try:
            self._clients.for_team(job.team_id).views_open(trigger_id=job.trigger_id, view=job.view)
        except (SlackApiError, SlackClientError, OSError) as error:
            code = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
            if job.response_url:
                text = f":warning: The form couldn't open ({code}). Please try again."
                self.respond(Respond(response_url=job.response_url, text=text, replace_original=False))

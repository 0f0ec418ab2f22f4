"""How each kind of job is done: the table the wiring builds, so jobs stay plain data (bot.jobs.values)."""

from __future__ import annotations

from bot.jobs.local import Handlers
from bot.jobs.values import (
    DispatchNudges,
    Export,
    LearnOwnerTimezone,
    OpenForm,
    Publish,
    PublishHome,
    RefreshNudge,
    Respond,
    TellInThread,
    TidyDeleted,
)
from bot.outbound.clients import SlackClients
from bot.outbound.export import Exporter, ExportRequest
from bot.outbound.home import Home
from bot.outbound.nudger import Nudger
from bot.outbound.publisher import Publisher
from bot.outbound.responses import Responder
from bot.outbound.tidy import tidy_deleted


def job_handlers(
    *, publisher: Publisher, exporter: Exporter, home: Home, nudger: Nudger, clients: SlackClients
) -> Handlers:
    responder = Responder(clients)

    def publish(job: Publish) -> None:
        publisher.publish(job.team_id, job.design_id)

    def export(job: Export) -> None:
        exporter.export(ExportRequest(job.team_id, job.design_id, job.user_id, job.response_url))

    def publish_home(job: PublishHome) -> None:
        home.publish(job.team_id, job.user_id)

    def tidy(job: TidyDeleted) -> None:
        tidy_deleted(clients, job.deleted)

    def dispatch(job: DispatchNudges) -> None:
        nudger.dispatch()

    def learn_timezone(job: LearnOwnerTimezone) -> None:
        nudger.learn_owner_timezone(job.team_id, job.design_id)

    def refresh_nudge(job: RefreshNudge) -> None:
        nudger.refresh_message(job.team_id, job.design_id, job.message_ts)

    return {
        Publish: publish,
        Export: export,
        PublishHome: publish_home,
        Respond: responder.respond,
        TellInThread: responder.tell_in_thread,
        OpenForm: responder.open_form,
        TidyDeleted: tidy,
        DispatchNudges: dispatch,
        LearnOwnerTimezone: learn_timezone,
        RefreshNudge: refresh_nudge,
    }

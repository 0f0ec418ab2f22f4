"""Work that talks to Slack after the acknowledgement, as data: each job names what to do, never how.

A listener commits its change, acknowledges, and submits a job. Jobs are plain values (pydantic models) so they
can cross from the web process, which only acknowledges, to the worker process that `mldesign serve` runs beside
it (bot.runtime.worker): rendering and Web API calls then never compete with an acknowledgement for the interpreter.
Each job has a key, and a job submitted while one with the same key is queued replaces it (bot.jobs.pool), so a
burst of answers to one design is one publish.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.jobs.pool import KeyedBackground
from bot.outbound.export import ExportRequest
from bot.usecases.ownership import Deleted

if TYPE_CHECKING:
    from bot.runtime.wiring import Services  # what jobs run with; the services submit jobs in turn

logger = logging.getLogger(__name__)


class _Job(BaseModel):
    model_config = ConfigDict(frozen=True)
    # A person is waiting on it, a form's trigger expires three seconds after the click: it runs in its own lane,
    # never behind publishes that may be waiting out a rate limit.
    interactive: ClassVar[bool] = False

    @property
    def key(self) -> Hashable:
        """Jobs with equal keys coalesce: the one queued last runs."""
        raise NotImplementedError

    def run(self, services: Services) -> None:
        raise NotImplementedError


class Publish(_Job):
    """Bring a design's latest revision to Slack (questions, parent message, summary)."""

    kind: Literal["publish"] = "publish"
    team_id: str
    design_id: int

    @property
    def key(self) -> Hashable:
        return (self.team_id, self.design_id)

    def run(self, services: Services) -> None:
        services.publisher.publish(self.team_id, self.design_id)


class Export(_Job):
    """Upload a design's Markdown document to its thread."""

    kind: Literal["export"] = "export"
    team_id: str
    design_id: int
    user_id: str
    response_url: str | None

    @property
    def key(self) -> Hashable:
        return ("export", self.team_id, self.design_id)

    def run(self, services: Services) -> None:
        services.exporter.export(ExportRequest(self.team_id, self.design_id, self.user_id, self.response_url))


class PublishHome(_Job):
    """Refresh a person's Home tab."""

    kind: Literal["home"] = "home"
    team_id: str
    user_id: str

    @property
    def key(self) -> Hashable:
        return ("home", self.team_id, self.user_id)

    def run(self, services: Services) -> None:
        services.home.publish(self.team_id, self.user_id)


class Respond(_Job):
    """An ephemeral message through a response URL: in place of the one clicked on, or beside it."""

    interactive: ClassVar[bool] = True

    kind: Literal["respond"] = "respond"
    response_url: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    replace_original: bool

    @property
    def key(self) -> Hashable:
        # A replacement supersedes one queued for the same message; messages beside it each go out.
        return ("respond", self.response_url, True if self.replace_original else self.text)

    def run(self, services: Services) -> None:
        webhook = services.clients.webhook(self.response_url)
        if webhook is None:
            return
        try:
            webhook.send(
                text=self.text, blocks=self.blocks, response_type="ephemeral", replace_original=self.replace_original
            )
        except (SlackClientError, OSError) as error:
            logger.warning("could not answer through a response URL: %s", type(error).__name__)


class TellInThread(_Job):
    """An ephemeral message to one person in a channel or thread, for what has no response URL (a reply)."""

    interactive: ClassVar[bool] = True

    kind: Literal["tell"] = "tell"
    team_id: str
    channel_id: str
    user_id: str
    thread_ts: str | None
    text: str
    blocks: list[dict[str, Any]]

    @property
    def key(self) -> Hashable:
        return ("tell", self.team_id, self.channel_id, self.user_id, self.thread_ts, self.text)

    def run(self, services: Services) -> None:
        try:
            services.clients.for_team(self.team_id).chat_postEphemeral(
                channel=self.channel_id, user=self.user_id, text=self.text, blocks=self.blocks, thread_ts=self.thread_ts
            )
        except (SlackClientError, OSError) as error:
            logger.warning("could not show a message to the person: %s", type(error).__name__)


class OpenForm(_Job):
    """Open a modal within its trigger's three seconds; if Slack refuses, say so through the response URL."""

    interactive: ClassVar[bool] = True

    kind: Literal["form"] = "form"
    team_id: str
    trigger_id: str
    view: dict[str, Any]
    response_url: str | None

    @property
    def key(self) -> Hashable:
        return ("form", self.trigger_id)

    def run(self, services: Services) -> None:
        try:
            services.clients.for_team(self.team_id).views_open(trigger_id=self.trigger_id, view=self.view)
        except (SlackApiError, SlackClientError, OSError) as error:
            code = error.response.get("error") if isinstance(error, SlackApiError) else type(error).__name__
            if self.response_url:
                text = f":warning: The form couldn't open ({code}). Please try again."
                Respond(response_url=self.response_url, text=text, replace_original=False).run(services)


class TidyDeleted(_Job):
    """In Slack, a deleted design's parent message says so and its pinned summary goes."""

    kind: Literal["tidy"] = "tidy"
    deleted: Deleted

    @property
    def key(self) -> Hashable:
        return ("deleted", self.deleted.team_id, self.deleted.channel_id, self.deleted.parent_ts)

    def run(self, services: Services) -> None:
        services.tidy_deleted(self.deleted)


class DispatchNudges(_Job):
    """Look for due revisits now rather than at the next tick (after `/mldesign remind … now`)."""

    kind: Literal["dispatch"] = "dispatch"

    @property
    def key(self) -> Hashable:
        return ("dispatch",)

    def run(self, services: Services) -> None:
        services.nudger.dispatch()


class LearnOwnerTimezone(_Job):
    """After deployment: time the first revisits to the owner's own mornings."""

    kind: Literal["timezone"] = "timezone"
    team_id: str
    design_id: int

    @property
    def key(self) -> Hashable:
        return ("timezone", self.team_id, self.design_id)

    def run(self, services: Services) -> None:
        services.nudger.learn_owner_timezone(self.team_id, self.design_id)


class RefreshNudge(_Job):
    """Show the outcomes on a revisit nudge after someone acted on it."""

    kind: Literal["nudge-message"] = "nudge-message"
    team_id: str
    design_id: int
    message_ts: str

    @property
    def key(self) -> Hashable:
        return ("nudge-message", self.team_id, self.message_ts)

    def run(self, services: Services) -> None:
        services.nudger.refresh_message(self.team_id, self.design_id, self.message_ts)


Job = Annotated[
    Publish
    | Export
    | PublishHome
    | Respond
    | TellInThread
    | OpenForm
    | TidyDeleted
    | DispatchNudges
    | LearnOwnerTimezone
    | RefreshNudge,
    Field(discriminator="kind"),
]
JOBS: TypeAdapter[Job] = TypeAdapter(Job)


class Jobs(Protocol):
    def submit(self, job: Job) -> None: ...


class LocalJobs:
    """Jobs run here, in bounded pools keyed by each job's key: the worker's own, and the web process's when it
    has no worker (tests, Socket Mode) or its worker can't be reached. Interactive jobs (a form to open, a message
    to show) have a lane of their own, so a slow or rate-limited publish never holds up a person's click."""

    def __init__(self, background: KeyedBackground, interactive: KeyedBackground | None = None) -> None:
        self._background = background
        self._interactive = interactive or background
        self._services: Services | None = None

    def attach(self, services: Services) -> None:
        """The services jobs run with (built after this pool, since the publisher submits its own jobs here)."""
        self._services = services

    def submit(self, job: Job) -> None:
        services = self._services
        assert services is not None, "attach() the services before submitting jobs"
        lane = self._interactive if job.interactive else self._background
        lane.submit(job.key, lambda: job.run(services))

    def shutdown(self) -> None:
        """Let queued and running work finish (for a while), then stop both lanes."""
        for lane in dict.fromkeys((self._interactive, self._background)):
            lane.shutdown()

"""Work that talks to Slack after the acknowledgement, as data: each job names what to do, never how (the
handler table the wiring builds, bot.runtime.handlers, says how).

A listener commits its change, acknowledges, and submits a job. Jobs are plain values (pydantic models) so they
can cross from the web process, which only acknowledges, to the worker process that `mldesign serve` runs beside
it (bot.runtime.worker): rendering and Web API calls then never compete with an acknowledgement for the interpreter.
Each job has a key, and a job submitted while one with the same key is queued replaces it (bot.jobs.pool), so a
burst of answers to one design is one publish.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Annotated, Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from bot.usecases.ownership import Deleted


class _Job(BaseModel):
    model_config = ConfigDict(frozen=True)
    # A person is waiting on it, a form's trigger expires three seconds after the click: it runs in its own lane,
    # never behind publishes that may be waiting out a rate limit.
    interactive: ClassVar[bool] = False

    @property
    def key(self) -> Hashable:
        """Jobs with equal keys coalesce: the one queued last runs."""
        raise NotImplementedError


class Publish(_Job):
    """Bring a design's latest revision to Slack (questions, parent message, summary)."""

    kind: Literal["publish"] = "publish"
    team_id: str
    design_id: int

    @property
    def key(self) -> Hashable:
        return (self.team_id, self.design_id)


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


class PublishHome(_Job):
    """Refresh a person's Home tab."""

    kind: Literal["home"] = "home"
    team_id: str
    user_id: str

    @property
    def key(self) -> Hashable:
        return ("home", self.team_id, self.user_id)


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


class TidyDeleted(_Job):
    """In Slack, a deleted design's parent message says so and its pinned summary goes."""

    kind: Literal["tidy"] = "tidy"
    deleted: Deleted

    @property
    def key(self) -> Hashable:
        return ("deleted", self.deleted.team_id, self.deleted.channel_id, self.deleted.parent_ts)


class DispatchNudges(_Job):
    """Look for due revisits now rather than at the next tick (after `/mldesign remind … now`)."""

    kind: Literal["dispatch"] = "dispatch"

    @property
    def key(self) -> Hashable:
        return ("dispatch",)


class LearnOwnerTimezone(_Job):
    """After deployment: time the first revisits to the owner's own mornings."""

    kind: Literal["timezone"] = "timezone"
    team_id: str
    design_id: int

    @property
    def key(self) -> Hashable:
        return ("timezone", self.team_id, self.design_id)


class RefreshNudge(_Job):
    """Show the outcomes on a revisit nudge after someone acted on it."""

    kind: Literal["nudge-message"] = "nudge-message"
    team_id: str
    design_id: int
    message_ts: str

    @property
    def key(self) -> Hashable:
        return ("nudge-message", self.team_id, self.message_ts)


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

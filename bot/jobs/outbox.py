"""What a listener or the publisher asks for after the acknowledgement, by name: each call submits one job."""

from __future__ import annotations

from typing import Any

from bot.jobs.values import (
    DispatchNudges,
    Export,
    Jobs,
    LearnOwnerTimezone,
    OpenForm,
    Publish,
    PublishHome,
    RefreshNudge,
    Respond,
    TellInThread,
    TidyDeleted,
)
from bot.usecases.ownership import Deleted


class Outbox:
    """Names the jobs a request leads to. The jobs go to the worker, or run here (bot.jobs.link)."""

    def __init__(self, jobs: Jobs) -> None:
        self._jobs = jobs

    def publish(self, team_id: str, design_id: int) -> None:
        """Bring a design's latest revision to Slack; a burst of changes while one is queued is one publish."""
        self._jobs.submit(Publish(team_id=team_id, design_id=design_id))

    def export(self, *, team_id: str, design_id: int, user_id: str, response_url: str | None) -> None:
        """Post a design document; a second click while one is queued is one export."""
        self._jobs.submit(Export(team_id=team_id, design_id=design_id, user_id=user_id, response_url=response_url))

    def publish_home(self, team_id: str, user_id: str) -> None:
        """Refresh a person's Home tab; repeated opens while one is queued are one."""
        self._jobs.submit(PublishHome(team_id=team_id, user_id=user_id))

    def open_form(self, team_id: str, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Within the trigger's three seconds: open ``view`` for whoever clicked (if Slack refuses, they are told
        through the click's response URL)."""
        self._jobs.submit(
            OpenForm(team_id=team_id, trigger_id=body["trigger_id"], view=view, response_url=body.get("response_url"))
        )

    def respond(
        self, response_url: str | None, text: str, blocks: list[dict[str, Any]] | None, *, replace_original: bool
    ) -> None:
        """An ephemeral message through a response URL: in place of the one clicked on, or beside it."""
        if response_url:
            self._jobs.submit(
                Respond(response_url=response_url, text=text, blocks=blocks, replace_original=replace_original)
            )

    def tell_in_thread(
        self,
        *,
        team_id: str,
        channel_id: str,
        user_id: str,
        thread_ts: str | None,
        text: str,
        blocks: list[dict[str, Any]],
    ) -> None:
        """An ephemeral message to one person, for what has no response URL (a reply in a thread)."""
        self._jobs.submit(
            TellInThread(
                team_id=team_id, channel_id=channel_id, user_id=user_id, thread_ts=thread_ts, text=text, blocks=blocks
            )
        )

    def tidy_deleted(self, deleted: Deleted) -> None:
        self._jobs.submit(TidyDeleted(deleted=deleted))

    def dispatch_nudges(self) -> None:
        """Look for due nudges now rather than at the next tick (after `/mldesign remind … now`)."""
        self._jobs.submit(DispatchNudges())

    def learn_owner_timezone(self, team_id: str, design_id: int) -> None:
        """After deployment: time the first revisits to the owner's own mornings."""
        self._jobs.submit(LearnOwnerTimezone(team_id=team_id, design_id=design_id))

    def refresh_nudge(self, team_id: str, design_id: int, message_ts: str | None) -> None:
        """Show the outcomes on a revisit nudge after someone acted on it."""
        if message_ts:
            self._jobs.submit(RefreshNudge(team_id=team_id, design_id=design_id, message_ts=message_ts))

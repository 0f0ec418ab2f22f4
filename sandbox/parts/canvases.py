"""Canvases: created, edited section by section, shared with channels and people, deleted."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.canvases import (
    ACCESS_LEVELS,
    MAX_MARKDOWN,
    Canvas,
    CanvasRefused,
    apply_change,
    lookup,
    split_sections,
)
from sandbox.parts.base import Part
from sandbox.records import (
    SlackError,
)


class CanvasesPart(Part):
    """Canvases: created, edited section by section, shared with channels and people, deleted."""

    # -- canvases --------------------------------------------------------------------------------------

    def create_canvas(self, *, title: str, markdown: str, channel_id: str | None = None) -> str:
        """canvases.create: a standalone canvas owned by the bot (tabbed in `channel_id` if given); its id."""
        with self._cond:
            self._canvases_allowed()
            if channel_id:
                channel_id = self.channel(channel_id).id
            elif self.free_plan:
                raise SlackError("free_teams_cannot_create_non_tabbed_canvases")
            if len(markdown) > MAX_MARKDOWN:
                raise SlackError("canvas_creation_failed")  # Slack's answer when it can't make the canvas
            canvas = Canvas("F0" + secrets.token_hex(5).upper(), title, self.bot.id, self.now(), channel_id=channel_id)
            canvas.sections = split_sections(markdown)
            if channel_id:
                canvas.access[channel_id] = "write"
            self._canvases[canvas.id] = canvas
            self._changed()
            return canvas.id

    def edit_canvas(self, canvas_id: str, changes: Any) -> None:
        """canvases.edit: exactly one change, as Slack accepts today."""
        with self._cond:
            canvas = self._editable_canvas(canvas_id)
            if not isinstance(changes, list) or len(changes) != 1:
                raise SlackError("invalid_arguments")
            before = list(canvas.sections), canvas.title, canvas.edits
            try:
                apply_change(canvas, changes[0])
            except CanvasRefused as refused:
                raise SlackError(refused.error) from None
            if len(canvas.markdown) > MAX_MARKDOWN:
                canvas.sections, canvas.title, canvas.edits = before
                raise SlackError("canvas_editing_failed")
            self._changed()

    def lookup_canvas_sections(self, canvas_id: str, criteria: Any) -> list[str]:
        """canvases.sections.lookup: the ids of the sections matching `criteria`."""
        with self._cond:
            self._canvases_allowed()
            canvas = self._canvases.get(canvas_id)
            if canvas is None:
                raise SlackError("canvas_not_found")
            try:
                return lookup(canvas, criteria)
            except CanvasRefused as refused:
                raise SlackError(refused.error) from None

    def set_canvas_access(self, canvas_id: str, level: str, channel_ids: list[str], user_ids: list[str]) -> None:
        """canvases.access.set: who may read or write the canvas (channels or people, not both)."""
        with self._cond:
            canvas = self._editable_canvas(canvas_id)
            if level not in ACCESS_LEVELS or bool(channel_ids) == bool(user_ids):
                raise SlackError("invalid_arguments")
            if level == "owner" and channel_ids:
                raise SlackError("invalid_arguments")
            for channel_id in channel_ids:
                canvas.access[self.channel(channel_id).id] = level
            for user_id in user_ids:
                canvas.access[self.user(user_id).id] = level
            self._changed()

    def delete_canvas(self, canvas_id: str) -> None:
        """canvases.delete (or a person deleting it in Slack)."""
        with self._cond:
            if self._canvases.pop(canvas_id, None) is None:
                raise SlackError("canvas_not_found")
            self._changed()

    def canvas(self, canvas_id: str) -> dict[str, Any] | None:
        """A canvas as the tests see it: title, markdown, its sections (id, type, markdown), access, edits."""
        with self._cond:
            canvas = self._canvases.get(canvas_id)
            if canvas is None:
                return None
            sections = [{"id": s.id, "type": s.type, "markdown": s.markdown} for s in canvas.sections]
            return canvas.to_json() | {"sections": sections}

    def canvases(self) -> list[dict[str, Any]]:
        """Every canvas, oldest first."""
        with self._cond:
            ids = list(self._canvases)
        return [c for c in map(self.canvas, ids) if c is not None]

    def _canvases_allowed(self) -> None:
        if self.canvases_disabled:
            raise SlackError("canvas_disabled_user_team")

    def _editable_canvas(self, canvas_id: str) -> Canvas:
        self._canvases_allowed()
        canvas = self._canvases.get(canvas_id)
        if canvas is None:
            raise SlackError("canvas_not_found")
        if self.free_plan and canvas.channel_id is None:
            raise SlackError("free_teams_cannot_edit_standalone_canvases")
        return canvas

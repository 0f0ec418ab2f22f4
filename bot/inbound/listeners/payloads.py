"""Small readers of Slack's interaction payloads that listeners of several kinds share."""

from __future__ import annotations

from typing import Any

from bot.usecases.errors import InvalidChoice


def team_id_of(body: dict[str, Any]) -> str:
    """The workspace a request comes from: ``team_id`` on commands and events, ``team`` on interactions
    (null for some org-wide installs, where the person's own team is used)."""
    if body.get("team_id"):
        return str(body["team_id"])
    return str(body["team"]["id"] if body.get("team") else body["user"]["team_id"])


def id_value(action: dict[str, Any], belongs_to: str) -> int:
    """The id a button carries in its value (a design's or a revisit's); a clear error for anything else."""
    try:
        return int(action.get("value", ""))
    except ValueError as error:
        raise InvalidChoice(f"That button doesn't belong to an mldesign {belongs_to}.") from error


def submission_id(body: dict[str, Any], view: dict[str, Any]) -> str:
    """The interaction id of a view's submission: a retried or doubled submission of one view is recorded once."""
    return f"view:{view['id']}:{body['user']['id']}"

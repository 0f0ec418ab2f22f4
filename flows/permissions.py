"""Who may do what with a design: anyone in the channel answers; its owners (whoever started it, and the
people they add) decide what changes its life: deployment, stopping its reminders (and turning them back on),
its owners, deletion."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum


class OwnerAction(StrEnum):
    """What only owners may do, worded for the sentence "Only its owners can …"."""

    MARK_DEPLOYED = "mark it deployed"
    STOP_REMINDERS = "stop its reminders"
    RESTART_REMINDERS = "turn its reminders back on"
    CHANGE_OWNERS = "change its owners"
    ASSIGN = "give its questions to people"
    ACCEPT_FINDINGS = "accept its review findings"
    REQUEST_REVIEW = "ask for its review"
    MANAGE_ALERTS = "see or change its alert webhook"
    DELETE = "delete it"


class NotAnOwner(PermissionError):
    """The person may answer, but this is for the design's owners (the bot's message names them)."""

    def __init__(self, action: OwnerAction, owners: tuple[str, ...], design_name: str) -> None:
        super().__init__(f"only the owners of {design_name!r} can {action}")
        self.action, self.owners, self.design_name = action, owners, design_name


def owners_of(started_by: str, added: Collection[str]) -> tuple[str, ...]:
    """The starter first, then the people added, each once."""
    return tuple(dict.fromkeys([started_by, *added]))


def require_owner(user_id: str, owners: tuple[str, ...], action: OwnerAction, design_name: str) -> None:
    if user_id not in owners:
        raise NotAnOwner(action, owners, design_name)

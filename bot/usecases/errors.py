"""Errors whose message is meant for the person in Slack; anything else is a bug and gets an error id."""

from __future__ import annotations

from typing import Any


class UserFacingError(Exception):
    """Raised by listeners and use cases; the error handler shows the message to the person, ephemerally."""


class TemplatedError(UserFacingError):
    """A user-facing error whose message mentions people or needs Slack markup: rendered from a template,
    where user text is escaped and mentions are not."""

    def __init__(self, template: str, plain: str, **values: Any) -> None:
        super().__init__(plain)
        self.template, self.values = template, values


class DesignExists(UserFacingError):
    pass


class DesignNotFound(UserFacingError):
    pass


class InvalidChoice(UserFacingError):
    pass

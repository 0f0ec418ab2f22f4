"""Errors whose message is meant for the person in Slack; anything else is a bug and gets an error id."""

from __future__ import annotations


class UserFacingError(Exception):
    """Raised by listeners and use cases; the error handler shows the message to the person, ephemerally."""


class DesignExists(UserFacingError):
    pass


class DesignNotFound(UserFacingError):
    pass


class InvalidChoice(UserFacingError):
    pass

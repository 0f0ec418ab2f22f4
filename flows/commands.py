"""Parsing of `/mldesign` command text into a typed command, independent of how Slack delivers it."""

from __future__ import annotations

from dataclasses import dataclass

MAX_DESIGN_NAME = 80


class CommandError(ValueError):
    """The command text can't be used; the message tells the person what to type instead."""


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class ListDesigns:
    pass


@dataclass(frozen=True)
class Start:
    name: str


@dataclass(frozen=True)
class Status:
    name: str


@dataclass(frozen=True)
class Summary:
    name: str


@dataclass(frozen=True)
class Export:
    name: str


Command = Help | ListDesigns | Start | Status | Summary | Export


def parse_command(text: str) -> Command:
    verb, rest = [*text.split(maxsplit=1), "", ""][:2]
    verb = verb.casefold()
    if verb in ("", "help"):
        return Help()
    if verb == "list":
        return ListDesigns()
    if verb == "start":
        return Start(design_name(rest))
    if verb == "status":
        return Status(design_name(rest))
    if verb == "summary":
        return Summary(design_name(rest))
    if verb == "export":
        return Export(design_name(rest))
    raise CommandError(f"I don't know the command “{verb}”.")


def design_name(raw: str) -> str:
    """A design's display name: one line, whitespace collapsed, 1 to 80 characters."""
    name = " ".join(raw.split())
    if not name:
        raise CommandError("Give the design a name, for example `/mldesign start Churn model`.")
    if len(name) > MAX_DESIGN_NAME:
        raise CommandError(f"A design name can be at most {MAX_DESIGN_NAME} characters long.")
    return name


def name_key(name: str) -> str:
    """The form names are compared in, so "Churn Model" and "churn model" are the same design."""
    return design_name(name).casefold()

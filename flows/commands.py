"""Parsing of `/mldesign` command text into a typed command, independent of how Slack delivers it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

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


@dataclass(frozen=True)
class Deployed:
    name: str
    on: date | None  # None: today, in the caller's clock


@dataclass(frozen=True)
class Remind:
    name: str
    setting: str  # read by flows.nudges.parse_reminder


@dataclass(frozen=True)
class Owners:
    """`owners <name>` lists them; `owners <name> add|remove @person…` changes them."""

    name: str
    change: str | None  # "add" or "remove"; None only lists
    user_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Delete:
    name: str


Command = Help | ListDesigns | Start | Status | Summary | Export | Deployed | Remind | Owners | Delete

_TRAILING_DATE = re.compile(r"^(?P<name>.*?)\s+(?P<date>\d{4}-\d{2}-\d{2})$")
# Slack sends a mention as <@U123> or <@U123|name> in command text (the app's command doesn't escape names).
_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,30})(?:\|[^>]*)?>")
_OWNERS_CHANGE = re.compile(r"^(?P<name>.*?)\s+(?P<change>add|remove)\s+(?P<people><@.*)$", re.IGNORECASE)
_TRAILING_SETTING = re.compile(r"^(?P<name>.*?)\s+(?P<setting>every\s+\S+(?:\s+\S+)?|off|now)$", re.IGNORECASE)


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
    if verb == "deployed":
        return _deployed(rest)
    if verb == "remind":
        return _remind(rest)
    if verb == "owners":
        return _owners(rest)
    if verb == "delete":
        return Delete(design_name(rest))
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


def _deployed(rest: str) -> Deployed:
    """`deployed <name> [YYYY-MM-DD]`: a trailing date is the deployment day, otherwise it is today."""
    match = _TRAILING_DATE.match(" ".join(rest.split()))
    if match is None:
        return Deployed(design_name(rest), None)
    try:
        day = date.fromisoformat(match["date"])
    except ValueError:
        raise CommandError(f"“{match['date']}” is not a date; write it as YYYY-MM-DD, e.g. 2026-11-30.") from None
    return Deployed(design_name(match["name"]), day)


def _remind(rest: str) -> Remind:
    """`remind <name> every 30d | off | now`: the setting comes last, after the design's name."""
    match = _TRAILING_SETTING.match(" ".join(rest.split()))
    if match is None:
        raise CommandError(
            "Say which design and what to do, e.g. `/mldesign remind Churn model every 30d` (or `off`, `now`)."
        )
    return Remind(design_name(match["name"]), match["setting"])


def _owners(rest: str) -> Owners:
    """`owners <name> [add|remove @person …]`: the people come last, as Slack mentions."""
    text = " ".join(rest.split())
    match = _OWNERS_CHANGE.match(text)
    if match is None:
        if re.search(r"\s(add|remove)(\s|$)", text, re.IGNORECASE):
            raise CommandError("Mention the people to add or remove, e.g. `/mldesign owners Churn model add @dana`.")
        return Owners(design_name(text), None)
    people = _MENTION.findall(match["people"])
    leftover = _MENTION.sub("", match["people"]).strip(" ,")
    if not people or leftover:
        raise CommandError("Mention the people to add or remove, e.g. `/mldesign owners Churn model add @dana`.")
    return Owners(design_name(match["name"]), match["change"].casefold(), tuple(dict.fromkeys(people)))

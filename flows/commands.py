"""Parsing of `/mldesign` command text into a typed command, independent of how Slack delivers it."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

MAX_DESIGN_NAME = 80


class CommandError(ValueError):
    """The command text can't be used; the message tells the person what to type instead (with the commands'
    help after it, unless the message alone says all)."""

    shows_help = True


class NameTooLong(CommandError):
    """The one thing wrong is the name's length: the message is enough, the whole help would bury it."""

    shows_help = False


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


@dataclass(frozen=True)
class Assign:
    """`assign <name> <area or question> @person`: they are mentioned when its questions come up; `nobody` clears."""

    name: str
    target: str  # read by flows.assignments.resolve
    user_id: str | None  # None: nobody


@dataclass(frozen=True)
class RequestReview:
    """`review <name> @a @b …`: the people asked to approve the design (owners only)."""

    name: str
    user_ids: tuple[str, ...]


@dataclass(frozen=True)
class Changes:
    """`changes <name> [since YYYY-MM-DD | since approval | since revisit]`: what changed in its answers since."""

    name: str
    since: date | str  # a day, or "approval" (the latest approval) or "revisit" (the latest revisit's outcome)
    until: date | str | None = None  # a later point, read the same way (None: now); a day counts whole


@dataclass(frozen=True)
class Alerts:
    """`alerts <name> [rotate]`: the design's webhook for monitoring; ``rotate`` replaces its token."""

    name: str
    rotate: bool = False


Command = (
    Help
    | ListDesigns
    | Start
    | Status
    | Summary
    | Export
    | Deployed
    | Remind
    | Owners
    | Delete
    | Assign
    | RequestReview
    | Changes
    | Alerts
)

# Slack sends a mention as <@U123> or <@U123|name> in command text (the app's command doesn't escape names). A name
# stops at the next < or >, so a mention that never closes is given up on there, not at the end of the text.
_MENTION = re.compile(r"<@([UW][A-Z0-9]{2,30})(?:\|[^<>]*)?>")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_OWNER_CHANGES = ("add", "remove")


def mentioned_ids(slack_text: str) -> frozenset[str]:
    """The people Slack itself marked as mentioned in command text as it arrives, before unescaping: there, a
    mention a person typed out by hand is ``&lt;@U…&gt;``, which unescaping would make look like a real one."""
    return frozenset(_MENTION.findall(slack_text))


def parse_command(text: str, *, mentioned: Collection[str] | None = None) -> Command:
    """The command ``text`` asks for; ``mentioned`` (from ``mentioned_ids``) are the only people an owner change
    may name. Arguments are read word by word (the name first, a date or a setting last): regular expressions
    with a lazy name tried every split of a long text against every ending, quadratic work."""
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
        return _owners(rest, mentioned)
    if verb == "delete":
        return Delete(design_name(rest))
    if verb == "assign":
        return _assign(rest, mentioned)
    if verb == "review":
        return _review(rest, mentioned)
    if verb == "changes":
        return _changes(rest)
    if verb == "alerts":
        words = rest.split()
        if len(words) >= 2 and words[-1].casefold() == "rotate":
            return Alerts(design_name(" ".join(words[:-1])), rotate=True)
        return Alerts(design_name(rest))
    raise CommandError(f"I don't know the command “{verb}”.")


def design_name(raw: str) -> str:
    """A design's display name: one line, whitespace collapsed, 1 to 80 characters."""
    name = " ".join(raw.split())
    if not name:
        raise CommandError("Give the design a name, for example `/mldesign start Churn model`.")
    if len(name) > MAX_DESIGN_NAME:
        raise NameTooLong(f"A design name can be at most {MAX_DESIGN_NAME} characters long ({len(name)} given).")
    return name


def name_key(name: str) -> str:
    """The form names are compared in, so "Churn Model" and "churn model" are the same design."""
    return design_name(name).casefold()


def _deployed(rest: str) -> Deployed:
    """`deployed <name> [YYYY-MM-DD]`: a trailing date is the deployment day, otherwise it is today."""
    words = rest.split()
    if len(words) < 2 or not _ISO_DATE.fullmatch(words[-1]):
        return Deployed(design_name(rest), None)
    try:
        day = date.fromisoformat(words[-1])
    except ValueError:
        raise CommandError(f"“{words[-1]}” is not a date; write it as YYYY-MM-DD, e.g. 2026-11-30.") from None
    return Deployed(design_name(" ".join(words[:-1])), day)


def _remind(rest: str) -> Remind:
    """`remind <name> every 30d | off | now`: the setting comes last, after the design's name."""
    words = rest.split()
    # The longest setting that ends the text ("every 2 weeks", "every 30d", "off"), after a name of one word or more.
    for start in range(max(len(words) - 3, 1), len(words)):
        if _is_setting(words[start:]):
            return Remind(design_name(" ".join(words[:start])), " ".join(words[start:]))
    raise CommandError(
        "Say which design and what to do, e.g. `/mldesign remind Churn model every 30d` (or `off`, `now`)."
    )


def _is_setting(words: list[str]) -> bool:
    first = words[0].casefold()
    return (first == "every" and len(words) > 1) or (len(words) == 1 and first in ("off", "now"))


def _owners(rest: str, mentioned: Collection[str] | None) -> Owners:
    """`owners <name> [add|remove @person …]`: the people come last, as Slack mentions."""
    words = rest.split()
    changes = [at for at in range(1, len(words)) if words[at].casefold() in _OWNER_CHANGES]
    at = next((at for at in changes if at + 1 < len(words) and words[at + 1].startswith("<@")), None)
    if at is None:
        if changes:
            raise CommandError("Mention the people to add or remove, e.g. `/mldesign owners Churn model add @dana`.")
        return Owners(design_name(rest), None)
    named = " ".join(words[at + 1 :])
    people = _MENTION.findall(named)
    leftover = _MENTION.sub("", named).strip(" ,")
    if not people or leftover or (mentioned is not None and not set(people) <= set(mentioned)):
        raise CommandError("Mention the people to add or remove, e.g. `/mldesign owners Churn model add @dana`.")
    return Owners(design_name(" ".join(words[:at])), words[at].casefold(), tuple(dict.fromkeys(people)))


_ASSIGN_HOWTO = "Say which design, what and to whom, e.g. `/mldesign assign Churn model data @dana` (or `nobody`)."


def _assign(rest: str, mentioned: Collection[str] | None) -> Assign:
    """`assign <name> <target> @person|nobody`: the person comes last (a mention may hold spaces, "<@U1|dana
    smith>"), the area or question just before."""
    words = rest.split()
    at = next((at for at in range(len(words) - 1, 1, -1) if words[at].startswith("<@")), None)
    if at is None:
        if len(words) >= 3 and words[-1].casefold() == "nobody":
            return Assign(design_name(" ".join(words[:-2])), words[-2], None)
        raise CommandError(_ASSIGN_HOWTO)
    person = " ".join(words[at:])
    people = _MENTION.findall(person)
    if len(people) != 1 or _MENTION.sub("", person).strip() or (mentioned is not None and people[0] not in mentioned):
        raise CommandError(_ASSIGN_HOWTO)
    return Assign(design_name(" ".join(words[: at - 1])), words[at - 1], people[0])


_REVIEW_HOWTO = "Say which design and mention its reviewers, e.g. `/mldesign review Churn model @dana @lee`."


def _review(rest: str, mentioned: Collection[str] | None) -> RequestReview:
    """`review <name> @person …`: the name first, then the reviewers, as Slack mentions."""
    words = rest.split()
    at = next((at for at in range(1, len(words)) if words[at].startswith("<@")), None)
    if at is None:
        raise CommandError(_REVIEW_HOWTO)
    named = " ".join(words[at:])
    people = _MENTION.findall(named)
    leftover = _MENTION.sub("", named).strip(" ,")
    if not people or leftover or (mentioned is not None and not set(people) <= set(mentioned)):
        raise CommandError(_REVIEW_HOWTO)
    return RequestReview(design_name(" ".join(words[:at])), tuple(dict.fromkeys(people)))


_SINCE_POINTS = ("approval", "revisit")


def _changes(rest: str) -> Changes:
    """`changes <name> [since <point> [until <point>]]`: the points last; since the latest approval when none is
    named, until now when no end is."""
    words = rest.split()
    until = None
    if len(words) >= 5 and words[-2].casefold() == "until" and words[-4].casefold() == "since":
        until, words = _point(words[-1]), words[:-2]
    if len(words) >= 3 and words[-2].casefold() == "since":
        return Changes(design_name(" ".join(words[:-2])), _point(words[-1]), until)
    if len(words) >= 3 and words[-2].casefold() == "until":
        raise CommandError("Say where to start too, e.g. `since 2027-01-04 until approval`.")
    return Changes(design_name(" ".join(words)), "approval")


def _point(word: str) -> date | str:
    if word.casefold() in _SINCE_POINTS:
        return word.casefold()
    if _ISO_DATE.fullmatch(word):
        try:
            return date.fromisoformat(word)
        except ValueError:
            pass
    raise CommandError(f"“{word}” is not a date (YYYY-MM-DD), `approval` or `revisit`.")

"""Jinja2 environments for the bot's text: one escaping for Slack mrkdwn, one for Markdown documents.

Slack reads ``&``, ``<`` and ``>`` as control characters (``<!channel>`` broadcasts, ``<url|text>`` links),
so every value put into a template is escaped unless it is explicitly marked safe with ``|safe``. Markdown
files (``*.md.j2``) get the same guarantee against Markdown and HTML: user text renders as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from flows.nudges import NudgeStatus

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"


def escape_mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    return escape_mrkdwn(str(value)) if value is not None else ""


def join_labels(labels: Iterable[str]) -> str:
    """Chosen options in a line: comma-separated, or semicolon-separated when a label holds a comma itself."""
    shown = list(labels)
    return ("; " if any("," in label for label in shown) else ", ").join(shown)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = _environment(_finalize)
    env.filters["labels"] = join_labels
    env.filters["blockquote"] = blockquote
    env.filters["user"] = lambda user_id: Markup(f"<@{escape_mrkdwn(user_id)}>")
    env.filters["slack_date"] = slack_date
    env.filters["slack_datetime"] = slack_datetime
    env.filters["slack_link"] = slack_link
    return env


@lru_cache(maxsize=1)
def markdown_environment() -> Environment:
    env = _environment(_finalize_markdown)
    env.filters["labels"] = join_labels
    env.filters["md_quote"] = markdown_quote
    env.filters["md_date"] = lambda moment: f"{moment:%Y-%m-%d %H:%M} UTC"
    return env


def _environment(finalize: Any) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        auto_reload=False,  # templates ship with the code: no stat() of the file on every render (the ack path)
        autoescape=False,
        finalize=finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["truncate_text"] = truncate_text
    env.filters["one_line"] = one_line
    env.filters["revisit_outcome"] = lambda status: NudgeStatus(status).outcome
    env.filters["day"] = lambda day: f"{day:%b} {day.day}, {day:%Y}"  # a calendar date, the same for every reader
    return env


def render(template_name: str, **values: Any) -> str:
    return environment().get_template(template_name).render(**values).strip()


def render_markdown(template_name: str, **values: Any) -> str:
    return markdown_environment().get_template(template_name).render(**values).strip() + "\n"


# Characters that start Markdown syntax anywhere in a line (emphasis, code, links, tables, escapes).
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]|~])")
# Characters that start a block (heading, list, numbered list, rule) at the beginning of a line, after its
# indentation. Spaces and tabs only: with ``\s`` a run of blank lines was tried again from each of its lines.
# A number's dot or parenthesis is what is escaped: "1\." reads "1.", while "\1." would show its backslash.
_MARKDOWN_LINE_START = re.compile(r"^([ \t]*)(?:([#+\-=])|(\d+)([.)]))", re.MULTILINE)
# CommonMark ends a line at a lone carriage return too; Python's ``^`` only after a line feed.
_LINE_ENDING = re.compile(r"\r\n?")


def escape_markdown(text: str) -> str:
    """User text as literal Markdown: HTML and Markdown syntax are escaped so nothing renders as a tag,
    link, image, heading or table, whatever the text holds. Line endings become line feeds first, so every
    line the renderer sees is a line escaped here."""
    escaped = _LINE_ENDING.sub("\n", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", escaped)
    return _MARKDOWN_LINE_START.sub(_escape_line_start, escaped)


def _escape_line_start(match: re.Match[str]) -> str:
    indent, marker, number, after_number = match.groups()
    return f"{indent}\\{marker}" if marker else f"{indent}{number}\\{after_number}"


def _finalize_markdown(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    return escape_markdown(str(value)) if value is not None else ""


def markdown_quote(text: str) -> Markup:
    """A Markdown block quote of user text, every line escaped; blank lines stay inside the quote."""
    lines = _LINE_ENDING.sub("\n", text).split("\n")
    return Markup("\n".join(f"> {escape_markdown(line)}".rstrip() for line in lines))


def slack_date(moment: datetime) -> Markup:
    """A date each reader sees in their own timezone (Slack's date token), with a UTC fallback."""
    return Markup(f"<!date^{int(moment.timestamp())}^{{date_short}}|{moment:%Y-%m-%d}>")


def slack_datetime(moment: datetime) -> Markup:
    """A moment with its time of day ("Monday, Dec 14 at 10:00" in the reader's timezone)."""
    fallback = f"{moment:%Y-%m-%d %H:%M} UTC"
    return Markup(f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>")


def slack_link(url: str, label: str) -> Markup:
    """A link to an address someone else gave (an alert's source): escaped, and with ``|`` encoded, so the address
    can neither end the link early nor smuggle in a label of its own."""
    return Markup(f"<{escape_mrkdwn(url.replace('|', '%7C'))}|{escape_mrkdwn(label)}>")


def one_line(text: str) -> str:
    """Collapse line breaks and runs of spaces, for an excerpt on one line."""
    return " ".join(text.split())


def blockquote(text: str) -> Markup:
    """Quote user text line by line; the text is escaped here, the quote markers are not."""
    return Markup("\n".join(f">{escape_mrkdwn(line)}" for line in text.split("\n")))


def truncate_text(text: str, limit: int) -> str:
    """Cut long user text with a visible ellipsis; the full answer stays in the database."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def truncate_mrkdwn(text: str, limit: int) -> str:
    """Cut rendered mrkdwn to ``limit`` with a visible ellipsis, never inside an escape (``&amp;``) or a token
    (``<@U…>``, ``<url|label>``, ``<!date^…>``): half of one would show as raw text or break the message. User text
    is cut before it is escaped (``truncate_text`` in the templates); this is for the rendered whole."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    entity = head.rfind("&", max(0, len(head) - 4))  # &amp; &lt; &gt;: at most four characters before the cut
    if entity != -1 and ";" not in head[entity:]:
        head = head[:entity]
    token = head.rfind("<")
    if token != -1 and ">" not in head[token:]:
        head = head[:token]
    return head.rstrip() + "…"


def unescape_slack(text: str) -> str:
    """Slack sends message text with ``&``, ``<`` and ``>`` escaped; store what the person actually typed.
    NUL is the one character dropped: no person types it, and PostgreSQL text cannot hold it."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("\x00", "")

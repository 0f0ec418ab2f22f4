"""One Jinja2 environment for the bot's text, escaping for Slack mrkdwn rather than HTML.

Slack reads ``&``, ``<`` and ``>`` as control characters (``<!channel>`` broadcasts, ``<url|text>`` links),
so every value put into a template is escaped unless it is explicitly marked safe with ``|safe``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"


def escape_mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _finalize(value: Any) -> Any:
    if isinstance(value, Markup):
        return value
    return escape_mrkdwn(str(value)) if value is not None else ""


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=False,
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["truncate_text"] = truncate_text
    env.filters["blockquote"] = blockquote
    env.filters["user"] = lambda user_id: Markup(f"<@{escape_mrkdwn(user_id)}>")
    return env


def render(template_name: str, **values: Any) -> str:
    return environment().get_template(template_name).render(**values).strip()


def blockquote(text: str) -> Markup:
    """Quote user text line by line; the text is escaped here, the quote markers are not."""
    return Markup("\n".join(f">{escape_mrkdwn(line)}" for line in text.split("\n")))


def truncate_text(text: str, limit: int) -> str:
    """Cut long user text with a visible ellipsis; the full answer stays in the database."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def unescape_slack(text: str) -> str:
    """Slack sends message text with ``&``, ``<`` and ``>`` escaped; store what the person actually typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")

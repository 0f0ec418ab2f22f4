"""Slack canvases on the fake: standalone documents in Slack's Markdown, edited one operation at a time.

As in Slack (and Quip before it), a canvas is a sequence of sections, one per element: a heading, a paragraph,
a quote, a code block, each list item, each table row. Section ids are ephemeral (`temp:C:…`): every edit gives
every section a new one, so an id is good only until the next change. `canvases.sections.lookup` finds
headings by level and text; with text alone it finds any section containing it. `canvases.edit` takes exactly
one change: `replace` without a section replaces the whole document.

A workspace on Slack's free plan may not create a standalone (non-tabbed) canvas or edit one, and a workspace
may have canvases switched off: the fake refuses those as Slack does.
"""

from __future__ import annotations

import html
import secrets
import string
from dataclasses import dataclass, field
from typing import Any


class CanvasRefused(Exception):
    """A change or lookup Slack refuses, with its error code (the workspace answers it as a SlackError)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


HEADING_TYPES = {"#": "h1", "##": "h2", "###": "h3"}
SECTION_TYPES = frozenset({"h1", "h2", "h3", "any_header"})
OPERATIONS = frozenset(
    {"insert_after", "insert_before", "insert_at_start", "insert_at_end", "replace", "delete", "rename"}
)
NEEDS_SECTION = frozenset({"insert_after", "insert_before", "delete"})
ACCESS_LEVELS = frozenset({"read", "write", "owner"})
MAX_MARKDOWN = 1_048_576  # characters of Markdown a canvas holds (Slack documents 1 MiB)
_ID_ALPHABET = string.ascii_uppercase + string.digits


@dataclass
class Section:
    """One element of a canvas: its ephemeral id, its kind (h1, h2, h3, paragraph, quote, code, list, table)
    and its Markdown."""

    id: str
    type: str
    markdown: str

    @property
    def text(self) -> str:
        """What a person reads: the Markdown without its heading, quote or list marker."""
        if self.type in ("h1", "h2", "h3"):
            return self.markdown.lstrip("#").strip()
        return self.markdown


@dataclass
class Canvas:
    id: str
    title: str
    owner: str  # the bot user that created it
    created: float
    sections: list[Section] = field(default_factory=list)
    channel_id: str | None = None  # the channel it is tabbed in, if any
    access: dict[str, str] = field(default_factory=dict)  # channel or user id -> read / write / owner
    edits: int = 0

    @property
    def markdown(self) -> str:
        """The document: sections a blank line apart, items of one list or rows of one table a line apart."""
        text = ""
        for previous, section in zip([None, *self.sections], self.sections, strict=False):
            same_run = previous is not None and previous.type == section.type and section.type in ("list", "table")
            text += ("\n" if same_run else "\n\n" if previous is not None else "") + section.markdown
        return text

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "owner": self.owner,
            "created": self.created,
            "markdown": self.markdown,
            "channel_id": self.channel_id,
            "access": dict(self.access),
            "edits": self.edits,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Canvas:
        canvas = cls(data["id"], data["title"], data["owner"], float(data["created"]))
        canvas.sections = split_sections(data["markdown"])
        canvas.channel_id, canvas.access, canvas.edits = data.get("channel_id"), dict(data["access"]), data["edits"]
        return canvas


def _section_id() -> str:
    return "temp:C:" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(25))


def _kind(block: str) -> str:
    first = block.lstrip()
    marker = first.split(" ", 1)[0]
    if marker in HEADING_TYPES and " " in first:
        return HEADING_TYPES[marker]
    if first.startswith("```"):
        return "code"
    if first.startswith(">"):
        return "quote"
    if first.startswith(("- ", "* ", "- [ ] ", "- [x] ")) or (marker[:-1].isdigit() and marker.endswith(".")):
        return "list"
    if first.startswith("|"):
        return "table"
    return "paragraph"


def split_sections(markdown: str) -> list[Section]:
    """Markdown as Slack's canvas holds it: one section per element (each heading line, list item and table
    row on its own; a paragraph, quote or fenced code block as one)."""
    sections: list[Section] = []
    block: list[str] = []
    fenced = False

    def close() -> None:
        if block and any(line.strip() for line in block):
            text = "\n".join(block).strip("\n")
            sections.append(Section(_section_id(), _kind(text), text))
        block.clear()

    for line in markdown.replace("\r\n", "\n").split("\n"):
        if fenced:
            block.append(line)
            if line.strip().startswith("```"):
                fenced = False
                close()
            continue
        if line.strip().startswith("```"):
            close()
            block.append(line)
            fenced = True
            continue
        kind = _kind(line) if line.strip() else None
        if kind in ("h1", "h2", "h3", "list", "table"):
            close()
            block.append(line)
            close()
        elif kind is None:
            close()
        elif block and _kind(block[0]) != kind:
            close()
            block.append(line)
        else:
            block.append(line)
    close()
    return sections


def document_markdown(content: Any) -> str:
    """The Markdown of a `document_content` argument ({"type": "markdown", "markdown": ...})."""
    is_markdown = isinstance(content, dict) and content.get("type") == "markdown"
    if not is_markdown or not isinstance(content.get("markdown"), str):
        raise CanvasRefused("invalid_arguments")
    return str(content["markdown"])


def lookup(canvas: Canvas, criteria: Any) -> list[str]:
    """The ids of the sections matching `criteria` ({"section_types": [...], "contains_text": "..."})."""
    if not isinstance(criteria, dict):
        raise CanvasRefused("invalid_arguments")
    types, text = criteria.get("section_types"), criteria.get("contains_text")
    if types is None and text is None:
        raise CanvasRefused("invalid_arguments")
    if types is not None and (
        not isinstance(types, list)
        or not 1 <= len(types) <= 3
        or not all(isinstance(kind, str) and kind in SECTION_TYPES for kind in types)
    ):
        raise CanvasRefused("invalid_arguments")
    if text is not None and (not isinstance(text, str) or not text):
        raise CanvasRefused("invalid_arguments")
    wanted = set(types or ())
    if "any_header" in wanted:
        wanted |= {"h1", "h2", "h3"}
    found = []
    for section in canvas.sections:
        if wanted and section.type not in wanted:
            continue
        if text is not None and text.casefold() not in section.text.casefold():
            continue
        found.append(section.id)
    return found


def apply_change(canvas: Canvas, change: Any) -> None:
    """One `canvases.edit` change; then every section gets a new id, as Slack's do after an edit."""
    if not isinstance(change, dict) or change.get("operation") not in OPERATIONS:
        raise CanvasRefused("invalid_arguments")
    operation, section_id = change["operation"], change.get("section_id")
    if operation == "rename":
        canvas.title = document_markdown(change.get("title_content"))
    else:
        if operation in NEEDS_SECTION and not section_id:
            raise CanvasRefused("invalid_arguments")
        at = None
        if section_id is not None:
            at = next((i for i, s in enumerate(canvas.sections) if s.id == section_id), None)
            if at is None:
                raise CanvasRefused("canvas_editing_failed")
        new = [] if operation == "delete" else split_sections(document_markdown(change.get("document_content")))
        if operation == "replace" and at is None:
            canvas.sections = new
        elif operation == "replace" or operation == "delete":
            assert at is not None
            canvas.sections[at : at + 1] = new
        elif operation == "insert_before":
            canvas.sections[at:at] = new
        elif operation == "insert_after":
            assert at is not None
            canvas.sections[at + 1 : at + 1] = new
        elif operation == "insert_at_start":
            canvas.sections[0:0] = new
        else:
            canvas.sections.extend(new)
    for section in canvas.sections:
        section.id = _section_id()
    canvas.edits += 1


def canvas_html(canvas: dict[str, Any]) -> str:
    """A canvas (as `Workspace.canvas` describes it) as a page: headings as headings, the rest as written."""
    parts = [f"<h1 id='canvas-title'>{html.escape(canvas['title'] or 'Untitled')}</h1>"]
    for section in canvas["sections"]:
        text = html.escape(section["markdown"])
        if section["type"] in ("h1", "h2", "h3"):
            level = int(section["type"][1]) + 1
            parts.append(f"<h{level}>{html.escape(section['markdown'].lstrip('#').strip())}</h{level}>")
        else:
            parts.append(f"<p class='{section['type']}'>{text}</p>")
    body = "\n".join(parts)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(canvas['title'] or 'Canvas')}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:48em;margin:2em auto;color:#1d1c1d}"
        "p{white-space:pre-wrap}p.quote{border-left:4px solid #ddd;padding-left:.8em;color:#454245}</style>"
        f"</head><body><article id='canvas'>{body}</article></body></html>"
    )

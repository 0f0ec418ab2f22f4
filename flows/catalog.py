"""The question catalog: which questions a design review asks, in which order.

The catalog is data (a TOML file) validated by pydantic when it loads, so a team can swap in its own
questions without touching code, and a malformed file fails at start-up with a message naming the entry.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Collection, Iterable, Mapping
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from flows.quantities import QuantityKind

CATALOGS = Path(__file__).with_name("catalogs")
DEFAULT_CATALOG_PATH = CATALOGS / "designing-effective-ml-systems.toml"  # version 2, for new designs
# Version 1, which designs started before version 2 keep (it is stored in the database when first used); the
# end-to-end suite walks it too, as a catalog a team configured.
FIRST_CATALOG_PATH = CATALOGS / "designing-effective-ml-systems-v1.toml"

# Slack limits that the catalog's text must fit so any question renders: a button's text is at most
# 75 characters, a static select holds at most 100 options, a section's text at most 3000 characters.
MAX_OPTION_LABEL = 75
MAX_OPTIONS = 100
MAX_PROMPT = 1000
MAX_HELP = 1500
MAX_TITLE = 80
MAX_EXAMPLE = 300

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]


class QuestionKind(StrEnum):
    """How a question is answered: free text, one option, or several options (free text always allowed)."""

    TEXT = "text"
    CHOICE = "choice"
    MULTI = "multi"


class ReadinessArea(StrEnum):
    """Where a question is scored in readiness: the ML Test Score's data, model, infrastructure and monitoring,
    and the problem and value around them. Independent of the area a question is asked in."""

    PROBLEM = "problem"
    DATA = "data"
    MODEL = "model"
    INFRASTRUCTURE = "infrastructure"
    MONITORING = "monitoring"
    VALUE = "value"


class Option(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier
    label: Annotated[str, StringConstraints(min_length=1, max_length=MAX_OPTION_LABEL)]
    # Other words a typed reply may start with to pick this option ("realtime" for "Real-time, in the
    # request path"); the label and its part before the first comma or colon count already.
    aliases: tuple[Annotated[str, StringConstraints(min_length=1, max_length=MAX_OPTION_LABEL)], ...] = ()


class Condition(BaseModel):
    """When a follow-up question applies: an earlier choice question's answer picked any of ``any``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    question: Identifier
    any: tuple[Identifier, ...] = Field(min_length=1)

    def holds(self, chosen: Mapping[str, Collection[str]]) -> bool:
        return not set(self.any).isdisjoint(chosen.get(self.question, ()))


class Question(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier
    # A short name for the summary and the design document, where the full prompt would be too long.
    title: Annotated[str, StringConstraints(min_length=1, max_length=MAX_TITLE)] | None = None
    prompt: Annotated[str, StringConstraints(min_length=1, max_length=MAX_PROMPT)]
    help: Annotated[str, StringConstraints(min_length=1, max_length=MAX_HELP)]
    # A short answer a careful team might give, shown beside "why this matters" so people see the depth wanted.
    example: Annotated[str, StringConstraints(min_length=1, max_length=MAX_EXAMPLE)] | None = None
    kind: QuestionKind = QuestionKind.TEXT
    options: tuple[Option, ...] = ()
    revisit_after_deployment: bool = False
    # What number a reply is read for ("p99 under 150 ms"); the reply's text is kept as written beside it.
    quantity: QuantityKind | None = None
    # Where readiness scores it; catalogs without it are placed by ``flows.readiness``.
    readiness: ReadinessArea | None = None
    # A follow-up: asked only when an earlier answer calls for it, so the walk goes deep only where it applies.
    when: Condition | None = None

    @model_validator(mode="after")
    def _options_match_kind(self) -> Self:
        if self.kind is QuestionKind.TEXT and self.options:
            raise ValueError(f"question {self.id!r} is free text but lists options")
        if self.kind is not QuestionKind.TEXT and len(self.options) < 2:
            raise ValueError(f"question {self.id!r} is a {self.kind} question and needs at least 2 options")
        if len(self.options) > MAX_OPTIONS:
            raise ValueError(f"question {self.id!r} has more than {MAX_OPTIONS} options")
        _require_unique((option.id for option in self.options), f"option id in question {self.id!r}")
        return self

    def option(self, option_id: str) -> Option | None:
        return next((option for option in self.options if option.id == option_id), None)

    @property
    def short_title(self) -> str:
        """The title, or for catalogs without titles the id made readable ("data-exists" → "Data exists")."""
        return self.title or self.id.replace("-", " ").capitalize()

    def labels(self, option_ids: Iterable[str]) -> list[str]:
        """Labels of the given options in the catalog's order; ids no longer listed are left out."""
        wanted = set(option_ids)
        return [option.label for option in self.options if option.id in wanted]


class Area(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier
    title: Annotated[str, StringConstraints(min_length=1, max_length=150)]
    questions: tuple[Question, ...] = Field(min_length=1)


class Catalog(BaseModel):
    """An ordered list of areas, each an ordered list of questions; question ids are unique across areas."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier
    version: Annotated[int, Field(ge=1)]
    title: Annotated[str, StringConstraints(min_length=1, max_length=150)]
    source: str = ""
    areas: tuple[Area, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ids_are_unique(self) -> Self:
        _require_unique((area.id for area in self.areas), "area id")
        _require_unique((question.id for area in self.areas for question in area.questions), "question id")
        asked_before: dict[str, Question] = {}
        for question in (question for area in self.areas for question in area.questions):
            if question.when is not None:
                _require_earlier_choice(question, question.when, asked_before)
            asked_before[question.id] = question
        return self

    @cached_property
    def questions(self) -> tuple[Question, ...]:
        """Every question in walkthrough order."""
        return tuple(question for area in self.areas for question in area.questions)

    @cached_property
    def _index(self) -> dict[str, int]:
        return {question.id: position for position, question in enumerate(self.questions)}

    @cached_property
    def _area_of(self) -> dict[str, Area]:
        return {question.id: area for area in self.areas for question in area.questions}

    def question(self, question_id: str) -> Question:
        return self.questions[self.position(question_id)]

    def position(self, question_id: str) -> int:
        """Zero-based position of a question in walkthrough order; KeyError for an unknown id."""
        return self._index[question_id]

    def area_of(self, question_id: str) -> Area:
        return self._area_of[question_id]

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._index

    @cached_property
    def has_follow_ups(self) -> bool:
        return any(question.when is not None for question in self.questions)

    def applicable(self, chosen: Mapping[str, Collection[str]]) -> tuple[Question, ...]:
        """The questions that apply, in walkthrough order, given each question's current choices: every question
        without a condition, and each follow-up whose condition holds on a question that applies itself."""
        applying: list[Question] = []
        ids: set[str] = set()
        for question in self.questions:
            when = question.when
            if when is None or (when.question in ids and when.holds(chosen)):
                applying.append(question)
                ids.add(question.id)
        return tuple(applying)

    def applies(self, question_id: str, chosen: Mapping[str, Collection[str]]) -> bool:
        """Whether a question applies given the current choices (a follow-up of a follow-up needs both to hold)."""
        when = self.question(question_id).when
        return when is None or (when.holds(chosen) and self.applies(when.question, chosen))

    @cached_property
    def digest(self) -> str:
        """A fingerprint of the questions: one id and version must always mean the same catalog."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class CatalogError(ValueError):
    """The catalog file cannot be used; the message names the file and the bad entry."""


def _require_unique(values: object, what: str) -> None:
    seen: set[str] = set()
    for value in values:  # type: ignore[attr-defined]
        if value in seen:
            raise ValueError(f"duplicate {what}: {value!r}")
        seen.add(value)


def _require_earlier_choice(question: Question, when: Condition, asked_before: Mapping[str, Question]) -> None:
    """A condition reads a choice question asked before the follow-up, by options it has."""
    parent = asked_before.get(when.question)
    if parent is None:
        raise ValueError(f"question {question.id!r} follows up on {when.question!r}, which is not asked before it")
    unknown = [option_id for option_id in when.any if parent.option(option_id) is None]
    if parent.kind is QuestionKind.TEXT or unknown:
        what = "a free-text question" if parent.kind is QuestionKind.TEXT else f"options it doesn't have: {unknown}"
        raise ValueError(f"question {question.id!r} follows up on {when.question!r} by {what}")


def parse_catalog(text: str, *, origin: str = "<catalog>") -> Catalog:
    """Parse and validate catalog TOML, turning any problem into one CatalogError line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise CatalogError(f"{origin}: not valid TOML: {error}") from error
    try:
        return Catalog.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        location = _describe_location(data, first["loc"])
        raise CatalogError(f"{origin}: {location}: {first['msg']}") from error


def load_catalog(path: Path = DEFAULT_CATALOG_PATH) -> Catalog:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CatalogError(f"{path}: cannot read catalog: {error.strerror}") from error
    return parse_catalog(text, origin=str(path))


def _describe_location(data: object, location: tuple[int | str, ...]) -> str:
    """Name the entry by its ids where possible ("areas[data].questions[labels].options"), not only indexes."""
    parts: list[str] = []
    node = data
    for step in location:
        if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
            node = node[step]
            label = node.get("id") if isinstance(node, dict) else None
            parts[-1] = f"{parts[-1]}[{label if isinstance(label, str) else step}]" if parts else str(step)
        elif isinstance(step, str):
            node = node.get(step) if isinstance(node, dict) else None
            parts.append(step)
        else:
            parts.append(str(step))
    return ".".join(parts) or "catalog"

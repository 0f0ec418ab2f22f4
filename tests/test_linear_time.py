"""No text anyone types can make mldesign slow: every regular expression in the code, and every function that reads
user text on its way to an answer, takes time that grows linearly (or less) with the text, up to the longest
message Slack delivers.

A pattern that backtracks super-linearly lets one reply hold the interpreter for seconds, for every workspace the
process serves. Time is not asserted absolutely (machines differ): each check measures how it grows from one
size to the next, so a quadratic or cubic pattern fails whatever the machine, and a linear one passes however
slow the machine is.
"""

from __future__ import annotations

import ast
import functools
import importlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from bot.render.text import blockquote, escape_markdown, markdown_quote, truncate_mrkdwn, unescape_slack
from bot.runtime.logs import Redactor
from flows.assessment import assess
from flows.catalog import FIRST_CATALOG_PATH, QuestionKind, load_catalog
from flows.commands import CommandError, parse_command
from flows.nudges import ReminderError, parse_reminder
from flows.quantities import QuantityKind as Quantity
from flows.quantities import parse, parse_amount
from flows.reading import is_placeholder, says_nothing
from flows.replies import is_discussion, named_question
from flows.walkthrough import match_options

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "flows", "storage", "sandbox")
# Slack cuts a message at 40,000 characters: the longest answer a reply or an edit can carry.
LONGEST_ANSWER = 40_000
SIZES = (156, 625, 2_500, 10_000, LONGEST_ANSWER)  # four times longer each step, 256 times in all
# Linear work gives an exponent of 1 (less while fixed costs dominate), quadratic 2, the old `_NOTHING` 3.
MAX_EXPONENT = 1.5
# A call this slow ends the measurement early (the sizes after it would take minutes if the growth is cubic);
# the exponent of the sizes measured so far decides.
TOO_SLOW_TO_GO_ON = 0.25
REPEATS = 3
LOOP_SECONDS = 0.0005  # each repeat runs the call this long at least, so timer resolution doesn't matter

# Patterns that only ever read the code's own text may be exempted here, with the reason. None need it today.
EXEMPT: dict[str, str] = {}


@dataclass(frozen=True)
class Adversary:
    """Text of any length made of one unit repeated, then a tail: the classic shape that makes a backtracking
    engine try every split of the repeated part before the tail makes the match fail."""

    unit: str
    tail: str = ""

    def text(self, size: int) -> str:
        body = size - len(self.tail)
        return (self.unit * (body // len(self.unit) + 1))[:body] + self.tail


# Characters of every class a pattern may treat differently, and pieces of the syntax the patterns look for.
PIECES = [
    *"-?.!,;:'\"()/\\|<>@#*_~`[]=+&",
    *" \t\n\r\u00a0\u2028",
    *"aZ09_é中🙂",
    *("<@U12", "<@W0AB|", "<!", "every ", "add ", " remove", " and ", "2026-01-01", "1.", "# "),
    *("xoxb-", "xapp-", "xoxe.", "tbd", "none ", "no ", "n/a", "choose:", "http://", "/mldesign"),
]
ADVERSARIES = st.builds(
    Adversary,
    unit=st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join),
    tail=st.lists(st.sampled_from(PIECES), max_size=2).map("".join),
)
# The shapes known to break backtracking engines, always tried first.
KNOWN_EVIL = (
    Adversary("-", "x"),
    Adversary("?", "x"),
    Adversary("-?", "x"),
    Adversary(" ", "x"),
    Adversary("\n", "x"),
    Adversary("\n ", "#"),
    Adversary("<@U12|"),
    Adversary("1"),
    Adversary("a "),
    Adversary("every "),
    Adversary(" add"),
    Adversary("xoxb-", " "),
    Adversary("http://.", "!"),
)


def explicit_examples(test: Callable[..., None]) -> Callable[..., None]:
    for adversary in reversed(KNOWN_EVIL):
        test = example(adversary=adversary)(test)
    return test


growth_settings = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,  # the same strings on every run: a failure is reproducible, never a fluke of the draw
    phases=[Phase.explicit, Phase.generate],  # no shrinking: each attempt at a slow input costs seconds
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def seconds_per_call(call: Callable[[str], object], text: str) -> float:
    """The best of a few timed runs of ``call(text)``, each long enough for the clock to resolve."""
    started = time.perf_counter()
    call(text)
    once = time.perf_counter() - started
    if once > TOO_SLOW_TO_GO_ON:
        return once
    loops = max(1, int(LOOP_SECONDS / max(once, 1e-7)))
    best = math.inf
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(loops):
            call(text)
        best = min(best, (time.perf_counter() - started) / loops)
    return best


def growth_exponent(call: Callable[[str], object], adversary: Adversary) -> tuple[float, list[tuple[int, float]]]:
    """How the time of ``call`` grows with the adversary's length: the exponent k in time ∝ lengthᵏ, from the
    first size to the last one measured."""
    points: list[tuple[int, float]] = []
    for size in SIZES:
        seconds = seconds_per_call(call, adversary.text(size))
        points.append((size, seconds))
        if seconds > TOO_SLOW_TO_GO_ON:
            break
    (first_size, first_time), (last_size, last_time) = points[0], points[-1]
    if last_size == first_size:  # the smallest size was already far too slow
        return math.inf, points
    return math.log(max(last_time, 1e-9) / max(first_time, 1e-9)) / math.log(last_size / first_size), points


def assert_linear(call: Callable[[str], object], adversary: Adversary) -> None:
    exponent, points = growth_exponent(call, adversary)
    measured = ", ".join(f"{size:,} chars {seconds * 1e6:,.0f} µs" for size, seconds in points)
    assert exponent <= MAX_EXPONENT, f"time grows as length^{exponent:.1f} on {adversary!r}: {measured}"


# --- every regular expression in the code ----------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    module: str
    name: str | None  # the module constant it is compiled into; None for a call that compiles it on the spot
    line: int


def regular_expressions() -> list[Found]:
    """Every use of the ``re`` module's functions in the packages, read from the source."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            tree = ast.parse(path.read_text(), filename=str(path))
            constants = {
                id(node.value): node.targets[0].id
                for node in tree.body
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
            }
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "re"
                    and node.func.attr not in ("escape", "error", "Match", "Pattern")
                ):
                    name = constants.get(id(node)) if node.func.attr == "compile" else None
                    found.append(Found(module, name, node.lineno))
    return found


PATTERNS = [found for found in regular_expressions() if found.name is not None]


def test_every_regular_expression_is_a_module_constant_this_test_reaches():
    """A pattern compiled on the spot inside a function is out of this test's reach: compile it once, as a
    module constant, and it is checked below like every other."""
    inline = [f"{found.module}:{found.line}" for found in regular_expressions() if found.name is None]
    assert inline == []
    assert len(PATTERNS) >= 15  # the scan sees the code (a broken scan would pass everything)
    assert not set(EXEMPT) - {f"{found.module}.{found.name}" for found in PATTERNS}, "an exemption names no pattern"


def _uses(pattern: re.Pattern[str]) -> list[Callable[[str], object]]:
    """Every way the code may apply a pattern to text."""
    return [
        pattern.match,
        pattern.search,
        pattern.fullmatch,
        pattern.findall,
        pattern.split,
        lambda text: pattern.sub(lambda _: "", text),
    ]


@pytest.mark.parametrize(
    "found",
    [found for found in PATTERNS if f"{found.module}.{found.name}" not in EXEMPT],
    ids=lambda found: f"{found.module}.{found.name}",
)
@growth_settings
@given(adversary=ADVERSARIES)
@explicit_examples
def test_every_pattern_takes_linear_time_on_any_text(found, adversary):
    pattern = getattr(importlib.import_module(found.module), found.name)
    assert isinstance(pattern, re.Pattern)
    for use in _uses(pattern):
        assert_linear(use, adversary)


# --- every function that reads user text on the way to an answer --------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """An answer as the review reads it."""

    text: str
    status: str = "answered"
    choices: tuple[str, ...] = ()


CATALOG = load_catalog()
FIRST = load_catalog(FIRST_CATALOG_PATH)
MULTI = next(question for question in CATALOG.questions if question.kind is QuestionKind.MULTI)
CHOICE = next(question for question in CATALOG.questions if question.kind is QuestionKind.CHOICE)
REDACTOR = Redactor(["gate-signing-secret-0123456789abcdef"])


def _command(verb: str) -> Callable[[str], object]:
    def parse(text: str) -> object:
        try:
            return parse_command(f"{verb} {text}")
        except CommandError as error:
            return error

    return parse


def _reminder(text: str) -> object:
    try:
        return parse_reminder(text)
    except ReminderError as error:
        return error


READERS: dict[str, Callable[[str], object]] = {
    # the review, readiness and brief behind `/mldesign status`, the summary, Home and the export
    "assess": lambda text: assess(CATALOG, {question.id: Typed(text) for question in CATALOG.questions}),
    # version 1's rules read words: each term, and the negations before it, clause by clause
    "assess v1": lambda text: assess(FIRST, {question.id: Typed(text) for question in FIRST.questions}),
    "says_nothing": says_nothing,
    "is_placeholder": is_placeholder,
    # a reply to a question that asks for a number
    **{f"quantity {kind}": functools.partial(parse, kind) for kind in Quantity},
    "measured value": parse_amount,
    # a reply read as a choice, on the acknowledgement path
    "match_options multi": lambda text: match_options(MULTI, text),
    "match_options choice": lambda text: match_options(CHOICE, text),
    # every thread reply: discussion or an answer, and after the end the question it names
    "is_discussion": is_discussion,
    "named_question": lambda text: named_question(text, 31),
    # `/mldesign …` on the acknowledgement path
    **{f"command {verb}": _command(verb) for verb in ("start", "deployed", "remind", "owners", "frobnicate")},
    "parse_reminder": _reminder,
    # what the bot writes back: Slack text, the Markdown document, the log's masking
    "unescape_slack": unescape_slack,
    "blockquote": blockquote,
    "escape_markdown": escape_markdown,
    "markdown_quote": markdown_quote,
    "truncate_mrkdwn": lambda text: truncate_mrkdwn(text, 3_000),
    "redact": REDACTOR.redact,
}


@pytest.mark.parametrize("reader", READERS, ids=str)
@growth_settings
@given(adversary=ADVERSARIES)
@explicit_examples
def test_reading_any_answer_or_command_takes_linear_time(reader, adversary):
    assert_linear(READERS[reader], adversary)


# The review's old test for answers that say nothing: ``\W*`` and ``-+`` both take dashes, so a line of dashes
# that doesn't end as expected was split every possible way (cubic time; 1,500 dashes held a process 13 s).
OLD_NOTHING = re.compile(
    r"^\W*(?:(?:tbd|tba|todo|unknown|idk|don'?t know|not sure|-+|\?+)\W*$"
    r"|(?:none|nothing|no|nope|n/?a|not (?:yet|planned|decided))\b)",
    re.IGNORECASE,
)


@pytest.mark.parametrize(
    ("pattern", "fails"),
    [
        pytest.param(OLD_NOTHING, True, id="the-old-nothing-pattern-fails"),
        pytest.param(re.compile(r"-*-*$"), True, id="a-quadratic-pattern-fails"),
        pytest.param(re.compile(r"-+x"), False, id="a-linear-pattern-passes"),
    ],
)
def test_the_measure_tells_backtracking_from_linear_patterns(pattern, fails):
    exponent, _ = growth_exponent(pattern.match, Adversary("-", "x"))
    assert (exponent > MAX_EXPONENT) is fails

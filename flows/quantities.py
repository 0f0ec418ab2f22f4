"""Numbers in ordinary replies: a latency target, a load, a delay, a success target.

Rules compare numbers ("the refresh comes before the labels do"), so the questions that ask for a quantity read
one out of the reply, and the bot shows what it read so a person can correct it. A reply without a number it can
read is kept as text; nothing here guesses.

Each parser reads at most ``QUANTITY_READS`` characters, with patterns that have no nested repetition, so a long or
hostile reply costs the acknowledgement little.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

QUANTITY_READS = 500


class QuantityKind(StrEnum):
    """What a question's answer measures: the unit its value is kept in."""

    LATENCY = "latency"  # milliseconds, with the percentile when one is named
    RATE = "rate"  # requests (or events) per second
    DURATION = "duration"  # days
    CHANGE = "change"  # a metric moving from a baseline to a target


@dataclass(frozen=True)
class Latency:
    milliseconds: float
    percentile: float | None = None

    def describe(self) -> str:
        where = f"p{_number(self.percentile)} " if self.percentile is not None else ""
        if self.milliseconds >= 1000:
            return f"{where}{_number(self.milliseconds / 1000)} s"
        return f"{where}{_number(self.milliseconds)} ms"


@dataclass(frozen=True)
class Rate:
    per_second: float

    def describe(self) -> str:
        if self.per_second >= 1:
            return f"{_number(self.per_second)} requests/s"
        per_minute = self.per_second * 60
        if per_minute >= 1:
            return f"{_number(per_minute)} requests/min"
        return f"{_number(self.per_second * 86_400)} requests/day"


@dataclass(frozen=True)
class Duration:
    days: float

    def describe(self) -> str:
        for unit, size in (("year", 365.0), ("month", 30.0), ("week", 7.0), ("day", 1.0)):
            if self.days >= size and (self.days / size) == round(self.days / size, 1):
                count = self.days / size
                return f"{_number(count)} {unit}{'' if count == 1 else 's'}"
        hours = self.days * 24
        if hours >= 1:
            return f"{_number(hours)} hour{'' if hours == 1 else 's'}"
        minutes = hours * 60
        return f"{_number(minutes)} minute{'' if minutes == 1 else 's'}"


@dataclass(frozen=True)
class Amount:
    """One side of a change: a number with the unit the team wrote ("3 days", "5%", "$40k")."""

    value: float
    unit: str  # "days", "%", "" …; durations are kept in days so both sides compare

    def describe(self) -> str:
        if self.unit == "days":
            return Duration(self.value).describe()
        if self.unit == "%":
            return f"{_number(self.value)}%"
        figure = f"{self.value:,.2f}".rstrip("0").rstrip(".")  # 40,000: a count or money, as people write it
        if self.unit in _CURRENCIES:
            return f"{self.unit}{figure}"
        return f"{figure} {self.unit}".strip()


@dataclass(frozen=True)
class Change:
    """A success target: what is measured, where it stands, and where it should get to."""

    metric: str
    baseline: Amount
    target: Amount

    def describe(self) -> str:
        return f"{self.metric}: {self.baseline.describe()} → {self.target.describe()}"

    @property
    def lower_is_better(self) -> bool:
        return self.target.value < self.baseline.value


Quantity = Latency | Rate | Duration | Change

# "3,000" before "1.5" or "1,5". Never starting inside a figure keeps a search linear on a run of digits.
_FIGURE = r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:[.,]\d+)?)"
_NUMBER = rf"({_FIGURE})\s*(k|m)?"  # "150", "1.5", "3k", "2 m" (a thousand, a million)
_SCALE = {"": 1.0, "k": 1_000.0, "m": 1_000_000.0}

_PERCENTILE = re.compile(r"\bp\s?(\d{1,2}(?:\.\d+)?)\b|\b(\d{1,2}(?:\.\d+)?)(?:th|st|nd|rd)?\s*percentile\b", re.I)
_LATENCY = re.compile(rf"({_FIGURE})\s*(ms|msec|millis(?:econds?)?|milliseconds?|s|secs?|seconds?)\b", re.I)
_RATE = re.compile(
    _NUMBER + r"\s*(?:requests?|req|reqs|calls?|events?|predictions?|queries|messages?|rows?|transactions?|users?)?"
    r"\s*(?:/|per|an?|each)\s*(second|sec|s|minute|min|m|hour|hr|h|day|d)\b"
    r"|" + _NUMBER + r"\s*(rps|qps|tps|rpm|rph)\b",
    re.I,
)
_DURATION = re.compile(
    r"\b(\d+(?:[.,]\d+)?|an?|one|two|three|four|five|six|ten|twelve)(?:\s*(?:-|to|\u2013)\s*(\d+(?:[.,]\d+)?))?\s*"
    r"(minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|wks?|w|months?|mos?|quarters?|years?|yrs?)\b",
    re.I,
)
_INSTANT = re.compile(r"\b(?:immediately|instantly|real[- ]?time|at once|right away|same request)\b", re.I)
_NEVER = re.compile(r"\bnever\b", re.I)
_CHANGE = re.compile(r"^(.*?)\bfrom\s+(.+?)\s+(?:to|down to|up to|→|->)\s+(.+?)\s*(?:[.;,](?=\s|$)|$)", re.I)
_LEADING_VERB = re.compile(r"^(?:reduce|cut|increase|improve|raise|lower|bring|get|move|grow|shrink)\s+", re.I)
# "k"/"m" scale a figure only as a word's end ("3k", "2 m users"): "250 ms" is milliseconds, not millions of seconds.
_AMOUNT = re.compile(rf"([$€£])?\s?({_FIGURE})\s*(?:(k|m)(?![a-z]))?\s*(%|percent\b)?\s*([a-zA-Z]*)", re.I)

_CURRENCIES = "$€£"
_NOT_A_UNIT = frozenset({"a", "an", "per", "each", "every", "the", "and", "or", "to", "in", "on", "since", "after"})
# A figure that is a value, not part of a name ("p99", "Q3") nor a label before a colon ("week 3: 150 a day").
_MEASURED_FIGURE = re.compile(rf"(?<![A-Za-z]){_FIGURE}(?!\s*:)")
_WORD_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "ten": 10}
_WORD_NUMBERS["twelve"] = 12
_DAYS_PER = {
    **dict.fromkeys(("minute", "minutes", "min", "mins"), 1 / 1440),
    **dict.fromkeys(("hour", "hours", "hr", "hrs", "h"), 1 / 24),
    **dict.fromkeys(("day", "days", "d"), 1.0),
    **dict.fromkeys(("week", "weeks", "wk", "wks", "w"), 7.0),
    **dict.fromkeys(("month", "months", "mo", "mos"), 30.0),
    **dict.fromkeys(("quarter", "quarters"), 91.0),
    **dict.fromkeys(("year", "years", "yr", "yrs"), 365.0),
}
_SECONDS_PER = {
    **dict.fromkeys(("second", "sec", "s"), 1.0),
    **dict.fromkeys(("minute", "min", "m"), 60.0),
    **dict.fromkeys(("hour", "hr", "h"), 3_600.0),
    **dict.fromkeys(("day", "d"), 86_400.0),
}
_RATE_SUFFIX = {"rps": 1.0, "qps": 1.0, "tps": 1.0, "rpm": 60.0, "rph": 3_600.0}


# How to say each kind so that it reads: shown when a reply had no number in it.
EXAMPLES = {
    QuantityKind.LATENCY: "p99 under 150 ms",
    QuantityKind.RATE: "about 50 requests/s at peak",
    QuantityKind.DURATION: "about 3 weeks",
    QuantityKind.CHANGE: "triage time from 3 days to 1 hour",
}


def parse(kind: QuantityKind, text: str) -> Quantity | None:
    """The quantity a reply states, or None when it names none that can be read with confidence."""
    head = text[:QUANTITY_READS]
    match kind:
        case QuantityKind.LATENCY:
            return parse_latency(head)
        case QuantityKind.RATE:
            return parse_rate(head)
        case QuantityKind.DURATION:
            return parse_duration(head)
        case QuantityKind.CHANGE:
            return parse_change(head)


def parse_latency(text: str) -> Latency | None:
    """ "p99 under 150 ms", "2s", "150 milliseconds at the 95th percentile"; the largest figure named is the
    budget (a reply that names p50 and p99 is held to the tighter promise it makes at the tail)."""
    found = [
        (_to_float(value) * (1.0 if unit.casefold().startswith("m") else 1000.0))
        for value, unit in _LATENCY.findall(text[:QUANTITY_READS])
    ]
    if not found:
        return None
    percentiles = [float(a or b) for a, b in _PERCENTILE.findall(text[:QUANTITY_READS])]
    return Latency(milliseconds=max(found), percentile=max(percentiles) if percentiles else None)


def parse_rate(text: str) -> Rate | None:
    """ "~50 rps", "3k/min", "200 requests per second", "1M predictions a day": the peak is the largest named."""
    rates = []
    for value, scale, per, suffix_value, suffix_scale, suffix in _RATE.findall(text[:QUANTITY_READS]):
        if suffix:
            number = _to_float(suffix_value) * _SCALE[suffix_scale.casefold()]
            rates.append(number / _RATE_SUFFIX[suffix.casefold()])
        else:
            number = _to_float(value) * _SCALE[scale.casefold()]
            rates.append(number / _SECONDS_PER[per.casefold()])
    return Rate(per_second=max(rates)) if rates else None


def parse_duration(text: str) -> Duration | None:
    """ "about 3 weeks", "2-3 days" (the longer end), "a month", "48h", "immediately"; "never" is no duration."""
    head = text[:QUANTITY_READS]
    spans = []
    for low, high, unit in _DURATION.findall(head):
        number = _to_float(high) if high else _word_or_number(low)
        if number is not None:
            spans.append(number * _DAYS_PER[unit.casefold()])
    if spans:
        return Duration(days=max(spans))
    if _INSTANT.search(head) and not _NEVER.search(head):
        return Duration(days=0.0)
    return None


def parse_change(text: str) -> Change | None:
    """ "triage time from 3 days to 1 hour", "churn from 5% to 4%": a metric, its baseline and its target."""
    head = " ".join(text[:QUANTITY_READS].split())
    found = _CHANGE.search(head)
    if found is None:
        return None
    metric = _LEADING_VERB.sub("", found.group(1).strip(" :,-"))
    baseline, target = _amount(found.group(2)), _amount(found.group(3))
    if baseline is None or target is None or not metric:
        return None
    if (baseline.unit == "days") != (target.unit == "days"):
        return None
    return Change(metric=metric[:80], baseline=baseline, target=target)


def _amount(text: str) -> Amount | None:
    duration = _DURATION.match(text.strip())
    if duration is not None:
        low, high, unit = duration.groups()
        number = _to_float(high) if high else _word_or_number(low)
        return Amount(number * _DAYS_PER[unit.casefold()], "days") if number is not None else None
    found = _AMOUNT.match(text.strip())
    if found is None:
        return None
    currency, value, scale, percent, unit = found.groups()
    number = _to_float(value) * _SCALE[(scale or "").casefold()]
    if percent:
        return Amount(number, "%")
    if currency:
        return Amount(number, currency)
    unit = (unit or "").casefold()
    return Amount(number, "" if unit in _NOT_A_UNIT else unit)  # "10k a month": the "a" names no unit


def parse_amount(text: str) -> Amount | None:
    """A value measured after launch ("about 5 h", "12%", "down to $8k a month"): the first figure and its unit."""
    head = text[:QUANTITY_READS]
    found = _MEASURED_FIGURE.search(head)
    if found is None:
        return None
    start = found.start() - (1 if found.start() and head[found.start() - 1] in _CURRENCIES else 0)
    return _amount(head[start : start + 80])


def _word_or_number(text: str) -> float | None:
    word = text.casefold()
    if word in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[word])
    return _to_float(text)


def _to_float(text: str) -> float:
    """ "1.5" and "1,5" are one and a half; "3,000" is three thousand."""
    if _THOUSANDS.fullmatch(text):
        return float(text.replace(",", ""))
    return float(text.replace(",", "."))


_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+")


def _number(value: float) -> str:
    """A figure as people write it: 150, 1.5, 2.25 (no trailing zeros)."""
    return f"{value:.2f}".rstrip("0").rstrip(".")

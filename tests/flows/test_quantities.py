from __future__ import annotations

import pytest

from flows.quantities import (
    QUANTITY_READS,
    Amount,
    Change,
    Duration,
    Latency,
    QuantityKind,
    Rate,
    parse,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("p99 under 150 ms", Latency(150, 99)),
        ("2s", Latency(2000)),
        ("150 milliseconds at the 95th percentile", Latency(150, 95)),
        ("p50 40ms, p99 200ms", Latency(200, 99)),
        ("Under 1.5 seconds end to end", Latency(1500)),
        ("p95 < 80 msec", Latency(80, 95)),
        ("as fast as possible", None),
        ("under 200", None),  # no unit: asked for the number
        ("3 services behind one gateway", None),
    ],
)
def test_latency_targets_are_read_from_ordinary_replies(text, expected):
    assert parse(QuantityKind.LATENCY, text) == expected


@pytest.mark.parametrize(
    ("text", "per_second"),
    [
        ("~50 rps", 50),
        ("3k/min", 50),
        ("200 requests per second at peak, 20 on average", 200),
        ("1M predictions a day", 1_000_000 / 86_400),
        ("10 qps", 10),
        ("about 3,000 requests per minute", 50),
        ("120 rpm", 2),
        ("a handful of analysts", None),
        ("2 m per hour", 2_000_000 / 3_600),
    ],
)
def test_peak_load_is_read_as_requests_per_second(text, per_second):
    parsed = parse(QuantityKind.RATE, text)
    if per_second is None:
        assert parsed is None
    else:
        assert isinstance(parsed, Rate)
        assert parsed.per_second == pytest.approx(per_second)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("about 3 weeks", 21),
        ("2-3 days", 3),
        ("a month", 30),
        ("48h", 2),
        ("within 30 minutes", 30 / 1440),
        ("Immediately, when the user clicks", 0),
        ("one quarter", 91),
        ("never: we only see complaints", None),
        ("it depends", None),
        ("Panda", None),
    ],
)
def test_delays_are_read_as_days(text, days):
    parsed = parse(QuantityKind.DURATION, text)
    if days is None:
        assert parsed is None
    else:
        assert isinstance(parsed, Duration)
        assert parsed.days == pytest.approx(days)


def test_a_success_target_keeps_the_metric_the_baseline_and_the_goal():
    parsed = parse(QuantityKind.CHANGE, "Cut triage time from 3 days to 1 hour.")
    assert parsed == Change("triage time", Amount(3, "days"), Amount(1 / 24, "days"))
    assert parsed.describe() == "triage time: 3 days → 1 hour"
    assert parsed.lower_is_better


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("churn from 5% to 4% within a year", Change("churn", Amount(5, "%"), Amount(4, "%"))),
        ("Increase conversion from 2.1% to 2.5%", Change("conversion", Amount(2.1, "%"), Amount(2.5, "%"))),
        ("fraud losses from $40k to $25k a month", Change("fraud losses", Amount(40_000, "$"), Amount(25_000, "$"))),
        ("make support better", None),
        ("from 3 days to 20%", None),  # the two sides don't measure the same thing
    ],
)
def test_success_targets_read_both_sides_in_the_same_unit(text, expected):
    assert parse(QuantityKind.CHANGE, text) == expected


@pytest.mark.parametrize(
    ("quantity", "shown"),
    [
        (Latency(150, 99), "p99 150 ms"),
        (Latency(2000), "2 s"),
        (Rate(50), "50 requests/s"),
        (Rate(0.5), "30 requests/min"),
        (Duration(21), "3 weeks"),
        (Duration(2), "2 days"),
        (Duration(1 / 24), "1 hour"),
        (Duration(30), "1 month"),
    ],
)
def test_what_was_read_is_shown_back_in_plain_units(quantity, shown):
    assert quantity.describe() == shown


@pytest.mark.parametrize("kind", list(QuantityKind))
def test_only_the_opening_of_a_long_reply_is_read(kind):
    """What a reply costs is bounded by ``QUANTITY_READS`` (each pattern has no nested repetition: a 500-character
    worst case reads in under a millisecond), so a figure past the opening is not seen."""
    padding = "from " * 200 + "1 " * 200
    assert parse(kind, padding) is None
    late = {"latency": "150 ms", "rate": "50 rps", "duration": "3 weeks", "change": "churn from 5% to 4%"}[kind]
    assert parse(kind, late) is not None
    assert parse(kind, "x" * QUANTITY_READS + " " + late) is None

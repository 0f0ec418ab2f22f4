"""The success target after launch: the measured value beside the baseline and the target, in the team's metric."""

from __future__ import annotations

import pytest

from flows.outcome import outcome
from flows.quantities import parse_amount


@pytest.mark.parametrize(
    ("target", "measured", "shown"),
    [
        (
            "Cut triage time from 3 days to 1 hour.",
            "About 5 h now",
            "triage time: 3 days → 5 hours since launch (target 1 hour)",
        ),
        (
            "triage time from 3 days to 1 hour",
            "45 minutes",
            "triage time: 3 days → 45 minutes since launch (target met)",
        ),
        ("Churn from 5% to 4%", "4.6%", "Churn: 5% → 4.6% since launch (target 4%)"),
        (
            "Chargebacks from $40k to $10k a month",
            "down to $8k",
            "Chargebacks: $40,000 → $8,000 since launch (target met)",
        ),
        ("Conversion from 2% to 3%", "3.2%", "Conversion: 2% → 3.2% since launch (target met)"),
        (
            "triage time from 3 days to 1 hour",
            "much better",
            "triage time: 3 days → “much better” since launch (target 1 hour)",
        ),
        ("triage time from 3 days to 1 hour", "12%", "triage time: 3 days → “12%” since launch (target 1 hour)"),
        ("accuracy from 80% to 90%", "120 ms", "accuracy: 80% → “120 ms” since launch (target 90%)"),
        ("cost from $10k to $8k", "7%", "cost: $10,000 → “7%” since launch (target $8,000)"),
        ("revenue from $1M to $2M", "€3M", "revenue: $1,000,000 → “€3M” since launch (target $2,000,000)"),
        ("latency from 800 ms to 200 ms", "p99 is 250 ms", "latency: 800 ms → 250 ms since launch (target 200 ms)"),
    ],
)
def test_a_measured_value_is_shown_against_the_baseline_and_the_target(target, measured, shown):
    found = outcome(target, measured)
    assert found is not None and found.describe() == shown


def test_no_outcome_without_a_readable_target_or_a_measurement():
    assert outcome("Happier analysts", "5 h") is None
    assert outcome("triage time from 3 days to 1 hour", "  ") is None


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("about 5 hours since launch", "5 hours"),
        ("We are at 22k a month now", "22,000"),
        ("12%", "12%"),
        ("no idea", None),
        ("250 ms", "250 ms"),
        ("week 3: 150 a day", "150"),
        ("p99 is 250 ms", "250 ms"),
    ],
)
def test_a_measured_value_is_the_first_figure_with_its_unit(text, shown):
    found = parse_amount(text)
    assert (found.describe() if found else None) == shown

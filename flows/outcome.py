"""What the success target came to after launch: the value the team measured, beside its baseline and its target, so
the summary and the plain-language paragraph can say "triage time: 3 days → 5 hours since launch (target 1 hour)".

The target is the answer to the success-target question (``flows.quantities.parse_change``); the measured value is
what the team recorded when its revisit came (``flows.quantities.parse_amount``). A value in another unit than the
baseline is kept as the team wrote it, never converted by guesswork.
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.quantities import Amount, Change, parse_amount, parse_change


@dataclass(frozen=True)
class Outcome:
    target: Change
    measured: Amount | None  # None: the words recorded name no number in the baseline's unit
    measured_text: str

    @property
    def met(self) -> bool:
        if self.measured is None:
            return False
        if self.target.lower_is_better:
            return self.measured.value <= self.target.target.value
        return self.measured.value >= self.target.target.value

    def describe(self) -> str:
        """One line, in the team's own metric: where it started, where it is now, where it should get to."""
        now = self.measured.describe() if self.measured is not None else f"“{self.measured_text}”"
        goal = "target met" if self.met else f"target {self.target.target.describe()}"
        return f"{self.target.metric}: {self.target.baseline.describe()} → {now} since launch ({goal})"


def outcome(target_text: str, measured_text: str) -> Outcome | None:
    """The outcome a recorded measurement shows against the design's target; None without a readable target."""
    target = parse_change(target_text)
    if target is None or not measured_text.strip():
        return None
    measured = parse_amount(measured_text)
    if measured is not None and measured.unit != target.baseline.unit:
        measured = None  # "120 ms" against a target in %: shown as written, never compared
    return Outcome(target=target, measured=measured, measured_text=" ".join(measured_text.split())[:120])

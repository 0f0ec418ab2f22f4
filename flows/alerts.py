"""Production signals that reopen decisions: what an Alertmanager (or Grafana) webhook delivery says, and which of a
design's decisions each alert puts in doubt.

Alertmanager's webhook (version 4) sends a group of alerts, each firing or resolved; it resends a group on every
``repeat_interval`` and after a restart, so an alert is known by its fingerprint and start, not by the delivery.
Grafana's alerting webhook sends the same shape with ``version`` "1" and a few fields more.

A label ``mldesign_question`` names the decisions an alert bears on (ids, comma-separated). Without it, a drift or
model-performance alert reopens the refresh, monitoring and feedback-loop decisions (the article's "deficits that go
easily unnoticed"), and any other alert the monitoring decision alone: it fired, so is the monitoring still right?
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

QUESTION_LABEL = "mldesign_question"
MAX_ALERTS = 1000  # per delivery: Alertmanager sends a whole group unless its receiver sets max_alerts
MAX_SUMMARY = 500
MAX_NAME = 200
MAX_URL = 2000
ZERO_TIME_YEAR = 1  # Alertmanager's "no end yet": 0001-01-01T00:00:00Z
EARLIEST_START, LATEST_START = 2000, 2999

# The decisions a drift or performance alert reopens, by their ids in either catalog version; a catalog without one
# of them simply has fewer to reopen.
DRIFT_QUESTIONS = ("refresh-cadence", "monitoring", "refresh-monitoring", "feedback-loop")
MONITORING_QUESTIONS = ("monitoring", "refresh-monitoring")
_DRIFT_WORDS = re.compile(
    r"drift|skew|distribution|psi\b|kl[-_ ]?div|staleness|stale|accuracy|precision|recall|auc|f1|rmse|mape|"
    r"calibration|performance|quality|degrad|decay|error[-_ ]?rate|loss",
    re.IGNORECASE,
)


def _without_nul(value: object) -> object:
    """NUL is no character an alert means, and PostgreSQL can't store it: dropped wherever it comes."""
    return value.replace("\x00", "") if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_without_nul)]
LabelName = Annotated[Text, StringConstraints(max_length=200)]
LabelValue = Annotated[Text, StringConstraints(max_length=10_000)]


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class Alert(BaseModel):
    """One alert of a delivery, as Alertmanager and Grafana send it (fields we don't read are ignored)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: AlertStatus
    labels: dict[LabelName, LabelValue] = Field(default_factory=dict, max_length=200)
    annotations: dict[LabelName, LabelValue] = Field(default_factory=dict, max_length=200)
    starts_at: AwareDatetime = Field(alias="startsAt")
    ends_at: AwareDatetime | None = Field(default=None, alias="endsAt")
    generator_url: Text = Field(default="", alias="generatorURL", max_length=10_000)
    fingerprint: Text = Field(default="", max_length=64)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _in_utc(cls, moment: datetime | None) -> datetime | None:
        """Times kept in UTC; one that can't be (year 9999 west of Greenwich) is no time an alert has."""
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValueError("out of range") from None

    @field_validator("starts_at")
    @classmethod
    def _a_real_start(cls, moment: datetime) -> datetime:
        if not EARLIEST_START <= moment.year <= LATEST_START:
            raise ValueError(f"must be between the years {EARLIEST_START} and {LATEST_START}")
        return moment

    @property
    def name(self) -> str:
        return " ".join(self.labels.get("alertname", "").split())[:MAX_NAME] or "An alert"

    @property
    def summary(self) -> str:
        """What the alert says happened: its summary, else its description, else nothing."""
        text = self.annotations.get("summary") or self.annotations.get("description") or ""
        return " ".join(text.split())[:MAX_SUMMARY]

    @property
    def key(self) -> str:
        """The alert's identity: Alertmanager's fingerprint (a hash of its labels), or the same idea computed here for
        a sender that gives none."""
        if self.fingerprint:
            return self.fingerprint
        labels = "\x00".join(f"{name}\x01{value}" for name, value in sorted(self.labels.items()))
        return hashlib.sha256(labels.encode()).hexdigest()[:16]

    @property
    def ended_at(self) -> datetime | None:
        """When a resolved alert ended; None for Alertmanager's zero time."""
        if self.ends_at is None or self.ends_at.year <= ZERO_TIME_YEAR:
            return None
        return self.ends_at

    @property
    def link(self) -> str:
        """The alert's source (``generatorURL``), if it is a web address a person can open."""
        url = self.generator_url.strip()
        return url if url.startswith(("https://", "http://")) and len(url) <= MAX_URL else ""


class Delivery(BaseModel):
    """A webhook delivery: Alertmanager's version 4, or Grafana's version 1 of the same shape."""

    model_config = ConfigDict(extra="ignore")

    version: Literal["4", "1"]
    status: AlertStatus
    alerts: list[Alert] = Field(min_length=1, max_length=MAX_ALERTS)


class AlertKind(StrEnum):
    DRIFT = "drift"  # data drift or model performance: the model may need refreshing
    OTHER = "other"


def kind_of(alert: Alert) -> AlertKind:
    """Whether an alert is about drift or model performance, from its name, labels and summary."""
    said = " ".join([*alert.labels.values(), alert.summary])
    return AlertKind.DRIFT if _DRIFT_WORDS.search(said) else AlertKind.OTHER


@dataclass(frozen=True)
class Bearing:
    """The decisions an alert reopens, and the ids its label named that the design has no revisit for."""

    questions: tuple[str, ...]
    unknown: tuple[str, ...] = ()


def bearing(alert: Alert, revisited: Sequence[str]) -> Bearing:
    """Which of a design's revisited decisions (``revisited``, in catalog order) an alert reopens: those its
    ``mldesign_question`` label names, or the default mapping when it names none the design revisits."""
    named = [part.strip() for part in alert.labels.get(QUESTION_LABEL, "").split(",") if part.strip()]
    unknown = tuple(dict.fromkeys(name for name in named if name not in revisited))
    chosen = [question for question in revisited if question in named]
    if not chosen:
        defaults: Collection[str] = DRIFT_QUESTIONS if kind_of(alert) is AlertKind.DRIFT else MONITORING_QUESTIONS
        chosen = [question for question in revisited if question in defaults]
    return Bearing(tuple(chosen), unknown)

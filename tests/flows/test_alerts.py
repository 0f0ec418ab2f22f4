"""Reading monitoring's deliveries and deciding which decisions an alert reopens."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from flows.alerts import Alert, AlertKind, Delivery, bearing, kind_of
from sandbox.alerts import SAMPLE_LABELS, sample_delivery

V1 = ["feedback-loop", "outcome-delay", "refresh-cadence", "refresh-monitoring", "system-data-pipelines"]
V2 = ["success-target", "feedback-loop", "system-data-pipelines", "outcome-delay", "refresh-cadence", "monitoring"]
STARTED = datetime(2026, 12, 7, 9, 30, tzinfo=UTC).timestamp()
ZERO = "0001-01-01T00:00:00Z"


def alert(**labels: str) -> Alert:
    return Alert.model_validate({"status": "firing", "labels": labels, "startsAt": "2026-12-07T09:30:00Z"})


def test_alertmanagers_version_4_delivery_is_read_with_its_alerts_identity_and_times():
    delivery = Delivery.model_validate(sample_delivery(status="resolved", starts_at=STARTED, ends_at=STARTED + 600))
    (only,) = delivery.alerts
    assert (only.name, only.key) == ("PredictionDriftHigh", "5c9a1f0e7b3d2a64")
    assert only.starts_at == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    assert only.ended_at == datetime(2026, 12, 7, 9, 40, tzinfo=UTC)
    assert only.summary.startswith("Population stability index")
    assert only.link.startswith("http://prometheus.example.com:9090/graph")


def test_a_firing_alerts_zero_end_time_is_no_end_and_a_missing_fingerprint_is_computed_from_its_labels():
    firing = Delivery.model_validate(sample_delivery(status="firing", starts_at=STARTED, fingerprint="")).alerts[0]
    same = Delivery.model_validate(sample_delivery(status="resolved", starts_at=STARTED, fingerprint="")).alerts[0]
    other = alert(alertname="Other")
    assert firing.ended_at is None
    assert firing.key == same.key != other.key and len(firing.key) == 16


def test_grafanas_webhook_of_the_same_shape_is_read_and_other_versions_are_not():
    grafana = sample_delivery(status="firing", starts_at=STARTED) | {"version": "1", "orgId": 1, "title": "x"}
    assert Delivery.model_validate(grafana).alerts[0].name == "PredictionDriftHigh"
    with pytest.raises(ValidationError, match="version"):
        Delivery.model_validate(sample_delivery(status="firing", starts_at=STARTED) | {"version": "3"})


def test_a_source_link_that_is_no_web_address_is_not_shown():
    assert (
        Alert.model_validate(
            {"status": "firing", "startsAt": "2026-12-07T09:30:00Z", "generatorURL": "javascript:alert(1)"}
        ).link
        == ""
    )


def test_the_label_names_the_decisions_and_ids_the_design_does_not_revisit_are_reported():
    named = bearing(alert(mldesign_question="refresh-cadence, monitoring, nope"), V2)
    assert named.questions == ("refresh-cadence", "monitoring")
    assert named.unknown == ("nope",)


def test_without_a_label_drift_and_performance_alerts_reopen_refresh_monitoring_and_feedback():
    drift = alert(alertname="PredictionDriftHigh")
    performance = alert(alertname="ChurnModelAUCDropped")
    latency = alert(alertname="ScorerLatencyHigh")
    assert (kind_of(drift), kind_of(performance), kind_of(latency)) == (
        AlertKind.DRIFT,
        AlertKind.DRIFT,
        AlertKind.OTHER,
    )
    assert bearing(drift, V1).questions == ("feedback-loop", "refresh-cadence", "refresh-monitoring")
    assert bearing(performance, V2).questions == ("feedback-loop", "refresh-cadence", "monitoring")
    assert bearing(latency, V2).questions == ("monitoring",), "any other alert questions the monitoring"


def test_a_label_naming_only_unknown_decisions_falls_back_to_the_default_mapping():
    labels = SAMPLE_LABELS | {"mldesign_question": "typo-cadence"}
    found = bearing(alert(**labels), V1)
    assert found.questions == ("feedback-loop", "refresh-cadence", "refresh-monitoring")
    assert found.unknown == ("typo-cadence",)


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [
        ("9999-12-31T23:59:59-01:00", None),
        ("0001-01-01T00:00:00Z", None),
        ("2026-12-07T09:30:00", None),
        ("2026-12-07T09:30:00Z", "9999-12-31T23:59:59-01:00"),
    ],
    ids=["start-past-year-9999-in-utc", "zero-start", "no-timezone", "end-past-year-9999-in-utc"],
)
def test_times_no_alert_has_are_refused_by_field(starts_at, ends_at):
    raw = {"status": "firing", "startsAt": starts_at} | ({"endsAt": ends_at} if ends_at else {})
    with pytest.raises(ValidationError) as refused:
        Alert.model_validate(raw)
    assert refused.value.errors()[0]["loc"][0] in ("startsAt", "endsAt")


def test_alertmanagers_zero_end_time_is_accepted_as_no_end():
    found = Alert.model_validate({"status": "firing", "startsAt": "2026-12-07T09:30:00+02:00", "endsAt": ZERO})
    assert found.ended_at is None and found.starts_at == datetime(2026, 12, 7, 7, 30, tzinfo=UTC)


def test_nul_characters_are_dropped_and_a_name_stays_on_one_line():
    found = Alert.model_validate(
        {
            "status": "firing",
            "startsAt": "2026-12-07T09:30:00Z",
            "labels": {"alertname": "Drift\x00High\n• *Fake* resolved", "team\x00": "ml"},
            "annotations": {"summary": "PSI\x00 0.3"},
            "fingerprint": "ab\x00cd",
            "generatorURL": "https://p.example/\x00x",
        }
    )
    assert found.name == "DriftHigh • *Fake* resolved"
    assert (found.summary, found.key, found.link) == ("PSI 0.3", "abcd", "https://p.example/x")
    assert "team" in found.labels

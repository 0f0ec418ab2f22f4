"""A sample of what Prometheus Alertmanager sends a webhook receiver (version 4), for trying the app's
`/hooks/alerts` without a monitoring stack: the page's "Send a sample alert", and the tests.

The shape is Alertmanager's own: a group of alerts with the group's labels, each alert with its labels,
annotations, ``startsAt``, ``endsAt`` (Alertmanager's zero time while firing), ``generatorURL`` and the
fingerprint it computes from the labels. A resolved delivery is the same alert, status resolved, ``endsAt`` set.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx

ZERO_TIME = "0001-01-01T00:00:00Z"
SAMPLE_LABELS = {
    "alertname": "PredictionDriftHigh",
    "model": "churn",
    "severity": "warning",
    "job": "churn-scorer",
    "mldesign_question": "refresh-cadence",
}
SAMPLE_FINGERPRINT = "5c9a1f0e7b3d2a64"


def _moment(at: float) -> str:
    """RFC 3339 with fractional seconds, as Alertmanager writes times."""
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def sample_delivery(
    *,
    status: str,
    starts_at: float,
    ends_at: float | None = None,
    labels: dict[str, str] | None = None,
    fingerprint: str = SAMPLE_FINGERPRINT,
    summary: str = "Population stability index of the churn score is 0.31 over the last 24h (threshold 0.2)",
) -> dict[str, Any]:
    """One Alertmanager v4 delivery of one alert, firing or resolved."""
    labels = dict(SAMPLE_LABELS if labels is None else labels)
    annotations = {
        "summary": summary,
        "description": "The score distribution moved away from the training window; retraining may be due.",
        "runbook_url": "https://runbooks.example.com/ml/churn-drift",
    }
    group = {"alertname": labels.get("alertname", "")}
    return {
        "receiver": "mldesign",
        "status": status,
        "alerts": [
            {
                "status": status,
                "labels": labels,
                "annotations": annotations,
                "startsAt": _moment(starts_at),
                "endsAt": _moment(ends_at) if ends_at is not None else ZERO_TIME,
                "generatorURL": "http://prometheus.example.com:9090/graph?g0.expr=churn_score_psi+%3E+0.2&g0.tab=1",
                "fingerprint": fingerprint,
            }
        ],
        "groupLabels": group,
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": "http://alertmanager.example.com:9093",
        "version": "4",
        "groupKey": '{}:{alertname="' + group["alertname"] + '"}',
        "truncatedAlerts": 0,
    }


def send_delivery(
    hook_url: str, token: str, delivery: dict[str, Any] | bytes, *, client: httpx.Client | None = None
) -> httpx.Response:
    """POST a delivery as Alertmanager does: JSON, with the receiver's bearer token."""
    body = delivery if isinstance(delivery, bytes) else json.dumps(delivery).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Alertmanager/0.28.1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if client is not None:
        return client.post(hook_url, content=body, headers=headers)
    return httpx.post(hook_url, content=body, headers=headers, timeout=10)

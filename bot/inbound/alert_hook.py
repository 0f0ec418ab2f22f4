"""`POST /hooks/alerts`: Prometheus Alertmanager's webhook (version 4), and Grafana's of the same shape.

A sender proves which design it speaks for with the design's bearer token (`/mldesign alerts <name>`). Every refusal
is a 4xx that says why: 401 without a valid token, 413 for a body over 1 MB, 400 for a body that is no delivery,
naming the field. Alertmanager retries only on 5xx, so a refusal here is final and never repeated in a loop.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from bot.inbound.listeners.recording import Recording
from bot.inbound.request_log import log_request
from bot.usecases.alerts import Received, receive, token_holder
from flows.alerts import Delivery

logger = logging.getLogger(__name__)

PATH = "/hooks/alerts"
MAX_BODY_BYTES = 1_000_000


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]
    team: str = ""
    headers: dict[str, str] | None = None


def refusal(status: int, error: str, detail: str, *, team: str = "", challenge: bool = False) -> Answer:
    headers = {"WWW-Authenticate": 'Bearer realm="mldesign alerts"'} if challenge else None
    return Answer(status, {"ok": False, "error": error, "detail": detail}, team=team, headers=headers)


class AlertHook:
    """The endpoint: read (bounded), authenticate, validate, record in one transaction, then ask for the nudges."""

    def __init__(self, recording: Recording) -> None:
        self._recording = recording

    async def endpoint(self, request: Request) -> Response:
        started = time.perf_counter()
        body = bytearray()
        answer: Answer | None = None
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                answer = refusal(413, "body_too_large", f"a delivery may be at most {MAX_BODY_BYTES:,} bytes")
                break
        if answer is None:
            try:
                answer = await run_in_threadpool(self.handle, bytes(body), request.headers.get("authorization", ""))
            except Exception:  # the database or a bug, never the sender's input: a 5xx, which Alertmanager retries
                logger.exception("alert delivery failed")
                answer = refusal(500, "internal_error", "recording the delivery failed; it is safe to send it again")
        log_request(started, answer.status, kind="alerts", team=answer.team, what="alert webhook")
        return JSONResponse(answer.body, status_code=answer.status, headers=answer.headers)

    def handle(self, raw: bytes, authorization: str) -> Answer:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.casefold() != "bearer" or not token.strip():
            detail = "send the design's token as 'Authorization: Bearer <token>'"
            return refusal(401, "missing_token", detail, challenge=True)
        with self._recording.db.read_only() as session:
            holder = token_holder(session=session, token=token.strip())
        if holder is None:
            detail = "no design has this token; an owner gets one with `/mldesign alerts <name>`"
            return refusal(401, "invalid_token", detail, challenge=True)
        try:
            delivery = Delivery.model_validate(json.loads(raw))
        except (ValueError, RecursionError) as error:  # ValidationError and UnicodeDecodeError are ValueErrors
            return refusal(400, "invalid_body", _why(error), team=holder.team_id)
        with self._recording.db.unit_of_work() as session:
            received = receive(
                session=session,
                catalogs=self._recording.catalogs,
                holder=holder,
                delivery=delivery,
                now=self._recording.clock.now(),
            )
        self._after(received)
        return Answer(200, _summary(received), team=holder.team_id)

    def _after(self, received: Received) -> None:
        """After the commit: the revisits due now go out, and the messages that changed are redrawn."""
        outbox = self._recording.outbox
        if received.reopened:
            outbox.dispatch_nudges()
        for ts in received.redraw:
            outbox.refresh_nudge(received.team_id, received.design_id, ts)
        if received.new or received.resolved:
            outbox.publish(received.team_id, received.design_id)


def _why(error: Exception) -> str:
    """The first problem, by field path (e.g. ``alerts.0.startsAt: Input should be a valid datetime``)."""
    if isinstance(error, ValidationError):
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        return f"{where}: {first['msg']}"[:300]
    if isinstance(error, json.JSONDecodeError):
        return f"the body is not JSON (line {error.lineno}, column {error.colno})"
    return "the body is not UTF-8 JSON"


def _summary(received: Received) -> dict[str, Any]:
    return {
        "ok": True,
        "new": received.new,
        "resolved": received.resolved,
        "duplicates": received.duplicates,
        "reopened": sorted(set(received.reopened)),
        "unknown_questions": received.unknown_questions,
    }

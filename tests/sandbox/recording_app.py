"""A tiny stand-in for the bot app (NOT the bot): verifies Slack signatures and records what it receives."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SIGNING_SECRET = "sandbox-signing-secret"


@dataclass
class Received:
    """One request as the app saw it."""

    headers: dict[str, str]
    body: bytes
    signature_valid: bool
    data: dict[str, Any]


@dataclass
class RecordingApp:
    """Not the bot: a tiny app that checks Slack signatures, records requests and acks like Bolt would."""

    received: list[Received] = field(default_factory=list)
    command_ack: dict[str, Any] | None = None
    on_request: Callable[[dict[str, Any]], None] | None = None
    # Answers a (validly signed) request itself when it returns a Response, e.g. a view_submission's response_action.
    respond: Callable[[dict[str, Any]], Response | None] | None = None

    def asgi(self) -> Starlette:
        verifier = SignatureVerifier(SIGNING_SECRET)

        async def endpoint(request: Request) -> Response:
            body = await request.body()
            valid = verifier.is_valid_request(body, dict(request.headers))
            if request.headers.get("content-type", "").startswith("application/json"):
                data = json.loads(body)
            else:
                data = dict(parse_qsl(body.decode()))
                if "payload" in data:
                    data = json.loads(data["payload"])
            self.received.append(Received(dict(request.headers), body, valid, data))
            if not valid:
                return Response("invalid signature", status_code=401)
            answer = self.respond(data) if self.respond else None
            if answer is not None:
                return answer
            background = BackgroundTask(self.on_request, data) if self.on_request else None
            if "command" in data and self.command_ack is not None:
                return JSONResponse(self.command_ack, background=background)
            return Response(b"", background=background)

        return Starlette(routes=[Route("/slack/events", endpoint, methods=["POST"])])

    @property
    def last(self) -> Received:
        return self.received[-1]

"""HTTP mode: a Starlette app on uvicorn serving Slack's requests at /slack/events and a health check.

Bolt's own adapters call the sync App inside the event loop; here dispatch runs in a worker thread so a
database wait never stalls other requests.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt import App, BoltRequest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.services import Services

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Slack's payloads are far smaller; refuse anything bigger before parsing it
SWEEP_INTERVAL_SECONDS = 30


def create_web_app(bolt_app: App, services: Services) -> Starlette:
    async def slack_events(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return PlainTextResponse("request body too large", status_code=413)
        try:
            decoded = body.decode("utf-8")
        except UnicodeDecodeError:
            return PlainTextResponse("request body is not UTF-8", status_code=400)
        bolt_request = BoltRequest(body=decoded, query=request.url.query, headers=dict(request.headers))
        bolt_response = await run_in_threadpool(bolt_app.dispatch, bolt_request)
        return Response(
            content=bolt_response.body,
            status_code=bolt_response.status,
            headers=bolt_response.first_headers_without_set_cookie(),
        )

    async def healthz(_: Request) -> Response:
        try:
            await run_in_threadpool(_ping_database, services)
        except Exception as error:  # any database failure means "not healthy", whatever its type
            logger.warning("health check failed: %s", type(error).__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        scheduler = start_scheduler(services)
        try:
            yield
        finally:
            scheduler.shutdown(wait=False)
            services.close()

    return Starlette(
        routes=[
            Route("/slack/events", slack_events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def start_scheduler(services: Services) -> BackgroundScheduler:
    """APScheduler only triggers the publisher's sweep and the nudge dispatcher, in memory, in each process;
    the database holds what is left to publish and which nudges are due (a shared job store would not)."""
    scheduler = BackgroundScheduler(timezone=UTC)
    scheduler.add_job(
        services.publisher.sweep,
        "interval",
        seconds=SWEEP_INTERVAL_SECONDS,
        id="publish-sweep",
        next_run_time=datetime.now(UTC),  # catch up on work left by a previous process at once
        max_instances=1,
        coalesce=True,
    )
    scheduler.add_job(
        services.nudger.dispatch,
        "interval",
        seconds=services.settings.mldesign_dispatch_seconds,
        id="nudge-dispatch",
        next_run_time=datetime.now(UTC),  # nudges that fell due while the bot was down go out on start
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    return scheduler


def _ping_database(services: Services) -> None:
    with services.read_only() as session:
        session.execute(text("SELECT 1"))

"""HTTP mode: a Starlette app on uvicorn serving Slack's requests at /slack/events and a health check.

Bolt's own adapters call the sync App inside the event loop; here dispatch runs in a worker thread so a
database wait never stalls other requests.
"""

from __future__ import annotations

import gc
import ipaddress
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode

import anyio.to_thread
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.base.settings import Settings
from bot.inbound.gate import Rejected, SslCheck, accept
from bot.inbound.replays import ReplayGuard
from bot.inbound.request_log import log_request
from bot.inbound.transactions import Transactions
from bot.jobs.held import HeldJobs
from bot.jobs.values import Job
from bot.runtime.scheduler import PeriodicWork, start_scheduler
from storage.installations import count_live_states

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000  # Slack's payloads are far smaller; refuse anything bigger before parsing it
# Each visit to the install page stores an OAuth state for ten minutes. A person installs once: a few visits a
# minute from one address is plenty, and keeps anyone from filling the database with states.
INSTALLS_PER_MINUTE = 10
# However many addresses ask, no more installs than this wait for people to come back from Slack at once: a
# workspace installs in a minute, so this is far more than any launch day, and bounds the states stored.
MAX_PENDING_INSTALLS = 1_000
# The workspace an "Add to Slack" link may preselect (`/slack/install?team=T0123`); anything else is dropped.
TEAM_ID = re.compile(r"[TE][A-Z0-9]{2,30}")


def create_web_app(
    bolt_app: App,
    *,
    settings: Settings,
    replays: ReplayGuard,
    db: Transactions,
    periodic: PeriodicWork | None,
    on_shutdown: Callable[[], None],
    held_jobs: HeldJobs,
    alert_hook: Callable[[Request], Awaitable[Response]] | None = None,
) -> Starlette:
    """Slack's endpoint, the health check and (distributed) the OAuth pages. ``periodic``: this process also runs
    the periodic work (sweep, revisit dispatch, housekeeping); not when a worker process does (bot.runtime.worker).
    ``held_jobs``: what the listeners submit through; a request's jobs leave once its response is written
    (bot.jobs.held). ``alert_hook`` serves monitoring's webhook (bot.inbound.alert_hook) at /hooks/alerts.
    ``on_shutdown`` runs once the last request is answered (uvicorn re-raises SIGTERM after that, so code after
    ``uvicorn.run`` never runs)."""
    secret = settings.slack_signing_secret
    verifier = SignatureVerifier(secret.get_secret_value() if secret else "")

    def first_time(signature: str) -> bool:
        return replays.first_sight(signature, now=time.monotonic())

    def handle(raw: bytes, query: str, headers: dict[str, str]) -> tuple[BoltResponse, dict[str, str]]:
        """In a worker thread: the gate, then Bolt, whose listener stores the signature with its change."""
        try:
            bolt_request = accept(
                raw,
                query=query,
                headers=headers,
                verifier=verifier,
                first_time=first_time,
                hooks_url=settings.slack_hooks_url,
            )
        except Rejected as rejected:
            return BoltResponse(status=rejected.status, body=rejected.reason), {"kind": "request"}
        except SslCheck:
            return BoltResponse(status=200, body=""), {"kind": "ssl_check"}
        is_event = bolt_request.body.get("type") == "event_callback"  # deduplicated by event id instead
        with replays.answering(None if is_event else headers.get("x-slack-signature")):
            return bolt_app.dispatch(bolt_request), describe(bolt_request.body)

    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                log_request(started, 413, kind="request")
                return PlainTextResponse("request body too large", status_code=413)
        with held_jobs.holding() as held:
            try:
                bolt_response, described = await run_in_threadpool(
                    handle, bytes(body), request.url.query, dict(request.headers)
                )
            except BaseException:
                held_jobs.release(held)  # what was committed before the failure still gets its Slack work
                raise
        log_request(started, bolt_response.status, **described)
        return Response(
            content=bolt_response.body,
            status_code=bolt_response.status,
            headers=bolt_response.first_headers_without_set_cookie(),
            background=BackgroundTask(release, held) if held else None,
        )

    async def release(held: list[Job]) -> None:
        """After the response is written, on the event loop: handing over a job never blocks."""
        held_jobs.release(held)

    installs = install_limiter() if bolt_app.oauth_flow is not None else None

    def refuse_install(request: Request) -> str | None:
        """Why this visit to the install page is turned away, if it is: too many from its address, or too many
        installs pending at once (each visit stores an OAuth state)."""
        assert installs is not None
        if not installs(client_network(request)):
            return "Too many install attempts from your address; try again in a minute."
        with db.read_only() as session:
            pending = count_live_states(session=session, now=datetime.now(UTC))
        if pending >= MAX_PENDING_INSTALLS:
            logger.warning("install page refused: %d installs pending, the most there may be", pending)
            return "Too many installs are in progress right now; try again in a few minutes."
        return None

    async def oauth(request: Request) -> Response:
        """The install link and Slack's redirect back after "Allow" (distribution only)."""
        started = time.perf_counter()
        flow = bolt_app.oauth_flow
        assert flow is not None and installs is not None
        installing = request.url.path == flow.install_path
        refusal = await run_in_threadpool(refuse_install, request) if installing else None
        if refusal is not None:
            log_request(started, 429, kind=f"oauth {request.url.path}")
            return PlainTextResponse(refusal, status_code=429, headers={"Retry-After": "60"})
        query = install_query(request.url.query) if installing else request.url.query
        bolt_request = BoltRequest(body="", query=query, headers=dict(request.headers))
        handle = flow.handle_installation if installing else flow.handle_callback
        bolt_response = await run_in_threadpool(handle, bolt_request)
        log_request(started, bolt_response.status, kind=f"oauth {request.url.path}")
        return oauth_response(bolt_response, secure=cookie_must_be_secure(request, settings.slack_redirect_uri))

    async def healthz(_: Request) -> Response:
        try:
            await run_in_threadpool(_ping_database, db)
        except Exception as error:  # any database failure means "not healthy", whatever its type
            logger.warning("health check failed: %s", type(error).__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Slack's requests run in anyio's worker threads: as many as the database pool has connections.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.mldesign_threads
        scheduler = start_scheduler(periodic) if periodic is not None else None
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
            on_shutdown()

    routes = [Route("/slack/events", slack_events, methods=["POST"]), Route("/healthz", healthz, methods=["GET"])]
    if alert_hook is not None:
        routes.append(Route("/hooks/alerts", alert_hook, methods=["POST"]))
    if bolt_app.oauth_flow is not None:
        flow = bolt_app.oauth_flow
        routes += [
            Route(flow.install_path, oauth, methods=["GET"]),
            Route(flow.redirect_uri_path, oauth, methods=["GET"]),
        ]
    return Starlette(routes=routes, lifespan=lifespan)


def install_limiter() -> Callable[[str], bool]:
    """Whether one more visit from an address fits INSTALLS_PER_MINUTE (a moving window, in this process's memory).
    ``limits`` is imported here: a single-workspace install never needs it, and it costs start-up 45 ms."""
    from limits import RateLimitItemPerMinute
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter

    limiter, limit = MovingWindowRateLimiter(MemoryStorage()), RateLimitItemPerMinute(INSTALLS_PER_MINUTE)
    return lambda address: limiter.hit(limit, "install", address)


def client_network(request: Request) -> str:
    """Who is asking, for the install page's limit: the peer, or the client a trusted proxy names (uvicorn reads
    X-Forwarded-For from the addresses in FORWARDED_ALLOW_IPS). An IPv6 client counts by its /64, the block one
    subscriber is given, so switching addresses within it gains nothing."""
    host = request.client.host if request.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def install_query(query: str) -> str:
    """The install page's query as Bolt may see it: Bolt appends ``team`` to Slack's authorize URL unencoded, so
    anything but a workspace id would smuggle parameters into the "Add to Slack" link."""
    team = parse_qs(query).get("team", [""])[0]
    return urlencode({"team": team}) if TEAM_ID.fullmatch(team) else ""


def cookie_must_be_secure(request: Request, redirect_uri: str | None) -> bool:
    """The OAuth state cookie is Secure unless the page is plainly a developer's own: asked for over http, on
    this machine, neither behind a TLS proxy (X-Forwarded-Proto) nor sending people back to an https redirect."""
    if request.url.scheme == "https" or request.headers.get("x-forwarded-proto", "").casefold() == "https":
        return True
    if redirect_uri is not None and redirect_uri.startswith("https://"):
        return True
    return not is_loopback(request.url.hostname)


def is_loopback(host: str | None) -> bool:
    """Whether the page was asked for on this machine (a developer's http://127.0.0.1 or http://localhost)."""
    if host is None:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def oauth_response(bolt_response: BoltResponse, *, secure: bool) -> Response:
    """Bolt's answer with its state cookie. The cookie is Secure everywhere but on this machine: over plain http
    on a developer's machine a Secure cookie would never come back and every install would fail."""
    response = Response(
        content=bolt_response.body,
        status_code=bolt_response.status,
        headers=bolt_response.first_headers_without_set_cookie(),
    )
    for cookie in bolt_response.cookies():
        for name, morsel in cookie.items():
            max_age = morsel.get("max-age")
            response.set_cookie(
                key=name,
                value=morsel.value,
                max_age=int(max_age) if max_age else None,
                expires=morsel.get("expires") or None,  # Bolt deletes its cookie with an expiry in 1970
                path=morsel.get("path") or "/",
                secure=secure,
                httponly=True,
                samesite="lax",
            )
    return response


def describe(body: object) -> dict[str, str]:
    """What a request was, for its log line: never the text a person typed, only its kind and workspace.
    Reads defensively: a request type the gate lets through unchecked may hold anything."""
    team = _text(body, "team_id") or _text(body, "team", "id") or _text(body, "user", "team_id")
    if _text(body, "command"):
        words = _text(body, "text").split(maxsplit=1)
        subcommand = words[0].casefold()[:20] if words else ""
        return {"team": team, "kind": f"command {_text(body, 'command')} {subcommand}".rstrip()}
    kind = _text(body, "type") or "unknown"
    if kind == "event_callback":
        subtype = _text(body, "event", "subtype")
        return {"team": team, "kind": f"event {_text(body, 'event', 'type')}" + (f" {subtype}" if subtype else "")}
    if kind == "block_actions":
        actions = body.get("actions") if isinstance(body, dict) else None
        first = actions[0] if isinstance(actions, list) and actions else None
        return {"team": team, "kind": f"block_actions {_text(first, 'action_id')}"}
    if kind in ("view_submission", "view_closed"):
        return {"team": team, "kind": f"{kind} {_text(body, 'view', 'callback_id')}"}
    return {"team": team, "kind": kind[:40]}


def _text(value: object, *path: str) -> str:
    """The string at ``path`` in nested objects, or "" when any step is missing or of another type."""
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


def freeze_start_up_heap() -> None:
    """Take what start-up built (modules, models, templates, compiled statements) out of the garbage collector's
    sight: otherwise every full collection walks all of it, a 30-90 ms pause in the middle of acknowledgements
    (docs/benchmarks.md). Called once a process is ready to serve."""
    gc.collect()
    gc.freeze()


def _ping_database(db: Transactions) -> None:
    with db.read_only() as session:
        session.execute(text("SELECT 1"))

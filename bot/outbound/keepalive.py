"""Web API calls over kept-alive connections. slack_sdk's sync WebClient sends each call through urllib, which opens a
new connection (and, to Slack, a TLS handshake) every time and closes it after the answer; a publish makes two or
three calls in a row. `KeepAliveWebClient` sends them instead over connections kept in a `ConnectionPool`, and
answers slack_sdk as urllib would (the same result, the same errors; only a malformed answer is a URLError rather
than an http.client error), so its retry handlers and the publisher's retry-after-checking work unchanged.

A connection serves one call at a time: it is taken out of the pool for the call and put back once the answer is
read in full. One idle for more than `IDLE_SECONDS` is closed rather than reused, below the keep-alive timeouts of
common servers (uvicorn's 5 s, load balancers' 60 s), and one the server has closed meanwhile (it is readable while
no answer is due) is dropped before it is used. A call whose connection fails anyway is not sent again here: the
request may have reached Slack, so the error goes to the caller, which checks before posting again.
"""

from __future__ import annotations

import http.client
import io
import os
import select
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import Request

from slack_sdk import WebClient

IDLE_SECONDS = 3.0
IDLE_PER_HOST = 8  # connections kept per host; a burst's extra ones are closed once it is over

Key = tuple[str, str, int]  # scheme, host, port


class ConnectionPool:
    """Idle HTTP/1.1 connections per host, shared by every thread (and client) that sends through it.

    `context` verifies HTTPS hosts: Python's default one when None, as urllib's (which reads SSL_CERT_FILE).
    Connections made by a parent process are never used by a forked child: both would read the same socket.
    """

    def __init__(
        self,
        *,
        context: ssl.SSLContext | None = None,
        idle_seconds: float = IDLE_SECONDS,
        per_host: int = IDLE_PER_HOST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._context = context
        self._idle_seconds = idle_seconds
        self._per_host = per_host
        self._clock = clock
        self._lock = threading.Lock()
        self._idle: dict[Key, list[tuple[float, http.client.HTTPConnection]]] = {}
        self._pid = os.getpid()

    def send(self, request: Request, *, timeout: float) -> dict[str, Any]:
        """POST `request` and read the answer: what urllib's `urlopen` gives slack_sdk (status, headers, body; an
        HTTPError for a status outside 2xx; a URLError when the request could not be sent)."""
        parts = urlsplit(request.full_url)
        scheme = parts.scheme.lower()
        key = (scheme, parts.hostname or "", parts.port or (443 if scheme == "https" else 80))
        connection = self._take(key, timeout)
        try:
            response, body = self._exchange(connection, request)
        except BaseException:
            connection.close()
            raise
        if response.will_close:
            connection.close()
        else:
            self._give_back(key, connection)
        if not 200 <= response.status < 300:
            # As urllib reports a status it doesn't follow. (It would follow a 3xx as a GET; Slack's API sends none.)
            raise HTTPError(request.full_url, response.status, response.reason, response.headers, io.BytesIO(body))
        if response.headers.get_content_type() == "application/gzip":  # admin.analytics.getFile, as slack_sdk reads it
            return {"status": response.status, "headers": response.headers, "body": body}
        charset = response.headers.get_content_charset() or "utf-8"
        return {"status": response.status, "headers": response.headers, "body": body.decode(charset)}

    def _exchange(
        self, connection: http.client.HTTPConnection, request: Request
    ) -> tuple[http.client.HTTPResponse, bytes]:
        # The headers urllib would send, less its "Connection: close"; http.client adds Host, Content-Length and
        # Accept-Encoding as urllib has it do.
        headers = {name.title(): value for name, value in request.header_items()}
        try:
            connection.request(request.get_method(), request.selector, body=request.data, headers=headers)
        except OSError as error:  # connecting, the TLS handshake, or sending: as urllib reports them
            raise URLError(error) from error
        try:
            response = connection.getresponse()
            return response, response.read()
        except http.client.HTTPException as error:
            if isinstance(error, OSError):  # RemoteDisconnected: urllib lets it through as it is
                raise
            # A malformed or cut-short answer, which urllib lets through as an HTTPException that is no OSError;
            # reported as a failed call instead, which the callers handle (and check before posting again).
            raise URLError(error) from error

    def _take(self, key: Key, timeout: float) -> http.client.HTTPConnection:
        """The most recently used live connection to the host, or a new one (connected when first used)."""
        now = self._clock()
        stale: list[http.client.HTTPConnection] = []
        found: http.client.HTTPConnection | None = None
        with self._lock:
            if self._pid != os.getpid():  # a forked child: the parent's connections are not its own
                self._idle, self._pid = {}, os.getpid()
            entries = self._idle.get(key, [])
            while entries and found is None:
                since, connection = entries.pop()
                if now - since > self._idle_seconds or _dropped(connection):
                    stale.append(connection)
                else:
                    found = connection
        for connection in stale:
            connection.close()
        if found is not None:
            if found.sock is not None:
                found.sock.settimeout(timeout)
            found.timeout = timeout
            return found
        scheme, host, port = key
        if scheme == "https":
            return http.client.HTTPSConnection(host, port, timeout=timeout, context=self._https_context())
        return http.client.HTTPConnection(host, port, timeout=timeout)

    def _give_back(self, key: Key, connection: http.client.HTTPConnection) -> None:
        with self._lock:
            entries = self._idle.setdefault(key, [])
            if len(entries) < self._per_host and self._pid == os.getpid():
                entries.append((self._clock(), connection))
                return
        connection.close()

    def _https_context(self) -> ssl.SSLContext:
        if self._context is None:
            # What urllib's HTTPSHandler builds when given no context (reading SSL_CERT_FILE), made once.
            context = ssl.create_default_context()
            context.set_alpn_protocols(["http/1.1"])
            with self._lock:
                if self._context is None:
                    self._context = context
        return self._context


def _dropped(connection: http.client.HTTPConnection) -> bool:
    """Whether an idle connection was closed by the server: readable while no answer is due means it sent its end
    (or something no request asked for), so it is not worth a request."""
    sock = connection.sock
    if sock is None:
        return True
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return bool(poller.poll(0))
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _proxied(url: str) -> bool:
    """Whether urllib would send this URL through a proxy from the environment (HTTPS_PROXY and NO_PROXY)."""
    parts = urlsplit(url)
    proxies = urllib.request.getproxies()
    return parts.scheme.lower() in proxies and not urllib.request.proxy_bypass(parts.hostname or "")


class KeepAliveWebClient(WebClient):
    """slack_sdk's WebClient, sending its calls over the kept-alive connections of `pool` (its own if None).

    Above the transport everything is slack_sdk's: its retry handlers (a 429 waited out and sent again) and its
    SlackApiError for Slack's refusals. Calls through a proxy (`proxy=`, or one in the environment) go through
    urllib as before. The pool's context verifies HTTPS, whatever this client's `ssl`, when a pool is given."""

    def __init__(self, *args: Any, pool: ConnectionPool | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool = pool if pool is not None else ConnectionPool(context=self.ssl)

    def _perform_urllib_http_request_internal(self, url: str, req: Request) -> dict[str, Any]:
        if self.proxy is not None or not url.lower().startswith(("http://", "https://")) or _proxied(url):
            return super()._perform_urllib_http_request_internal(url, req)
        return self.pool.send(req, timeout=self.timeout)

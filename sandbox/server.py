"""Run the fake Slack on a real port, in a background thread, so the bot can talk to it over HTTP.

Usage in tests: `with FakeSlack() as fake: ...` and point the bot's Slack API URL at `fake.api_url`.
The same server serves the sandbox page at `/` (see sandbox/page.py); with an app connected
(`connect_app`), the page acts through a SlackDriver for that app. One fake can hold several workspaces
(`workspaces=[...]`): the Web API serves each with the tokens it issued, and Slack's OAuth install flow
(sandbox/oauth.py) issues new ones.
Standalone: `python -m sandbox.server --port 3100`; with the bot as well: `python -m sandbox`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import threading
import time
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp

from sandbox.driver import SlackDriver
from sandbox.faults import ResettableH11Protocol, Shutdown
from sandbox.oauth import AUTHORIZE_PATH, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, OAuthApp
from sandbox.page import Page
from sandbox.persistence import StateFile
from sandbox.state import Workspace
from sandbox.tls import Certificate
from sandbox.web_api import create_web_api

STARTUP_TIMEOUT = 10.0
KEEP_ALIVE_SECONDS = 5.0  # uvicorn's default: an idle client connection is closed after this long


class Connections:
    """How many client connections the server served and saw closed, so a test can tell whether a client reused one
    (and wait, without sleeping, until the server closed an idle one). Only connections that sent something count:
    not the server's own readiness probe, nor a TLS client that gave up during the handshake."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._accepted = self._closed = 0

    @property
    def accepted(self) -> int:
        """Connections that sent a request since the server started."""
        with self._cond:
            return self._accepted

    @property
    def closed(self) -> int:
        """Of those, how many were closed since, by either side."""
        with self._cond:
            return self._closed

    def wait_closed(self, count: int, timeout: float = 5.0) -> None:
        """Block until at least `count` connections were closed (TimeoutError after `timeout` seconds)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._closed >= count, timeout):
                raise TimeoutError(f"{self._closed} connections closed after {timeout}s, not {count}")

    def _opened(self) -> None:
        with self._cond:
            self._accepted += 1

    def _ended(self) -> None:
        with self._cond:
            self._closed += 1
            self._cond.notify_all()

    def protocol(self) -> type[ResettableH11Protocol]:
        """uvicorn's HTTP/1.1 protocol (with resets), counting its connections here, and dropping idle ones at
        once when the server stops."""
        connections = self

        class Counted(ResettableH11Protocol):
            counted = ended = False

            def data_received(self, data: bytes) -> None:
                if not self.counted:
                    self.counted = True
                    connections._opened()
                super().data_received(data)

            def timeout_keep_alive_handler(self) -> None:
                super().timeout_keep_alive_handler()
                # Counted closed once the client can see it. Over TCP that is when the connection is lost (the
                # socket closes on a later turn of the loop); over TLS, now that the close_notify is sent, as the
                # transport is lost only once the client answers it, which an idle client does when it next looks.
                if self.transport.get_extra_info("sslcontext") is not None:
                    self._end()

            def shutdown(self) -> None:
                idle = self.cycle is None or self.cycle.response_complete
                super().shutdown()
                if idle:
                    # Over TLS, closing waits for the client's close_notify, which a client keeping the connection
                    # alive sends only when it next uses it, and uvicorn's shutdown waits for every connection.
                    self.transport.abort()

            def connection_lost(self, exc: Exception | None) -> None:
                self._end()
                super().connection_lost(exc)

            def _end(self) -> None:
                if self.counted and not self.ended:
                    self.ended = True
                    connections._ended()

        return Counted


class BackgroundServer:
    """Serves an ASGI app with uvicorn in a daemon thread on a real port (0 picks a free one).

    Requests can reset their connection (sandbox/faults.py), which scripted `reset_next` faults need. With a
    `certificate` (sandbox/tls.py) it serves HTTPS instead of HTTP. `keep_alive_seconds`: how long an idle client
    connection stays open. `connections` counts the connections it accepted and closed.
    """

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        certificate: Certificate | None = None,
        keep_alive_seconds: float = KEEP_ALIVE_SECONDS,
    ) -> None:
        self.app = app
        self.host = host
        self.port = port
        self.certificate = certificate
        self.keep_alive_seconds = keep_alive_seconds
        self.connections = Connections()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def scheme(self) -> str:
        """`https` when serving with a certificate, else `http`."""
        return "http" if self.certificate is None else "https"

    @property
    def base_url(self) -> str:
        """Root URL, with a trailing slash."""
        return f"{self.scheme}://{self.host}:{self.port}/"

    @property
    def running(self) -> bool:
        """Whether the server was started and not stopped."""
        return self._server is not None

    def start(self) -> None:
        """Bind, serve in the background, and return only once connections are accepted."""
        if self._server is not None:
            return
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        tls, self.connections = self.certificate, Connections()
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http=self.connections.protocol(),
            timeout_keep_alive=self.keep_alive_seconds,  # type: ignore[arg-type]  (annotated int; call_later takes any)
            ssl_certfile=None if tls is None else str(tls.cert_path),
            ssl_keyfile=None if tls is None else str(tls.key_path),
        )
        self._socket, self._server = sock, uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{self.port}", daemon=True
        )
        self._thread.start()
        self._wait_until_serving()

    def _wait_until_serving(self) -> None:
        """Poll until uvicorn reports started and a TCP connect succeeds (or fail loudly)."""
        assert self._server is not None and self._thread is not None
        deadline = time.monotonic() + STARTUP_TIMEOUT
        ready = threading.Event()
        while not ready.is_set():
            if not self._thread.is_alive():
                raise RuntimeError(f"server thread for {self.base_url} exited during startup")
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start on {self.base_url} within {STARTUP_TIMEOUT}s")
            if self._server.started:
                try:
                    with socket.create_connection((self.host, self.port), timeout=1):
                        ready.set()
                except OSError:
                    pass
            ready.wait(0.01)

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for its thread."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=STARTUP_TIMEOUT)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None


class FakeSlack:
    """Owns one or more Workspaces and serves their Web API, response URLs, OAuth flow and the page on 127.0.0.1.

    `workspace` (or else the first of `workspaces`) is `fake.workspace`: the one the page shows and drivers act
    in by default; the others run on its clock. `client_id` / `client_secret` are the app's OAuth credentials.
    `app_url` + `signing_secret` (or `connect_app` later) give the page a SlackDriver to act through.
    `state_path` keeps the first workspace in that JSON file: loaded at construction if it exists (and no
    workspace is given), saved while it changes and once at stop. Other workspaces live in memory only.
    With a `certificate` (sandbox/tls.py) it serves HTTPS, as Slack does, and its URLs say https.
    """

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        workspace: Workspace | None = None,
        app_url: str | None = None,
        signing_secret: str | None = None,
        state_path: str | os.PathLike[str] | None = None,
        *,
        workspaces: Sequence[Workspace] = (),
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        certificate: Certificate | None = None,
        keep_alive_seconds: float = KEEP_ALIVE_SECONDS,
    ) -> None:
        given = ([workspace] if workspace is not None else []) + list(workspaces)
        if not given and state_path is not None and Path(state_path).exists():
            given = [Workspace.load(state_path)]
        self.workspace = given[0] if given else Workspace()
        self._workspaces: list[Workspace] = [self.workspace]
        for other in given[1:]:
            self.add_workspace(other)
        self.oauth = OAuthApp(self._workspaces, client_id, client_secret)
        self.page = Page(self.workspace, lambda: self._app_driver)
        self._shutdown = Shutdown()
        web_api = create_web_api(self._workspaces, self.oauth, self._uninstalled, self._shutdown)
        routes = [*self.page.routes(), *self.oauth.routes(), *web_api.routes]
        self._http = BackgroundServer(
            Starlette(routes=routes), host, port, certificate=certificate, keep_alive_seconds=keep_alive_seconds
        )
        self._drivers: list[SlackDriver] = []
        self._app_target: tuple[str, str] | None = None
        self._app_driver: SlackDriver | None = None
        self._state_file = StateFile(self.workspace, state_path) if state_path is not None else None
        if app_url is not None:
            if signing_secret is None:
                raise ValueError("app_url needs the app's signing_secret")
            self._app_target = (app_url, signing_secret)

    @property
    def workspaces(self) -> list[Workspace]:
        """Every workspace of the fake, the first (`workspace`) first."""
        return list(self._workspaces)

    def add_workspace(self, workspace: Workspace) -> Workspace:
        """Serve one more workspace, on the fake's clock; its team id and bot tokens must be its own."""
        if any(w is workspace or w.team_id == workspace.team_id for w in self._workspaces):
            raise ValueError(f"the fake already has a workspace {workspace.team_id}")
        taken = {t.token for w in self._workspaces for t in w.tokens()}
        if any(t.token in taken for t in workspace.tokens()):
            raise ValueError(f"workspace {workspace.team_id}'s bot token is already another workspace's")
        workspace.use_clock(self.workspace.shared_clock)
        self._workspaces.append(workspace)
        return workspace

    def workspace_of(self, team_id: str) -> Workspace:
        """The workspace with that team id (KeyError if the fake has none)."""
        found = next((w for w in self._workspaces if w.team_id == team_id), None)
        if found is None:
            raise KeyError(f"no workspace {team_id}")
        return found

    @property
    def port(self) -> int:
        """The bound port (known after start when constructed with port=0)."""
        return self._http.port

    @property
    def base_url(self) -> str:
        """Root URL of the fake, e.g. for response URLs and permalinks (loopback when bound to all interfaces)."""
        host = "127.0.0.1" if self._http.host in ("0.0.0.0", "") else self._http.host
        return f"{self._http.scheme}://{host}:{self.port}/"

    @property
    def connections(self) -> Connections:
        """The client connections served since the fake started, to see whether a client keeps them alive."""
        return self._http.connections

    @property
    def api_url(self) -> str:
        """What the bot should use as its Slack API base URL."""
        return f"{self.base_url}api/"

    @property
    def hooks_url(self) -> str:
        """Where this fake's response URLs point, as Slack's point at https://hooks.slack.com/."""
        return f"{self.base_url}response/"

    @property
    def clock_url(self) -> str:
        """Where the app reads the sandbox clock (sandbox only; not a Slack method)."""
        return f"{self.base_url}sandbox/clock"

    @property
    def app_driver(self) -> SlackDriver | None:
        """The driver the page acts through, once an app is connected and the fake started."""
        return self._app_driver

    def connect_app(self, app_url: str, signing_secret: str) -> None:
        """Point the page at the app: what people do on the page is sent there, signed with `signing_secret`."""
        self._app_target = (app_url, signing_secret)
        if self._http.running:
            self._connect()

    def _connect(self) -> None:
        if self._app_target is not None:
            previous, self._app_driver = self._app_driver, self.driver(*self._app_target)
            if previous is not None:
                self._drivers.remove(previous)
                previous.close()

    def start(self) -> FakeSlack:
        """Start serving; returns once the port accepts connections."""
        self._shutdown.clear()
        self._http.start()
        self._connect()
        if self._state_file is not None:
            self._state_file.start()
        return self

    def stop(self) -> None:
        """End the page's live streams and scripted delays (dropping those calls), shut the server down, close
        drivers and save the state file."""
        self._shutdown.set()
        self.page.close()
        for driver in self._drivers:
            driver.close()
        self._drivers.clear()
        self._app_driver = None
        self._http.stop()
        if self._state_file is not None:
            self._state_file.stop()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def driver(self, app_url: str, signing_secret: str, workspace: Workspace | None = None) -> SlackDriver:
        """A driver that sends Slack's requests from `workspace` (default: the first) to the app at `app_url`,
        with response URLs on this fake."""
        if workspace is not None and not any(w is workspace for w in self._workspaces):
            raise ValueError(f"workspace {workspace.team_id} is not one of this fake's; add_workspace it first")
        driver = SlackDriver(workspace or self.workspace, app_url, signing_secret, self.base_url)
        self._drivers.append(driver)
        return driver

    def _uninstalled(self, workspace: Workspace, org_wide: bool) -> None:
        """After apps.uninstall, tell the app: through the page's driver, else the newest one for that workspace."""
        candidates = [self._app_driver, *reversed(self._drivers)]
        driver = next((d for d in candidates if d is not None and d.workspace is workspace), None)
        if driver is not None:
            # An app that is down (or a driver closed by stop()) just misses the events, as it would with Slack.
            with contextlib.suppress(httpx.HTTPError, RuntimeError):
                driver.send_uninstall_events(org_wide=org_wide)

    def authorize_url(
        self, scope: str, redirect_uri: str, state: str = "", user_scope: str = "", team: str | None = None
    ) -> str:
        """This fake's `/oauth/v2/authorize` URL for the app, as an "Add to Slack" button links to it."""
        params = {"client_id": self.oauth.client_id, "scope": scope, "user_scope": user_scope}
        params |= {"redirect_uri": redirect_uri, "state": state} | ({"team": team} if team else {})
        return str(httpx.URL(self.base_url + AUTHORIZE_PATH.lstrip("/"), params=params))

    def install_app(
        self,
        install_url: str,
        *,
        workspace: Workspace | None = None,
        user: str | None = None,
        org_wide: bool = False,
        timeout: float = 10.0,
    ) -> httpx.Response:
        """Click through the app's install as a person would, in a browser that keeps cookies.

        GETs the app's install page (`install_url`, e.g. its /slack/install), follows its "Add to Slack" link
        (or redirect) to this fake's authorize page for `workspace` (default: the first) as `user` (default:
        its first person), presses Allow (with `org_wide`, an Enterprise Grid admin's Allow for every workspace
        of the organization) and follows the redirect back to the app; returns the app's last answer.
        LookupError if the install page links to no authorize URL; RuntimeError if the fake refuses.
        """
        target = workspace or self.workspace
        tls = self._http.certificate
        with httpx.Client(timeout=timeout, verify=True if tls is None else tls.client_context()) as browser:
            start = browser.get(install_url)
            link = start.headers.get("location") if start.is_redirect else _link(start.text, AUTHORIZE_PATH)
            if not link or urlsplit(link).path != AUTHORIZE_PATH:
                raise LookupError(f"the app's install page {install_url} links to no {AUTHORIZE_PATH} URL")
            params = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True)) | {"team": target.team_id}
            if user is not None:
                params["user"] = user
            page = browser.get(self.base_url + AUTHORIZE_PATH.lstrip("/"), params=params)
            allow = _link(page.text, link_id="allow-org" if org_wide else "allow")
            if page.status_code != 200 or allow is None:
                raise RuntimeError(f"the fake refused the install ({page.status_code}): {page.text[:500]}")
            approved = browser.get(allow)
            if not approved.is_redirect:
                raise RuntimeError(f"the fake refused the install ({approved.status_code}): {approved.text[:500]}")
            return browser.get(approved.headers["location"], follow_redirects=True)


class _Links(HTMLParser):
    """Collects a page's links (`<a href>`) with their ids."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        href = values.get("href")
        if tag == "a" and href:
            self.links.append((values.get("id") or "", href))


def _link(page: str, path: str | None = None, link_id: str | None = None) -> str | None:
    """The first link of an HTML page to `path`, or the one with id `link_id`; None if there is none."""
    parser = _Links()
    parser.feed(page)
    for found_id, href in parser.links:
        if (path is not None and urlsplit(href).path == path) or (link_id is not None and found_id == link_id):
            return href
    return None


def main(argv: list[str] | None = None) -> None:
    """Run the fake standalone until interrupted."""
    parser = argparse.ArgumentParser(description="Run the fake Slack Web API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    fake = FakeSlack(port=args.port, host=args.host).start()
    token = fake.workspace.bot_token
    print(f"fake Slack Web API at {fake.api_url} (bot token {token}); page at {fake.base_url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()

"""Run the fake Slack on a real port, in a background thread, so the bot can talk to it over HTTP.

Usage in tests: `with FakeSlack() as fake: ...` and point the bot's Slack API URL at `fake.api_url`.
The same server serves the sandbox page at `/` (see sandbox/page.py); with an app connected
(`connect_app`), the page acts through a SlackDriver for that app.
Standalone: `python -m sandbox.server --port 3100`; with the bot as well: `python -m sandbox`.
"""

from __future__ import annotations

import argparse
import os
import socket
import threading
import time
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.types import ASGIApp

from sandbox.driver import SlackDriver
from sandbox.page import Page
from sandbox.persistence import StateFile
from sandbox.state import Workspace
from sandbox.web_api import create_web_api

STARTUP_TIMEOUT = 10.0


class BackgroundServer:
    """Serves an ASGI app with uvicorn in a daemon thread on a real port (0 picks a free one)."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None

    @property
    def base_url(self) -> str:
        """Root URL, with a trailing slash."""
        return f"http://{self.host}:{self.port}/"

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
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off")
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
    """Owns a Workspace and serves its Web API, response URLs and the sandbox page on 127.0.0.1.

    `app_url` + `signing_secret` (or `connect_app` later) give the page a SlackDriver to act through.
    `state_path` keeps the workspace in that JSON file: loaded at construction if it exists (and no
    `workspace` is given), saved while it changes and once at stop.
    """

    def __init__(
        self,
        port: int = 0,
        host: str = "127.0.0.1",
        workspace: Workspace | None = None,
        app_url: str | None = None,
        signing_secret: str | None = None,
        state_path: str | os.PathLike[str] | None = None,
    ) -> None:
        if workspace is None and state_path is not None and Path(state_path).exists():
            workspace = Workspace.load(state_path)
        self.workspace = workspace or Workspace()
        self.page = Page(self.workspace, lambda: self._app_driver)
        web_api = create_web_api(self.workspace)
        self._http = BackgroundServer(Starlette(routes=[*self.page.routes(), *web_api.routes]), host, port)
        self._drivers: list[SlackDriver] = []
        self._app_target: tuple[str, str] | None = None
        self._app_driver: SlackDriver | None = None
        self._state_file = StateFile(self.workspace, state_path) if state_path is not None else None
        if app_url is not None:
            if signing_secret is None:
                raise ValueError("app_url needs the app's signing_secret")
            self._app_target = (app_url, signing_secret)

    @property
    def port(self) -> int:
        """The bound port (known after start when constructed with port=0)."""
        return self._http.port

    @property
    def base_url(self) -> str:
        """Root URL of the fake, e.g. for response URLs and permalinks (loopback when bound to all interfaces)."""
        host = "127.0.0.1" if self._http.host in ("0.0.0.0", "") else self._http.host
        return f"http://{host}:{self.port}/"

    @property
    def api_url(self) -> str:
        """What the bot should use as its Slack API base URL."""
        return f"{self.base_url}api/"

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
        self._http.start()
        self._connect()
        if self._state_file is not None:
            self._state_file.start()
        return self

    def stop(self) -> None:
        """End the page's live streams, shut the server down, close drivers and save the state file."""
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

    def driver(self, app_url: str, signing_secret: str) -> SlackDriver:
        """A driver that sends Slack's requests to the app at `app_url`, with response URLs on this fake."""
        driver = SlackDriver(self.workspace, app_url, signing_secret, self.base_url)
        self._drivers.append(driver)
        return driver


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

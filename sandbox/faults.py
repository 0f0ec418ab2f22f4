"""The transport side of scripted faults: slow answers that stopping the fake cuts short, and connection resets.

ASGI has no message for "drop this connection without answering": an app that returns without responding gets a
500 from uvicorn ("ASGI callable returned without starting response"), and one that raises gets a 500 too. So the
fake's server runs uvicorn's own HTTP/1.1 protocol extended to offer each request a reset (`RESET_EXTENSION` in
the ASGI scope's extensions), which aborts the TCP connection with an RST; `ConnectionReset` is the "response"
that uses it. A client then sees a connection reset, as when a proxy or Slack's edge drops it, never a status.

Delays sleep on the server's event loop (other requests go on meanwhile), but uvicorn's shutdown waits for every
running request, so they sleep on a `Shutdown` signal that the fake sets when it stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import threading
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

RESET_EXTENSION = "sandbox.connection_reset"
DISCONNECT_TIMEOUT = 5.0  # how long a reset waits for the server to notice its own abort (it is immediate)


class ResettableH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, offering every request `scope["extensions"][RESET_EXTENSION]["reset"]()`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.app = self._offering_reset(self.app)

    def _offering_reset(self, app: ASGIApp) -> ASGIApp:
        async def offering_reset(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                extensions = scope.get("extensions") or {}
                scope["extensions"] = extensions | {RESET_EXTENSION: {"reset": self.reset}}
            await app(scope, receive, send)

        return offering_reset

    def reset(self) -> None:
        """Drop the connection at once, unanswered, with an RST (SO_LINGER 0) rather than an orderly close,
        so the client reads "connection reset by peer" whatever it was waiting for."""
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.transport.abort()


class ConnectionReset(Response):
    """A "response" that sends nothing: it resets the request's connection through the server's RESET_EXTENSION.

    It then waits for the server to see the connection gone, so uvicorn knows the client left and doesn't try to
    answer the unanswered request with a 500.
    """

    def __init__(self) -> None:
        super().__init__(status_code=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        offered = (scope.get("extensions") or {}).get(RESET_EXTENSION)
        if offered is None:
            raise ConnectionAbortedError("this server can't reset connections: serve the fake with BackgroundServer")
        offered["reset"]()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DISCONNECT_TIMEOUT):
                while (await receive())["type"] != "http.disconnect":
                    pass


class Shutdown:
    """ "The fake is stopping", told from any thread to sleeps on the server's event loop, so a scripted delay
    ends at once instead of holding up uvicorn's shutdown (which waits for every running request)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._set = False
        self._sleepers: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    @property
    def is_set(self) -> bool:
        """Whether the fake is stopping (or stopped)."""
        with self._lock:
            return self._set

    def set(self) -> None:
        """Wake every sleeper now, and make later sleeps return at once."""
        with self._lock:
            self._set = True
            sleepers = list(self._sleepers)
        for loop, event in sleepers:
            with contextlib.suppress(RuntimeError):  # that loop already closed: nobody sleeps there any more
                loop.call_soon_threadsafe(event.set)

    def clear(self) -> None:
        """Let sleeps last again, for a fake started anew."""
        with self._lock:
            self._set = False

    async def sleep(self, seconds: float) -> bool:
        """Sleep `seconds` without blocking the event loop; True if it lasted, False if the fake stopped first."""
        event = asyncio.Event()
        sleeper = (asyncio.get_running_loop(), event)
        with self._lock:
            if self._set:
                return False
            self._sleepers.add(sleeper)
        try:
            async with asyncio.timeout(seconds):
                await event.wait()
            return False
        except TimeoutError:
            return True
        finally:
            with self._lock:
                self._sleepers.discard(sleeper)

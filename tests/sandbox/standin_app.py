"""A stand-in for the bot (NOT the bot) that `python -m sandbox` can run as its app, for the launcher's tests.

Standard library only. It serves GET /healthz and POST /slack/events on $HOST:$PORT, checks Slack's signature
with $SLACK_SIGNING_SECRET, and appends one JSON line per request, plus one with its environment at start, to
the file named by $STANDIN_LOG, before answering, so a test can read it as soon as its request returns.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENV_KEYS = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_API_URL",
    "SLACK_APP_TOKEN",
    "HOST",
    "PORT",
    "DATABASE_URL",
    "MLDESIGN_CLOCK_URL",
)


def record(entry: dict[str, object]) -> None:
    with open(os.environ["STANDIN_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")


def signature_valid(headers: dict[str, str], body: bytes) -> bool:
    timestamp = headers.get("x-slack-request-timestamp", "0")
    if abs(time.time() - int(timestamp)) > 300:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(os.environ["SLACK_SIGNING_SECRET"].encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}", headers.get("x-slack-signature", ""))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/healthz" else 404
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {k.lower(): v for k, v in self.headers.items()}
        valid = signature_valid(headers, body)
        record({"path": self.path, "signature_valid": valid, "body": body.decode(), "headers": headers})
        self.send_response(200 if valid else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        print("standin:", format % args, flush=True)


def main() -> None:
    record({"env": {k: os.environ.get(k) for k in ENV_KEYS}})
    server = ThreadingHTTPServer((os.environ["HOST"], int(os.environ["PORT"])), Handler)
    print(f"standin listening on {os.environ['HOST']}:{os.environ['PORT']}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()

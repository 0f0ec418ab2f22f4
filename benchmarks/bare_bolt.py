"""The floor mldesign stands on: a Bolt app whose listeners only acknowledge `/mldesign`, a message event and any
click, served on the same stack as mldesign (Starlette on uvicorn, Bolt's dispatch in a worker thread).

`python -m benchmarks.bare_bolt --port 4001 [--process-before-response]` serves it; the signing secret, the
bot token and the Web API's URL come from BENCH_SIGNING_SECRET, BENCH_BOT_TOKEN and BENCH_API_URL. Bolt's
default runs the listener in a thread and polls for its ack every 10 ms; with ``process_before_response``
it runs the listener before answering.
"""

from __future__ import annotations

import argparse
import os
import re

import uvicorn
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def bare_app(*, process_before_response: bool) -> Starlette:
    # Bolt authorizes each request with the workspace's token (auth.test once, then cached): the fake Slack
    # the benchmark runs answers it, as Slack would.
    bolt = App(
        signing_secret=os.environ["BENCH_SIGNING_SECRET"],
        client=WebClient(token=os.environ["BENCH_BOT_TOKEN"], base_url=os.environ["BENCH_API_URL"]),
        process_before_response=process_before_response,
    )

    @bolt.command("/mldesign")
    def acknowledge_command(ack: Ack) -> None:
        ack()

    @bolt.event("message")
    def acknowledge_event() -> None:
        """Bolt acknowledges events itself."""

    @bolt.action(re.compile(".*"))
    def acknowledge_click(ack: Ack) -> None:
        ack()

    async def events(request: Request) -> Response:
        body = (await request.body()).decode("utf-8")
        answer = await run_in_threadpool(
            bolt.dispatch, BoltRequest(body=body, query=request.url.query, headers=dict(request.headers))
        )
        return Response(answer.body, answer.status, answer.first_headers_without_set_cookie())

    async def healthz(_: Request) -> Response:
        return Response("ok")

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"]), Route("/healthz", healthz)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--process-before-response", action="store_true")
    arguments = parser.parse_args()
    app = bare_app(process_before_response=arguments.process_before_response)
    uvicorn.run(app, host="127.0.0.1", port=arguments.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()

"""Operators see one structured line per Slack request, and never a token or a secret, whatever happens."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.e2e.conftest import SIGNING_SECRET, BotProcess, bot_for
from tests.e2e.helpers import ALICE, BOB, CHANNEL, DesignThread

pytestmark = pytest.mark.sqlite_only


def request_lines(bot: BotProcess) -> list[dict]:
    lines = [json.loads(line) for line in bot.log().splitlines() if line.startswith("{")]
    return [line for line in lines if line["logger"] == "bot.requests"]


def test_each_request_is_one_json_line_with_its_workspace_kind_latency_and_outcome(slack, driver, db, bot):
    thread = DesignThread.start(slack, driver, db, "Churn model", user=ALICE, channel=CHANNEL)
    thread.answer(BOB, "Two analysts score accounts weekly.")
    thread.click_and_wait(ALICE, "skip_question")
    forged = httpx.post(f"{bot.url}/slack/events", data={"command": "/mldesign", "text": "help"})

    lines = request_lines(bot)

    assert forged.status_code == 401
    assert [(line["kind"], line["status"], line["outcome"]) for line in lines] == [
        ("command /mldesign start", 200, "ok"),
        ("event message", 200, "ok"),
        ("block_actions skip_question", 200, "ok"),
        ("request", 401, "rejected"),  # an unsigned body is not even parsed
    ]
    assert {line["team"] for line in lines[:3]} == {"T0SANDBOX"}
    assert all(isinstance(line["ms"], float) and line["ms"] >= 0 for line in lines)
    assert "Two analysts" not in bot.log(), "what people type is theirs, not the log's"


def test_tokens_and_secrets_never_reach_the_log_even_at_debug_level(slack, database_url, tmp_path):
    token = slack.workspace.bot_token
    environment = {"LOG_LEVEL": "DEBUG", "LOG_FORMAT": "text"}
    bot = bot_for(slack, database_url, tmp_path / "debug.log", environment=environment).start()
    try:
        with slack.driver(f"{bot.url}/slack/events", SIGNING_SECRET) as driver:
            driver.slash_command(ALICE, CHANNEL, "start Churn model")
            slack.workspace.wait_for(lambda ws: len(ws.messages(CHANNEL)) >= 1)
            driver.slash_command(ALICE, CHANNEL, f"start {token}")  # a person pastes a token by mistake
            httpx.post(f"{bot.url}/slack/events", data={"token": token, "text": SIGNING_SECRET})
    finally:
        bot.stop()

    log = bot.log()
    assert "slack request" in log and "DEBUG" in log, "the log did record the requests, in detail"
    assert token not in log
    assert SIGNING_SECRET not in log
    assert "xoxb-" not in log

"""The sandbox page's Home tab in Chromium, against a stand-in app (NOT the bot, whose Home tab doesn't exist yet).

The stand-in publishes a Home view when Alice opens the tab and republishes it when its button is clicked, so
the test sees the page send app_home_opened, draw the view, click through it and update live.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from slack_sdk import WebClient

from sandbox import FakeSlack
from sandbox.server import BackgroundServer
from tests.sandbox.recording_app import SIGNING_SECRET, RecordingApp


def _home(designs: int) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Your designs"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{designs}* in progress"}},
            {
                "type": "actions",
                "elements": [{"type": "button", "action_id": "add", "text": {"type": "plain_text", "text": "Add one"}}],
            },
        ],
    }


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        client = WebClient(token=running.workspace.bot_token, base_url=running.api_url)
        clicks: list[str] = []

        def answer(data: dict[str, Any]) -> None:
            event = data.get("event") or {}
            if event.get("type") == "app_home_opened" and event["user"] == "U0ALICE":
                client.views_publish(user_id="U0ALICE", view=_home(len(clicks)))
            if data.get("type") == "block_actions":
                clicks.append(data["actions"][0]["action_id"])
                client.views_publish(user_id=data["user"]["id"], view=_home(len(clicks)))

        app = RecordingApp(on_request=answer)
        server = BackgroundServer(app.asgi())
        server.start()
        running.connect_app(f"{server.base_url}slack/events", SIGNING_SECRET)
        yield running
        server.stop()


@pytest.fixture
def page(browser: Browser, fake: FakeSlack) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    opened.goto(f"{fake.base_url}?user=U0ALICE")
    yield opened
    context.close()


def test_the_home_tab_shows_the_published_view_and_its_buttons_work(page: Page, fake: FakeSlack) -> None:
    expect(page.locator("#composer-input")).to_be_visible()

    page.click("#home-tab")

    home = page.locator("#home")
    expect(home).to_contain_text("Your designs")
    expect(home).to_contain_text("0 in progress")
    expect(page.locator("#channel-title")).to_have_text("mldesign · Home")
    expect(page.locator("#composer-input")).to_be_hidden()
    home.get_by_role("button", name="Add one").click()
    expect(home).to_contain_text("1 in progress")
    opened = [d.request["event"] for d in fake.workspace.deliveries("event")]
    assert [(e["type"], e["user"]) for e in opened] == [("app_home_opened", "U0ALICE")]


def test_someone_without_a_home_view_is_told_so_and_channels_come_back(page: Page, fake: FakeSlack) -> None:
    page.select_option("#user-picker", "U0BOB")
    page.click("#home-tab")

    expect(page.locator("#home")).to_contain_text("This app has no Home tab for you yet")
    fake.workspace.wait_for(lambda ws: any(d.request["event"]["user"] == "U0BOB" for d in ws.deliveries("event")))
    page.click("#channel-list [data-channel-id='C0MLTEAM']")
    expect(page.locator("#home")).to_be_hidden()
    expect(page.locator("#composer-input")).to_be_visible()

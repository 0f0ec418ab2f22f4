"""Fixtures: a running fake Slack, a real slack_sdk client against it, and a stand-in app for the driver."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from sandbox import FakeSlack, SlackDriver
from sandbox.server import BackgroundServer
from tests.sandbox.recording_app import SIGNING_SECRET, RecordingApp


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as running:
        yield running


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=fake.workspace.bot_token, base_url=fake.api_url)


@pytest.fixture
def app() -> Iterator[tuple[RecordingApp, str]]:
    recorder = RecordingApp()
    server = BackgroundServer(recorder.asgi())
    server.start()
    yield recorder, f"{server.base_url}slack/events"
    server.stop()


@pytest.fixture
def driver(fake: FakeSlack, app: tuple[RecordingApp, str]) -> SlackDriver:
    return fake.driver(app[1], SIGNING_SECRET)


@pytest.fixture
def recorder(app: tuple[RecordingApp, str]) -> RecordingApp:
    return app[0]

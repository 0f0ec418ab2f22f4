"""Scripted slow answers and connection resets, seen through real clients (slack_sdk's urllib one and httpx).

The app has to survive a Slack that answers late (its call may land after it gave up) or drops the connection
without any answer; these pin down that the fake behaves that way, per method and per call.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import FakeSlack
from sandbox.records import ResponseTarget

# Every slack_sdk client retries a connection error once by default; this one shows what a single call sees.
NO_RETRIES: list[Any] = []


class _Background:
    """Runs one call in a thread, keeping its result or error, so the test can act while the call is delayed."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self._call = call
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.result = self._call()
        except BaseException as e:
            self.error = e

    def join(self, timeout: float = 30.0) -> None:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the call did not return within {timeout}s"


class _Errors(logging.Handler):
    """Collects uvicorn's error log, where an unanswered request would show up as a 500 it sent."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.fixture
def server_errors() -> Iterator[_Errors]:
    errors = _Errors()
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(errors)
    yield errors
    logger.removeHandler(errors)


def _bare(fake: FakeSlack, timeout: int = 30) -> WebClient:
    return WebClient(token=fake.workspace.bot_token, base_url=fake.api_url, timeout=timeout, retry_handlers=NO_RETRIES)


def _post(fake: FakeSlack, text: str, timeout: float = 30.0) -> httpx.Response:
    """chat.postMessage over httpx (a fresh connection each time)."""
    return httpx.post(
        f"{fake.api_url}chat.postMessage",
        headers={"Authorization": f"Bearer {fake.workspace.bot_token}"},
        data={"channel": "C0MLTEAM", "text": text},
        timeout=timeout,
    )


def _texts(fake: FakeSlack) -> list[str]:
    return [m["text"] for m in fake.workspace.messages("C0MLTEAM")]


def _in_flight(fake: FakeSlack) -> None:
    """Wait until every scripted fault was taken, i.e. the calls meant to hit them have arrived."""
    fake.workspace.wait_for(lambda ws: not ws.pending_faults())


# -- delays --------------------------------------------------------------------------------------------


def test_a_delayed_call_answers_after_the_delay_and_takes_effect(client: WebClient, fake: FakeSlack) -> None:
    fake.workspace.delay_next("chat.postMessage", 0.5)

    started = time.monotonic()
    posted = client.chat_postMessage(channel="C0MLTEAM", text="slow but sure")

    assert time.monotonic() - started >= 0.5
    assert _texts(fake) == ["slow but sure"]
    [call] = fake.workspace.calls("chat.postMessage")
    assert call.response["ok"] is True and call.response["ts"] == posted["ts"]


def test_a_client_that_times_out_still_sees_its_call_land(fake: FakeSlack) -> None:
    fake.workspace.delay_next("chat.postMessage", 3)

    with pytest.raises(TimeoutError):
        _bare(fake, timeout=1).chat_postMessage(channel="C0MLTEAM", text="did it post?")
    assert _texts(fake) == [], "not yet: the call is still being delayed"

    fake.workspace.wait_for(lambda ws: [m["text"] for m in ws.messages("C0MLTEAM")] == ["did it post?"])
    [call] = fake.workspace.calls("chat.postMessage")
    assert call.response["ok"] is True


def test_other_calls_go_on_while_one_is_delayed(client: WebClient, fake: FakeSlack) -> None:
    delay = 5.0
    fake.workspace.delay_next("chat.postMessage", delay)
    slow = _Background(lambda: _post(fake, "slow"))
    _in_flight(fake)

    started = time.monotonic()
    assert client.auth_test()["user_id"] == "U0BOT"
    client.chat_postMessage(channel="C0MLTEAM", text="fast")  # only the next call of the method was delayed
    elapsed = time.monotonic() - started

    assert elapsed < delay / 2, f"calls made during the delay took {elapsed:.2f}s"
    assert _texts(fake) == ["fast"]
    slow.join()
    assert slow.error is None and slow.result.json()["ok"] is True
    assert _texts(fake) == ["fast", "slow"]


def test_stopping_the_fake_during_a_long_delay_returns_promptly() -> None:
    fake = FakeSlack().start()
    try:
        fake.workspace.delay_next("chat.postMessage", 120)
        slow = _Background(lambda: _post(fake, "never"))
        _in_flight(fake)
        started = time.monotonic()
        fake.stop()
        stopped_in = time.monotonic() - started
    finally:
        fake.stop()

    assert stopped_in < 5, f"stop took {stopped_in:.2f}s"
    slow.join()
    assert isinstance(slow.error, httpx.TransportError), "the dropped call gets no answer"
    assert _texts(fake) == []
    assert [c.response for c in fake.workspace.calls("chat.postMessage")] == [{"reset": True}]


# -- resets --------------------------------------------------------------------------------------------


def test_a_reset_gives_httpx_a_connection_error_and_changes_nothing(fake: FakeSlack, server_errors: _Errors) -> None:
    fake.workspace.reset_next("chat.postMessage")
    before = fake.workspace.snapshot()

    with pytest.raises(httpx.TransportError) as err:
        _post(fake, "lost")

    assert isinstance(err.value, httpx.ReadError | httpx.RemoteProtocolError), repr(err.value)
    assert fake.workspace.snapshot() == before
    assert [c.response for c in fake.workspace.calls("chat.postMessage")] == [{"reset": True}]
    assert _post(fake, "again").json()["ok"] is True
    assert _texts(fake) == ["again"]
    assert server_errors.messages == [], "uvicorn answered the reset call itself"


def test_a_reset_gives_slack_sdk_a_connection_error(fake: FakeSlack, server_errors: _Errors) -> None:
    fake.workspace.reset_next("chat.postMessage")
    before = fake.workspace.snapshot()

    with pytest.raises(ConnectionResetError):  # urllib's own error: no HTTP status, no SlackApiError
        _bare(fake).chat_postMessage(channel="C0MLTEAM", text="lost")

    assert fake.workspace.snapshot() == before
    assert [c.params["text"] for c in fake.workspace.calls("chat.postMessage")] == ["lost"]
    assert server_errors.messages == []


def test_slack_sdk_retries_one_reset_by_default(client: WebClient, fake: FakeSlack) -> None:
    fake.workspace.reset_next("chat.postMessage")
    client.chat_postMessage(channel="C0MLTEAM", text="second attempt lands")
    assert [c.response.get("reset", False) for c in fake.workspace.calls("chat.postMessage")] == [True, False]

    fake.workspace.reset_next("chat.postMessage", times=2)
    with pytest.raises(ConnectionResetError):
        client.chat_postMessage(channel="C0MLTEAM", text="both attempts reset")

    assert len(fake.workspace.calls("chat.postMessage")) == 4
    assert _texts(fake) == ["second attempt lands"]


# -- scripting -----------------------------------------------------------------------------------------


def test_times_counts_are_honoured(fake: FakeSlack) -> None:
    bare = _bare(fake)
    fake.workspace.delay_next("auth.test", 0.3, times=2)
    fake.workspace.reset_next("users.info", times=2)
    assert fake.workspace.pending_faults() == {"auth.test": {"delay": 2}, "users.info": {"reset": 2}}

    for left in (1, 0):
        started = time.monotonic()
        bare.auth_test()
        assert time.monotonic() - started >= 0.3
        with pytest.raises(ConnectionResetError):
            bare.users_info(user="U0ALICE")
        expected = {"auth.test": {"delay": left}, "users.info": {"reset": left}} if left else {}
        assert fake.workspace.pending_faults() == expected

    assert bare.users_info(user="U0ALICE")["user"]["name"] == "alice"
    assert [c.response.get("reset", False) for c in fake.workspace.calls("users.info")] == [True, True, False]
    assert [c.response["ok"] for c in fake.workspace.calls("auth.test")] == [True, True]


def test_times_zero_and_clear_faults_forget_what_was_scripted(client: WebClient, fake: FakeSlack) -> None:
    ws = fake.workspace
    for method in ("chat.postMessage", "users.info"):
        ws.fail_next(method, times=3)
        ws.delay_next(method, 60, times=3)
        ws.reset_next(method, times=3)

    ws.delay_next("chat.postMessage", 60, times=0)
    ws.reset_next("chat.postMessage", times=0)
    assert ws.pending_faults()["chat.postMessage"] == {"fail": 3}
    ws.fail_next("chat.postMessage", times=0)
    ws.clear_faults("users.info")
    assert ws.pending_faults() == {}

    ws.delay_next("auth.test", 60)
    ws.reset_next("pins.list")
    ws.clear_faults()
    assert ws.pending_faults() == {}

    started = time.monotonic()
    client.chat_postMessage(channel="C0MLTEAM", text="nothing scripted")
    client.users_info(user="U0ALICE")
    client.auth_test()
    client.pins_list(channel="C0MLTEAM")
    assert time.monotonic() - started < 20, "a cleared delay still applied"
    assert _texts(fake) == ["nothing scripted"]


def test_a_delay_must_be_a_number_of_seconds(fake: FakeSlack) -> None:
    for seconds in (-1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            fake.workspace.delay_next("chat.postMessage", seconds)
    assert fake.workspace.pending_faults() == {}


def test_a_delay_combines_with_a_failure_or_a_reset(fake: FakeSlack) -> None:
    bare = _bare(fake)
    posted = bare.chat_postMessage(channel="C0MLTEAM", text="v1")
    ws = fake.workspace
    ws.delay_next("chat.postMessage", 0.4)
    ws.fail_next("chat.postMessage", http_status=503)
    ws.delay_next("chat.update", 0.4)
    ws.fail_next("chat.update", "message_not_found")
    ws.delay_next("pins.add", 0.4)
    ws.reset_next("pins.add")

    started = time.monotonic()
    with pytest.raises(SlackApiError) as unavailable:
        bare.chat_postMessage(channel="C0MLTEAM", text="v2")
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    with pytest.raises(SlackApiError) as not_found:
        bare.chat_update(channel="C0MLTEAM", ts=posted["ts"], text="v2")
    assert time.monotonic() - started >= 0.4
    started = time.monotonic()
    with pytest.raises(ConnectionResetError):
        bare.pins_add(channel="C0MLTEAM", timestamp=posted["ts"])
    assert time.monotonic() - started >= 0.4

    assert unavailable.value.response.status_code == 503
    assert (not_found.value.response.status_code, not_found.value.response["error"]) == (200, "message_not_found")
    assert _texts(fake) == ["v1"]
    assert ws.pins("C0MLTEAM") == []
    assert ws.pending_faults() == {}


def test_response_and_upload_urls_can_be_delayed_and_reset(fake: FakeSlack) -> None:
    ws = fake.workspace
    url = f"{fake.base_url}response/{ws.register_response_url(ResponseTarget(channel='C0MLTEAM', user='U0ALICE'))}"
    ws.reset_next("response_url")
    with pytest.raises(httpx.TransportError):
        httpx.post(url, json={"text": "lost"})
    ws.delay_next("response_url", 0.4)
    started = time.monotonic()
    assert httpx.post(url, json={"text": "late"}).text == "ok"
    assert time.monotonic() - started >= 0.4
    assert [e["text"] for e in ws.ephemerals("C0MLTEAM", "U0ALICE")] == ["late"]
    assert [c.response for c in ws.calls("response_url")] == [{"reset": True}, {"ok": True}]

    bare = _bare(fake)
    ws.reset_next("upload_url")
    with pytest.raises(ConnectionResetError):
        bare.files_upload_v2(content="# Design", filename="design.md", channel="C0MLTEAM")
    ws.delay_next("upload_url", 0.4)
    file = bare.files_upload_v2(content="# Design", filename="design.md", channel="C0MLTEAM")["file"]
    assert [m["files"][0]["id"] for m in ws.messages("C0MLTEAM")] == [file["id"]]
    assert [c.response.get("reset", False) for c in ws.calls("upload_url")] == [True, False]


def test_a_failure_can_be_scripted_for_the_calls_of_one_kind_only(fake: FakeSlack, client: WebClient) -> None:
    """Say, the posts of one kind of message: the others go through meanwhile."""
    summary = {"event_type": "summary", "event_payload": {}}
    fake.workspace.fail_next(
        "chat.postMessage", error="msg_blocks_too_long", matching=lambda args: args.get("metadata") == summary
    )

    client.chat_postMessage(channel="C0MLTEAM", text="a question")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0MLTEAM", text="the summary", metadata=summary)
    client.chat_postMessage(channel="C0MLTEAM", text="the summary again", metadata=summary)

    assert refused.value.response["error"] == "msg_blocks_too_long"
    assert _texts(fake) == ["a question", "the summary again"]

"""The driver, against a tiny signature-checking app (not the bot): what Slack would send, and how."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from starlette.responses import JSONResponse, Response

from sandbox import FakeSlack, SlackDriver
from sandbox.records import SlackError
from tests.sandbox.recording_app import RecordingApp

CHOICES = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Which model family?"}},
    {
        "type": "actions",
        "block_id": "choices",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": "design-7",
                "style": "primary",
            },
            {
                "type": "static_select",
                "action_id": "family",
                "placeholder": {"type": "plain_text", "text": "Pick one"},
                "options": [
                    {"text": {"type": "plain_text", "text": "Gradient boosting"}, "value": "gbm"},
                    {"text": {"type": "plain_text", "text": "Transformer"}, "value": "transformer"},
                ],
            },
        ],
    },
]


def _post_choices(client: WebClient, **kwargs: Any) -> str:
    return client.chat_postMessage(channel="C0MLTEAM", text="Which model family?", blocks=CHOICES, **kwargs)["ts"]


def test_slash_command_is_signed_form_encoded_and_ack_shown_ephemerally(
    driver: SlackDriver, recorder: RecordingApp, fake: FakeSlack
) -> None:
    recorder.command_ack = {"text": "Starting a design session..."}

    response = driver.slash_command("U0ALICE", "C0MLTEAM", "new churn model")

    got = recorder.last
    assert response.status_code == 200
    assert got.signature_valid
    assert got.headers["content-type"] == "application/x-www-form-urlencoded"
    assert {k: got.data[k] for k in ("user_id", "channel_id", "channel_name", "command", "text")} == {
        "user_id": "U0ALICE",
        "channel_id": "C0MLTEAM",
        "channel_name": "ml-team",
        "command": "/mldesign",
        "text": "new churn model",
    }
    assert got.data["response_url"].startswith(f"{fake.base_url}response/")
    assert got.data["trigger_id"] and got.data["is_enterprise_install"] == "false"
    assert [e["text"] for e in fake.workspace.ephemerals("C0MLTEAM", "U0ALICE")] == ["Starting a design session..."]


def test_a_command_answered_after_slacks_deadline_shows_operation_timeout_not_the_answer(
    driver: SlackDriver, recorder: RecordingApp, fake: FakeSlack
) -> None:
    def slow_ack(data: dict[str, Any]) -> Response:
        time.sleep(0.3)  # an app that takes longer than Slack waits (the deadline is shortened for the test)
        return JSONResponse({"text": "Here is your status"})

    recorder.respond = slow_ack
    driver.ack_deadline = 0.1

    response = driver.slash_command("U0ALICE", "C0MLTEAM", "status churn")

    assert response.status_code == 200
    shown = [e["text"] for e in fake.workspace.ephemerals("C0MLTEAM", "U0ALICE")]
    assert shown == ['/mldesign failed with the error "operation_timeout"']


def test_an_ssl_check_is_an_unsigned_form_with_ssl_check_1(driver: SlackDriver, recorder: RecordingApp) -> None:
    driver.ssl_check()

    got = recorder.last
    assert got.headers["content-type"] == "application/x-www-form-urlencoded"
    assert "x-slack-signature" not in got.headers and "x-slack-request-timestamp" not in got.headers
    assert got.data == {"ssl_check": "1", "token": "sandbox-verification-token"}


def test_empty_ack_then_response_url_reply_in_channel(
    driver: SlackDriver, recorder: RecordingApp, fake: FakeSlack
) -> None:
    recorder.on_request = lambda data: httpx.post(
        data["response_url"], json={"response_type": "in_channel", "text": f"Session for {data['text']}"}
    )

    driver.slash_command("U0BOB", "C0MLTEAM", "fraud detector")

    fake.workspace.wait_for(lambda ws: len(ws.messages("C0MLTEAM")) == 1)
    assert fake.workspace.messages("C0MLTEAM")[0]["text"] == "Session for fraud detector"
    assert fake.workspace.ephemerals() == [], "an empty ack shows nothing"


def test_post_message_delivers_event_callback(driver: SlackDriver, recorder: RecordingApp, fake: FakeSlack) -> None:
    ts, response = driver.post_message("U0ALICE", "C0MLTEAM", "hello bot")

    envelope = recorder.last.data
    event = envelope["event"]
    assert response.status_code == 200 and recorder.last.signature_valid
    assert recorder.last.headers["content-type"] == "application/json"
    assert envelope["type"] == "event_callback" and envelope["event_id"].startswith("Ev")
    assert envelope["authorizations"][0]["user_id"] == "U0BOT"
    assert (event["type"], event["user"], event["text"], event["ts"], event["channel"]) == (
        "message",
        "U0ALICE",
        "hello bot",
        ts,
        "C0MLTEAM",
    )
    assert event["blocks"][0]["type"] == "rich_text"
    assert fake.workspace.messages("C0MLTEAM")[0]["text"] == "hello bot"


def test_thread_reply_event_and_bot_answering_in_thread(
    driver: SlackDriver, recorder: RecordingApp, fake: FakeSlack, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel="C0MLTEAM", text="What is the target?")["ts"]
    recorder.on_request = lambda data: client.chat_postMessage(
        channel=data["event"]["channel"], thread_ts=data["event"]["thread_ts"], text="Noted: " + data["event"]["text"]
    )

    driver.post_message("U0CAROL", "C0MLTEAM", "30-day churn", thread_ts=parent)

    event = recorder.last.data["event"]
    assert (event["thread_ts"], event["parent_user_id"]) == (parent, "U0BOT")
    fake.workspace.wait_for(lambda ws: len(ws.replies("C0MLTEAM", parent)) == 2)
    assert [m["text"] for m in fake.workspace.replies("C0MLTEAM", parent)] == ["30-day churn", "Noted: 30-day churn"]


def test_edit_and_delete_deliver_subtyped_events(driver: SlackDriver, recorder: RecordingApp) -> None:
    ts, _ = driver.post_message("U0ALICE", "C0MLTEAM", "latency 100ms")

    driver.edit_message("U0ALICE", "C0MLTEAM", ts, "latency 50ms")
    changed = recorder.last.data["event"]
    driver.delete_message("U0ALICE", "C0MLTEAM", ts)
    deleted = recorder.last.data["event"]

    assert (changed["subtype"], changed["hidden"]) == ("message_changed", True)
    assert (changed["message"]["text"], changed["message"]["ts"]) == ("latency 50ms", ts)
    assert changed["message"]["edited"]["user"] == "U0ALICE"
    assert changed["previous_message"]["text"] == "latency 100ms"
    assert (deleted["subtype"], deleted["deleted_ts"]) == ("message_deleted", ts)
    assert deleted["previous_message"]["text"] == "latency 50ms"
    with pytest.raises(ValueError, match="author"):
        driver.edit_message("U0BOB", "C0MLTEAM", driver.post_message("U0ALICE", "C0MLTEAM", "x")[0], "y")


def test_unpinning_delivers_pin_removed(
    driver: SlackDriver, recorder: RecordingApp, client: WebClient, fake: FakeSlack
) -> None:
    summary = client.chat_postMessage(channel="C0MLTEAM", text="Design summary")["ts"]
    other = client.chat_postMessage(channel="C0MLTEAM", text="Decisions")["ts"]
    client.pins_add(channel="C0MLTEAM", timestamp=summary)
    client.pins_add(channel="C0MLTEAM", timestamp=other)
    pinned_at = fake.workspace.pins("C0MLTEAM")[0]["created"]

    response = driver.unpin_message("U0ALICE", "C0MLTEAM", summary)

    got = recorder.last
    event = got.data["event"]
    assert response.status_code == 200 and got.signature_valid and got.data["type"] == "event_callback"
    assert {k: event[k] for k in ("type", "user", "channel_id", "item_user", "pin_count", "has_pins")} == {
        "type": "pin_removed",
        "user": "U0ALICE",
        "channel_id": "C0MLTEAM",
        "item_user": "U0BOT",
        "pin_count": "1",
        "has_pins": True,
    }
    item = event["item"]
    assert (item["type"], item["channel"], item["created"], item["created_by"]) == (
        "message",
        "C0MLTEAM",
        pinned_at,
        "U0BOT",
    )
    assert (item["message"]["ts"], item["message"]["text"]) == (summary, "Design summary")
    assert item["message"]["permalink"] == f"{fake.base_url}archives/C0MLTEAM/p{summary.replace('.', '')}"
    assert event["pinned_info"] == {"channel": "C0MLTEAM", "pinned_by": "U0BOT", "pinned_ts": pinned_at}
    assert got.data["event_time"] == int(float(event["event_ts"]))
    assert [p["message"]["ts"] for p in fake.workspace.pins("C0MLTEAM")] == [other]

    driver.unpin_message("U0BOB", "C0MLTEAM", other)
    assert (recorder.last.data["event"]["pin_count"], recorder.last.data["event"]["has_pins"]) == ("0", False)
    with pytest.raises(SlackError, match="no_pin"):
        driver.unpin_message("U0ALICE", "C0MLTEAM", summary)
    assert len(recorder.received) == 2, "nothing is sent for a pin that isn't there"


def test_other_bot_message(driver: SlackDriver, recorder: RecordingApp) -> None:
    driver.bot_message("C0GENERAL", "deploy finished")
    event = recorder.last.data["event"]
    assert (event["subtype"], event["bot_id"], event["text"]) == ("bot_message", "B0OTHER", "deploy finished")


def test_retry_carries_headers_and_same_event_id(driver: SlackDriver, recorder: RecordingApp) -> None:
    event = {"type": "app_mention", "user": "U0ALICE", "text": "<@U0BOT> hi", "ts": "1.000001", "channel": "C0GENERAL"}
    driver.send_event(event, event_id="Ev0RETRY")
    driver.send_event(event, event_id="Ev0RETRY", retry_num=1, retry_reason="http_timeout")

    first, retry = recorder.received
    assert "x-slack-retry-num" not in first.headers
    assert (retry.headers["x-slack-retry-num"], retry.headers["x-slack-retry-reason"]) == ("1", "http_timeout")
    assert first.data["event_id"] == retry.data["event_id"] == "Ev0RETRY"
    assert retry.signature_valid


def test_click_button_sends_block_actions(
    driver: SlackDriver, recorder: RecordingApp, client: WebClient, fake: FakeSlack
) -> None:
    ts = _post_choices(client)

    driver.click("U0ALICE", "C0MLTEAM", ts, "approve")

    payload = recorder.last.data
    assert recorder.last.signature_valid
    assert recorder.last.headers["content-type"] == "application/x-www-form-urlencoded"
    assert payload["type"] == "block_actions"
    assert payload["user"] == {"id": "U0ALICE", "username": "alice", "name": "alice", "team_id": "T0SANDBOX"}
    assert payload["container"] == {
        "type": "message",
        "message_ts": ts,
        "channel_id": "C0MLTEAM",
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": "C0MLTEAM", "name": "ml-team"}
    assert payload["message"]["blocks"][1]["block_id"] == "choices"
    [action] = payload["actions"]
    assert {k: action[k] for k in ("type", "action_id", "block_id", "value", "style")} == {
        "type": "button",
        "action_id": "approve",
        "block_id": "choices",
        "value": "design-7",
        "style": "primary",
    }
    assert action["text"]["text"] == "Approve" and action["action_ts"]

    httpx.post(payload["response_url"], json={"replace_original": True, "text": "Approved by alice"})
    assert fake.workspace.messages("C0MLTEAM")[0]["text"] == "Approved by alice"


def test_click_static_select_sends_selected_option(
    driver: SlackDriver, recorder: RecordingApp, client: WebClient
) -> None:
    ts = _post_choices(client)

    driver.click("U0BOB", "C0MLTEAM", ts, "family", selected="transformer")

    [action] = recorder.last.data["actions"]
    assert action["type"] == "static_select"
    assert action["selected_option"] == {"text": {"type": "plain_text", "text": "Transformer"}, "value": "transformer"}
    assert action["placeholder"]["text"] == "Pick one"
    assert recorder.last.data["state"]["values"]["choices"]["family"]["selected_option"]["value"] == "transformer"
    with pytest.raises(ValueError, match="no option 'svm'"):
        driver.click("U0BOB", "C0MLTEAM", ts, "family", selected="svm")


def test_click_in_a_thread_reports_thread_ts(driver: SlackDriver, recorder: RecordingApp, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0MLTEAM", text="session")["ts"]
    ts = _post_choices(client, thread_ts=parent)
    driver.click("U0ALICE", "C0MLTEAM", ts, "approve")
    assert recorder.last.data["container"]["thread_ts"] == parent


def test_click_missing_action_id_fails_loudly(driver: SlackDriver, recorder: RecordingApp, client: WebClient) -> None:
    ts = _post_choices(client)
    with pytest.raises(LookupError, match="reject"):
        driver.click("U0ALICE", "C0MLTEAM", ts, "reject")
    with pytest.raises(LookupError):
        driver.click("U0ALICE", "C0MLTEAM", "1.000000", "approve")
    assert recorder.received == [], "nothing was sent to the app"


def test_click_on_own_ephemeral_and_replace_it(
    driver: SlackDriver, recorder: RecordingApp, client: WebClient, fake: FakeSlack
) -> None:
    ts = client.chat_postEphemeral(channel="C0MLTEAM", user="U0ALICE", text="Only you", blocks=CHOICES)["message_ts"]

    driver.click("U0ALICE", "C0MLTEAM", ts, "approve")
    payload = recorder.last.data
    assert payload["container"]["is_ephemeral"] is True
    assert "message" not in payload
    with pytest.raises(LookupError):
        driver.click("U0BOB", "C0MLTEAM", ts, "approve")

    httpx.post(payload["response_url"], json={"replace_original": True, "text": "Thanks!"})
    assert [e["text"] for e in fake.workspace.ephemerals("C0MLTEAM", "U0ALICE")] == ["Thanks!"]


def test_forged_and_stale_signatures_are_rejected_by_the_app(
    fake: FakeSlack, app: tuple[RecordingApp, str], driver: SlackDriver
) -> None:
    body = b'{"type": "event_callback"}'
    forger = fake.driver(app[1], "not-the-secret")

    forged = driver.raw_post(body, {"Content-Type": "application/json", **forger.sign(body)})
    stale = driver.raw_post(
        body, {"Content-Type": "application/json", **driver.sign(body, timestamp=int(time.time()) - 600)}
    )
    good = driver.raw_post(body, {"Content-Type": "application/json", **driver.sign(body)})

    assert (forged.status_code, stale.status_code, good.status_code) == (401, 401, 200)
    assert [d.status for d in fake.workspace.deliveries("raw")] == [401, 401, 200]


HOME: dict[str, Any] = {
    "type": "home",
    "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*Your designs*"}}],
}


def test_open_home_sends_app_home_opened_with_the_published_view(
    driver: SlackDriver, recorder: RecordingApp, client: WebClient
) -> None:
    first = driver.open_home("U0BOB")
    before = recorder.last.data["event"]
    published = client.views_publish(user_id="U0BOB", view=HOME)["view"]
    driver.open_home("U0BOB")
    after = recorder.last

    assert first.status_code == 200 and after.signature_valid and after.data["type"] == "event_callback"
    assert {k: before[k] for k in ("type", "user", "channel", "tab")} == {
        "type": "app_home_opened",
        "user": "U0BOB",
        "channel": "D0BOB",
        "tab": "home",
    }
    assert before["event_ts"] and "view" not in before, "no view until the app publishes one"
    view = after.data["event"]["view"]
    assert (view["id"], view["type"], view["blocks"][0]["text"]["text"]) == (published["id"], "home", "*Your designs*")
    with pytest.raises(ValueError, match="bot user"):
        driver.open_home("U0BOT")


def test_uninstall_revokes_every_token_then_tells_the_app(
    driver: SlackDriver, recorder: RecordingApp, fake: FakeSlack, client: WebClient
) -> None:
    installed = fake.workspace.issue_token(("chat:write",), "U0ALICE").token

    revoked, uninstalled = driver.uninstall_app()

    assert (revoked.status_code, uninstalled.status_code) == (200, 200)
    first, second = recorder.received
    assert first.signature_valid and second.signature_valid
    assert (first.data["team_id"], first.data["type"]) == ("T0SANDBOX", "event_callback")
    assert {k: first.data["event"][k] for k in ("type", "tokens")} == {
        "type": "tokens_revoked",
        "tokens": {"oauth": [], "bot": ["U0BOT"]},
    }
    assert second.data["event"]["type"] == "app_uninstalled" and second.data["event_id"] != first.data["event_id"]
    for token in (fake.workspace.bot_token, installed):
        with pytest.raises(SlackApiError) as raised:
            WebClient(token=token, base_url=fake.api_url).auth_test()
        assert raised.value.response["error"] == "token_revoked"
    assert all(t.revoked for t in fake.workspace.tokens())

"""Bot-token scopes: a token an OAuth install issued may call only what its granted scopes allow, as on Slack."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import FakeSlack, SlackDriver
from sandbox.parts.identity import DISTRIBUTED_READ_INTERVAL_SECONDS, DISTRIBUTED_READ_METHODS
from sandbox.records import Channel
from sandbox.scopes import BOT_SCOPES
from sandbox.web_api import METHODS
from tests.sandbox.recording_app import RecordingApp

REDIRECT = "https://app.example/slack/oauth_redirect"
PRIVATE = Channel("C0SECRET", "secret-project", is_private=True)


@pytest.fixture(autouse=True)
def _private_channel(fake: FakeSlack) -> None:
    fake.workspace.add_channel(PRIVATE)


def _install(fake: FakeSlack, scope: str) -> str:
    """Install the app through the OAuth flow (Allow, then oauth.v2.access) granting `scope`; the bot token."""
    flow = {"client_id": "sandbox-client-id", "scope": scope, "redirect_uri": REDIRECT}
    allowed = httpx.get(f"{fake.base_url}oauth/v2/authorize/approve", params=flow)
    code = parse_qs(urlsplit(allowed.headers["location"]).query)["code"][0]
    form = {"client_id": "sandbox-client-id", "client_secret": "sandbox-client-secret", "code": code}
    answer = httpx.post(f"{fake.api_url}oauth.v2.access", data=form).json()
    assert answer["ok"] and answer["scope"] == scope, answer
    return str(answer["access_token"])


def _call(fake: FakeSlack, token: str, method: str, **args: str) -> httpx.Response:
    if method in DISTRIBUTED_READ_METHODS:  # these installs are a distributed app's: one read a minute
        fake.workspace.clock_offset_seconds += DISTRIBUTED_READ_INTERVAL_SECONDS
    return httpx.post(f"{fake.api_url}{method}", data=args, headers={"Authorization": f"Bearer {token}"})


def _refusal(fake: FakeSlack, token: str, method: str, **args: str) -> dict[str, Any]:
    """Call and expect Slack's missing_scope answer: HTTP 200, ok false; returns the body."""
    answer = _call(fake, token, method, **args)
    body = answer.json()
    assert answer.status_code == 200 and body["ok"] is False and body["error"] == "missing_scope", body
    return dict(body)


def test_a_chat_write_install_posts_but_may_not_pin_or_react(fake: FakeSlack) -> None:
    ws = fake.workspace
    installed = WebClient(token=_install(fake, "chat:write"), base_url=fake.api_url)
    ts = installed.chat_postMessage(channel="C0MLTEAM", text="Design review at 3")["ts"]

    pin = _refusal(fake, installed.token or "", "pins.add", channel="C0MLTEAM", timestamp=ts)
    with pytest.raises(SlackApiError) as react:
        installed.reactions_add(channel="C0MLTEAM", timestamp=ts, name="eyes")

    assert pin == {"ok": False, "error": "missing_scope", "needed": "pins:write", "provided": "chat:write"}
    assert react.value.response.data == {
        "ok": False,
        "error": "missing_scope",
        "needed": "reactions:write",
        "provided": "chat:write",
    }
    assert react.value.response.headers["x-accepted-oauth-scopes"] == "reactions:write"
    assert ws.pins("C0MLTEAM") == [] and "reactions" not in ws.messages("C0MLTEAM")[0]
    [refused_pin] = ws.calls("pins.add")
    assert refused_pin.params == {"channel": "C0MLTEAM", "timestamp": ts} and refused_pin.token == installed.token
    assert refused_pin.response["error"] == "missing_scope"
    assert ws.calls("reactions.add")[0].response["needed"] == "reactions:write"


def test_a_refused_call_leaves_a_scripted_fault_for_the_next_allowed_one(fake: FakeSlack) -> None:
    token = _install(fake, "chat:write")
    fake.workspace.fail_next("pins.add", "ratelimited", http_status=429)

    assert _refusal(fake, token, "pins.add", channel="C0MLTEAM", timestamp="1.2")["needed"] == "pins:write"
    assert _call(fake, fake.workspace.bot_token, "pins.add", channel="C0MLTEAM", timestamp="1.2").status_code == 429


def test_history_needs_the_scope_of_the_conversations_kind(fake: FakeSlack) -> None:
    public_only = _install(fake, "channels:history")
    private_only = _install(fake, "groups:history,im:history")

    assert _call(fake, public_only, "conversations.history", channel="C0MLTEAM").json()["ok"]
    assert _call(fake, public_only, "conversations.history", channel="#ml-team").json()["ok"]
    private = _refusal(fake, public_only, "conversations.history", channel=PRIVATE.id)
    dm = _refusal(fake, public_only, "conversations.replies", channel="U0ALICE", ts="1.2")
    assert (private["needed"], private["provided"]) == ("groups:history", "channels:history")
    assert dm["needed"] == "im:history"
    assert "D0ALICE" not in {c.id for c in fake.workspace.channels()}, "a refused call opens no DM"

    assert _call(fake, private_only, "conversations.history", channel=PRIVATE.id).json()["ok"]
    assert _call(fake, private_only, "conversations.history", channel="U0ALICE").json()["ok"]
    public = _refusal(fake, private_only, "conversations.history", channel="C0MLTEAM")
    assert (public["needed"], public["provided"]) == ("channels:history", "groups:history,im:history")


def test_a_conversation_the_fake_cannot_place_accepts_any_scope_of_the_family(fake: FakeSlack) -> None:
    history, chat_only = _install(fake, "im:history"), _install(fake, "chat:write")

    unknown = _call(fake, history, "conversations.history", channel="C0NOPE").json()
    refused = _refusal(fake, chat_only, "conversations.info", channel="C0NOPE")

    assert unknown == {"ok": False, "error": "channel_not_found"}
    assert refused["needed"] == "channels:read,groups:read,im:read,mpim:read"


def test_conversations_open_needs_im_write_for_a_dm(fake: FakeSlack) -> None:
    allowed = _install(fake, "im:write")

    assert _call(fake, allowed, "conversations.open", users="U0BOB").json()["channel"] == {"id": "D0BOB"}
    assert _refusal(fake, _install(fake, "chat:write"), "conversations.open", users="U0CAROL")["needed"] == "im:write"
    assert "D0CAROL" not in {c.id for c in fake.workspace.channels()}


def test_the_configured_bot_token_keeps_every_scope(fake: FakeSlack, client: WebClient) -> None:
    _install(fake, "chat:write")
    ts = client.chat_postMessage(channel=PRIVATE.id, text="Secret design")["ts"]

    client.pins_add(channel=PRIVATE.id, timestamp=ts)
    client.reactions_add(channel=PRIVATE.id, timestamp=ts, name="lock")
    assert [m["text"] for m in client.conversations_history(channel=PRIVATE.id)["messages"]] == ["Secret design"]
    assert client.conversations_open(users="U0ALICE")["channel"]["id"] == "D0ALICE"
    assert client.users_info(user="U0BOB")["user"]["id"] == "U0BOB"
    assert client.pins_list(channel=PRIVATE.id)["items"][0]["message"]["ts"] == ts
    assert "x-oauth-scopes" not in client.auth_test().headers


def test_methods_that_need_no_scope_work_with_any_token(fake: FakeSlack, client: WebClient) -> None:
    ws = fake.workspace
    installed = WebClient(token=_install(fake, "commands"), base_url=fake.api_url)
    ts = client.chat_postMessage(channel="C0MLTEAM", text="Churn model v2")["ts"]
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "New design"}, "blocks": []}
    home = {"type": "home", "blocks": []}

    assert installed.auth_test()["user_id"] == "U0BOT"
    assert installed.chat_getPermalink(channel="C0MLTEAM", message_ts=ts)["permalink"].endswith(ts.replace(".", ""))
    opened = installed.views_open(trigger_id=ws.new_trigger_id("U0ALICE"), view=modal)["view"]
    installed.views_update(view_id=opened["id"], view=modal | {"title": {"type": "plain_text", "text": "Edit"}})
    installed.views_push(trigger_id=ws.new_trigger_id("U0ALICE"), view=modal)
    installed.views_publish(user_id="U0ALICE", view=home)
    with pytest.raises(SlackApiError) as upload:
        installed.files_getUploadURLExternal(filename="design.md", length=10)
    assert upload.value.response["needed"] == "files:write"
    assert installed.auth_revoke()["revoked"] is True


def test_files_write_lets_an_install_upload_and_share(fake: FakeSlack) -> None:
    installed = WebClient(token=_install(fake, "files:write"), base_url=fake.api_url)

    shared = installed.files_upload_v2(content="# Design", filename="design.md", channel=PRIVATE.id)["file"]

    assert fake.workspace.messages(PRIVATE.id)[0]["files"][0]["id"] == shared["id"]
    with pytest.raises(SlackApiError) as info:
        installed.files_info(file=shared["id"])
    assert (info.value.response["needed"], info.value.response["provided"]) == ("files:read", "files:write")


def test_every_method_the_fake_serves_has_its_scopes_listed() -> None:
    assert set(BOT_SCOPES) == set(METHODS) | {"apps.uninstall", "oauth.v2.access"}


def test_a_private_channel_looks_and_arrives_as_slack_shows_one(
    fake: FakeSlack, client: WebClient, driver: SlackDriver, recorder: RecordingApp
) -> None:
    info = client.conversations_info(channel=PRIVATE.id)["channel"]
    driver.post_message("U0ALICE", PRIVATE.id, "only for us")
    shared = client.files_upload_v2(content="# Plan", filename="plan.md", channel=PRIVATE.id)["file"]

    assert (info["is_channel"], info["is_private"], info["name"]) == (True, True, "secret-project")
    assert recorder.received[0].data["event"]["channel_type"] == "group"
    file = client.files_info(file=shared["id"])["file"]
    assert (file["is_public"], file["channels"], file["groups"], list(file["shares"])) == (
        False,
        [],
        [PRIVATE.id],
        ["private"],
    )

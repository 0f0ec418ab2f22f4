"""The fake's Web API, exercised through slack_sdk's real WebClient as the bot would use it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import FakeSlack, SlackDriver
from sandbox.records import ResponseTarget
from tests.sandbox.recording_app import RecordingApp

BUTTONS = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Ready?"}},
    {
        "type": "actions",
        "elements": [{"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}],
    },
]


def test_auth_test_identifies_the_bot(client: WebClient) -> None:
    auth = client.auth_test()
    assert (auth["user_id"], auth["bot_id"], auth["team_id"]) == ("U0BOT", "B0BOT", "T0SANDBOX")


def test_thread_replies_show_parent_then_replies(client: WebClient, fake: FakeSlack) -> None:
    parent = client.chat_postMessage(channel="C0MLTEAM", text="Design review: churn model")
    client.chat_postMessage(channel="C0MLTEAM", text="Q1: what is the target?", thread_ts=parent["ts"])
    client.chat_postMessage(channel="C0MLTEAM", text="Q2: what is the latency budget?", thread_ts=parent["ts"])

    thread = client.conversations_replies(channel="C0MLTEAM", ts=parent["ts"])["messages"]

    assert [m["text"] for m in thread] == [
        "Design review: churn model",
        "Q1: what is the target?",
        "Q2: what is the latency budget?",
    ]
    assert thread[0]["reply_count"] == 2
    assert thread[0]["latest_reply"] == thread[2]["ts"]
    assert all(m["thread_ts"] == parent["ts"] for m in thread)
    assert [m["text"] for m in fake.workspace.messages("C0MLTEAM")] == ["Design review: churn model"]


def test_history_is_newest_first_and_paginates(client: WebClient) -> None:
    for n in range(5):
        client.chat_postMessage(channel="C0RANDOM", text=f"message {n}")

    first = client.conversations_history(channel="C0RANDOM", limit=3)
    second = client.conversations_history(channel="C0RANDOM", limit=3, cursor=first["response_metadata"]["next_cursor"])

    assert [m["text"] for m in first["messages"]] == ["message 4", "message 3", "message 2"]
    assert first["has_more"] is True
    assert [m["text"] for m in second["messages"]] == ["message 1", "message 0"]
    assert second["has_more"] is False


def test_timestamps_strictly_increase(client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel="C0GENERAL", text=str(n))["ts"] for n in range(20)]
    keys = [tuple(int(p) for p in ts.split(".")) for ts in stamps]
    assert keys == sorted(set(keys))
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_chat_update_changes_text_and_marks_edited(client: WebClient, fake: FakeSlack) -> None:
    posted = client.chat_postMessage(channel="C0MLTEAM", text="Draft", blocks=BUTTONS)

    updated = client.chat_update(channel="C0MLTEAM", ts=posted["ts"], text="Final")

    stored = fake.workspace.message("C0MLTEAM", posted["ts"])
    assert updated["text"] == "Final"
    assert stored is not None and stored["text"] == "Final"
    assert stored["edited"]["user"] == "U0BOT"
    assert [b["type"] for b in stored["blocks"]] == ["section", "actions"], "blocks kept when not sent"


def _menu(block_id: str, chosen: str | None) -> list[dict]:
    options = [{"text": {"type": "plain_text", "text": name}, "value": name} for name in ("batch", "stream")]
    select = {"type": "static_select", "action_id": "pick", "options": options}
    if chosen is not None:
        select["initial_option"] = next(option for option in options if option["value"] == chosen)
    return [{"type": "actions", "block_id": block_id, "elements": [select]}]


def test_an_update_that_changes_a_selection_under_the_same_block_id_is_flagged(client: WebClient, fake: FakeSlack):
    """Slack's clients keep a select's state per block_id: they would go on showing the old pick."""
    ts = client.chat_postMessage(channel="C0MLTEAM", text="q", blocks=_menu("choices:1", None))["ts"]

    client.chat_update(channel="C0MLTEAM", ts=ts, text="q", blocks=_menu("choices:1", None))  # unchanged: fine
    client.chat_update(channel="C0MLTEAM", ts=ts, text="q", blocks=_menu("choices:1:b", "batch"))  # new id: fine
    assert fake.workspace.problems() == []
    client.chat_update(channel="C0MLTEAM", ts=ts, text="q", blocks=_menu("choices:1:b", "stream"))

    (problem,) = fake.workspace.problems()
    assert "changed the selection of 'pick' in block 'choices:1:b' without a new block_id" in problem


def test_bot_cannot_update_or_delete_a_persons_message(client: WebClient, fake: FakeSlack) -> None:
    human = fake.workspace.post_message("C0MLTEAM", user="U0ALICE", text="mine")
    with pytest.raises(SlackApiError) as update:
        client.chat_update(channel="C0MLTEAM", ts=human["ts"], text="hijacked")
    with pytest.raises(SlackApiError) as delete:
        client.chat_delete(channel="C0MLTEAM", ts=human["ts"])
    assert update.value.response["error"] == "cant_update_message"
    assert delete.value.response["error"] == "cant_delete_message"


def test_chat_delete_and_missing_messages(client: WebClient, fake: FakeSlack) -> None:
    posted = client.chat_postMessage(channel="C0MLTEAM", text="oops")
    client.chat_delete(channel="C0MLTEAM", ts=posted["ts"])
    assert fake.workspace.messages("C0MLTEAM") == []
    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C0MLTEAM", ts=posted["ts"], text="again")
    assert err.value.response["error"] == "message_not_found"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_validation_errors(client: WebClient) -> None:
    cases = [
        ({"channel": "C0NOPE", "text": "hi"}, "channel_not_found"),
        ({"channel": "C0MLTEAM"}, "no_text"),
        ({"channel": "C0MLTEAM", "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": "C0MLTEAM", "blocks": [{"type": "divider"}] * 51}, "invalid_blocks"),
        ({"channel": "C0MLTEAM", "blocks": {"type": "divider"}}, "invalid_blocks"),
        (
            {"channel": "C0MLTEAM", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]},
            "invalid_blocks",
        ),
        (
            {"channel": "C0MLTEAM", "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]},
            "invalid_blocks",
        ),
        (
            {
                "channel": "C0MLTEAM",
                "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "x"}] * 11}],
            },
            "invalid_blocks",
        ),
        (
            {
                "channel": "C0MLTEAM",
                "blocks": [
                    {
                        "type": "actions",
                        "elements": [{"type": "button", "text": {"type": "plain_text", "text": "x" * 76}}],
                    }
                ],
            },
            "invalid_blocks",
        ),
    ]
    for kwargs, error in cases:
        with pytest.raises(SlackApiError) as err:
            client.chat_postMessage(**kwargs)
        assert err.value.response["error"] == error, kwargs


def test_form_encoded_blocks_are_accepted(client: WebClient, fake: FakeSlack) -> None:
    response = client.api_call(
        "chat.postMessage",
        data={"channel": "C0MLTEAM", "text": "fallback", "blocks": '[{"type": "divider"}]'},
    )
    stored = fake.workspace.message("C0MLTEAM", response["ts"])
    assert stored is not None and stored["blocks"][0]["type"] == "divider"


def test_metadata_only_returned_with_include_all_metadata(client: WebClient) -> None:
    metadata = {"event_type": "design_session", "event_payload": {"session_id": 42}}
    posted = client.chat_postMessage(channel="C0MLTEAM", text="Session started", metadata=metadata)
    client.chat_postMessage(channel="C0MLTEAM", text="reply", thread_ts=posted["ts"], metadata=metadata)

    plain = client.conversations_history(channel="C0MLTEAM")["messages"][0]
    full = client.conversations_history(channel="C0MLTEAM", include_all_metadata=True)["messages"][0]
    thread = client.conversations_replies(channel="C0MLTEAM", ts=posted["ts"], include_all_metadata=True)

    assert "metadata" not in plain
    assert full["metadata"] == metadata
    assert [m["metadata"]["event_payload"]["session_id"] for m in thread["messages"]] == [42, 42]


def test_reacting_twice_is_already_reacted(client: WebClient, fake: FakeSlack) -> None:
    posted = client.chat_postMessage(channel="C0MLTEAM", text="Looks good")
    client.reactions_add(channel="C0MLTEAM", timestamp=posted["ts"], name="white_check_mark")

    with pytest.raises(SlackApiError) as err:
        client.reactions_add(channel="C0MLTEAM", timestamp=posted["ts"], name="white_check_mark")

    assert err.value.response["error"] == "already_reacted"
    stored = fake.workspace.message("C0MLTEAM", posted["ts"])
    assert stored is not None
    assert stored["reactions"] == [{"name": "white_check_mark", "users": ["U0BOT"], "count": 1}]

    client.reactions_remove(channel="C0MLTEAM", timestamp=posted["ts"], name="white_check_mark")
    with pytest.raises(SlackApiError) as err:
        client.reactions_remove(channel="C0MLTEAM", timestamp=posted["ts"], name="white_check_mark")
    assert err.value.response["error"] == "no_reaction"


def test_pins(client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C0MLTEAM", text="Design doc summary")
    client.pins_add(channel="C0MLTEAM", timestamp=posted["ts"])
    with pytest.raises(SlackApiError) as err:
        client.pins_add(channel="C0MLTEAM", timestamp=posted["ts"])
    assert err.value.response["error"] == "already_pinned"

    items = client.pins_list(channel="C0MLTEAM")["items"]
    assert [(i["type"], i["channel"], i["message"]["text"]) for i in items] == [
        ("message", "C0MLTEAM", "Design doc summary")
    ]

    client.pins_remove(channel="C0MLTEAM", timestamp=posted["ts"])
    assert client.pins_list(channel="C0MLTEAM")["items"] == []


def test_users_and_conversations_info(client: WebClient) -> None:
    user = client.users_info(user="U0BOB")["user"]
    assert (user["real_name"], user["tz"], user["is_bot"]) == ("Bob Jones", "America/New_York", False)
    assert user["profile"]["display_name"] == "bob"
    channel = client.conversations_info(channel="C0MLTEAM")["channel"]
    assert (channel["name"], channel["is_member"]) == ("ml-team", True)
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U0NOBODY")
    assert err.value.response["error"] == "user_not_found"


def test_a_deactivated_member_is_still_described_but_as_deleted(client: WebClient, fake: FakeSlack) -> None:
    assert client.users_info(user="U0CAROL")["user"]["deleted"] is False

    changed = fake.workspace.deactivate_user("U0CAROL")

    assert changed["deleted"] is True and changed["id"] == "U0CAROL", "the user_change event's user"
    assert client.users_info(user="U0CAROL")["user"]["deleted"] is True
    fake.workspace.deactivate_user("U0CAROL", deleted=False)
    assert client.users_info(user="U0CAROL")["user"]["deleted"] is False


def test_permalink_points_at_the_fake(client: WebClient, fake: FakeSlack) -> None:
    posted = client.chat_postMessage(channel="C0MLTEAM", text="link me")
    link = client.chat_getPermalink(channel="C0MLTEAM", message_ts=posted["ts"])["permalink"]
    assert link == f"{fake.base_url}archives/C0MLTEAM/p{posted['ts'].replace('.', '')}"


def test_ephemeral_is_visible_to_one_user_only(client: WebClient, fake: FakeSlack) -> None:
    response = client.chat_postEphemeral(channel="C0MLTEAM", user="U0ALICE", text="Only you can see this")
    [ephemeral] = fake.workspace.ephemerals("C0MLTEAM", "U0ALICE")
    assert ephemeral["text"] == "Only you can see this"
    assert ephemeral["ts"] == response["message_ts"]
    assert fake.workspace.ephemerals(user="U0BOB") == []
    assert fake.workspace.messages("C0MLTEAM") == []


def test_wrong_or_missing_token(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test()
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake.api_url).auth_test()
    assert wrong.value.response["error"] == "invalid_auth"
    assert missing.value.response["error"] == "not_authed"


def test_unknown_method(client: WebClient, fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.teleport")
    assert err.value.response["error"] == "unknown_method"
    assert fake.workspace.calls("chat.teleport")[0].response == {"ok": False, "error": "unknown_method"}


def test_every_call_is_logged(client: WebClient, fake: FakeSlack) -> None:
    client.chat_postMessage(channel="C0MLTEAM", text="hello")
    [call] = fake.workspace.calls("chat.postMessage")
    assert call.params["text"] == "hello"
    assert call.response["ok"] is True


def test_fail_next_ratelimited_error_then_recovers(client: WebClient, fake: FakeSlack) -> None:
    fake.workspace.fail_next("chat.postMessage", "ratelimited")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C0MLTEAM", text="first try")
    assert err.value.response["error"] == "ratelimited"

    client.chat_postMessage(channel="C0MLTEAM", text="second try")
    assert [m["text"] for m in fake.workspace.messages("C0MLTEAM")] == ["second try"]


def test_fail_next_http_429_with_retry_after(client: WebClient, fake: FakeSlack) -> None:
    fake.workspace.fail_next("chat.update", http_status=429, retry_after=2, times=2)
    posted = client.chat_postMessage(channel="C0MLTEAM", text="v1")
    for _ in range(2):
        with pytest.raises(SlackApiError) as err:
            client.chat_update(channel="C0MLTEAM", ts=posted["ts"], text="v2")
        assert err.value.response.status_code == 429
        assert err.value.response.headers["Retry-After"] == "2"
    client.chat_update(channel="C0MLTEAM", ts=posted["ts"], text="v2")
    assert fake.workspace.messages("C0MLTEAM")[0]["text"] == "v2"


def test_response_url_defaults_to_ephemeral(fake: FakeSlack) -> None:
    token = fake.workspace.register_response_url(ResponseTarget(channel="C0MLTEAM", user="U0ALICE"))
    reply = httpx.post(f"{fake.base_url}response/{token}", json={"text": "Started a design session"})
    assert (reply.status_code, reply.text) == (200, "ok")
    assert [e["text"] for e in fake.workspace.ephemerals("C0MLTEAM", "U0ALICE")] == ["Started a design session"]
    assert fake.workspace.messages("C0MLTEAM") == []


def test_response_url_in_channel_and_unknown_token(fake: FakeSlack) -> None:
    token = fake.workspace.register_response_url(ResponseTarget(channel="C0MLTEAM", user="U0ALICE"))
    httpx.post(f"{fake.base_url}response/{token}", json={"text": "Everyone sees this", "response_type": "in_channel"})
    assert [m["text"] for m in fake.workspace.messages("C0MLTEAM")] == ["Everyone sees this"]
    assert httpx.post(f"{fake.base_url}response/nope", json={"text": "x"}).status_code == 404


def test_response_url_replace_and_delete_original(client: WebClient, fake: FakeSlack) -> None:
    posted = client.chat_postMessage(channel="C0MLTEAM", text="Pick one", blocks=BUTTONS)
    target = ResponseTarget(channel="C0MLTEAM", user="U0ALICE", message_ts=posted["ts"])
    url = f"{fake.base_url}response/{fake.workspace.register_response_url(target)}"

    httpx.post(url, json={"replace_original": True, "text": "You picked Go"})
    stored = fake.workspace.message("C0MLTEAM", posted["ts"])
    assert stored is not None and stored["text"] == "You picked Go"
    assert stored.get("blocks") == [], "replacing without blocks drops the buttons"

    httpx.post(url, json={"delete_original": True})
    assert fake.workspace.messages("C0MLTEAM") == []


def test_views_open_consumes_the_trigger(client: WebClient, fake: FakeSlack) -> None:
    trigger = fake.workspace.new_trigger_id("U0ALICE")
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "New design"}, "blocks": []}
    opened = client.views_open(trigger_id=trigger, view=modal)["view"]
    assert opened["id"].startswith("V")
    assert [v["title"]["text"] for v in fake.workspace.open_modals("U0ALICE")] == ["New design"]

    updated = client.views_update(view_id=opened["id"], view=modal | {"title": {"type": "plain_text", "text": "v2"}})
    assert updated["view"]["id"] == opened["id"]
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=trigger, view=modal)
    assert err.value.response["error"] == "exchanged_trigger_id"


def test_views_publish_sets_home_tab(client: WebClient, fake: FakeSlack) -> None:
    home = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}
    first = client.views_publish(user_id="U0BOB", view=home)["view"]
    second = client.views_publish(user_id="U0BOB", view=home)["view"]
    assert first["id"] == second["id"]
    assert [v["type"] for v in fake.workspace.views("U0BOB")] == ["home"]


def test_wait_for_times_out_with_recent_calls(client: WebClient, fake: FakeSlack) -> None:
    client.chat_postMessage(channel="C0MLTEAM", text="something else")
    with pytest.raises(AssertionError) as err:
        fake.workspace.wait_for(lambda ws: len(ws.messages("C0MLTEAM")) == 2, timeout=0.2)
    assert "chat.postMessage" in str(err.value)


def test_fail_next_with_times_zero_clears_the_scripted_failures(client: WebClient, fake: FakeSlack) -> None:
    fake.workspace.fail_next("chat.postMessage", "ratelimited", times=5)
    fake.workspace.fail_next("chat.postMessage", times=0)

    assert client.chat_postMessage(channel="C0MLTEAM", text="hello")["ok"]


def test_auth_revoke_in_test_mode_revokes_nothing(client: WebClient, fake: FakeSlack) -> None:
    assert client.auth_revoke(test=True).data == {"ok": True, "revoked": False}
    assert client.auth_test()["ok"]
    assert client.auth_revoke().data == {"ok": True, "revoked": True}
    with pytest.raises(SlackApiError) as after:
        client.auth_test()
    assert after.value.response["error"] == "token_revoked"


def test_apps_uninstall_revokes_every_token_and_tells_the_app(
    client: WebClient, fake: FakeSlack, driver: SlackDriver, recorder: RecordingApp
) -> None:
    installed = fake.workspace.issue_token(("chat:write",), "U0ALICE").token
    with pytest.raises(SlackApiError) as wrong:
        client.apps_uninstall(client_id="sandbox-client-id", client_secret="not-it")
    assert wrong.value.response["error"] == "bad_client_secret" and recorder.received == []

    answer = client.apps_uninstall(client_id="sandbox-client-id", client_secret="sandbox-client-secret")

    assert answer.data == {"ok": True}
    fake.workspace.wait_for(lambda ws: len(ws.deliveries("event")) == 2)
    assert [r.data["event"]["type"] for r in recorder.received] == ["tokens_revoked", "app_uninstalled"]
    assert [t.token for t in fake.workspace.tokens() if t.revoked] == [fake.workspace.bot_token, installed]
    assert "client_secret" not in fake.workspace.calls("apps.uninstall")[-1].params


def test_apps_uninstall_without_a_connected_app_just_revokes(client: WebClient, fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as unknown:
        client.apps_uninstall(client_id="someone-else", client_secret="sandbox-client-secret")
    assert unknown.value.response["error"] == "invalid_client_id"

    client.apps_uninstall(client_id="sandbox-client-id", client_secret="sandbox-client-secret")

    with pytest.raises(SlackApiError) as after:
        client.chat_postMessage(channel="C0MLTEAM", text="still here?")
    assert after.value.response["error"] == "token_revoked" and fake.workspace.messages("C0MLTEAM") == []


def test_a_message_whose_blocks_hold_too_much_text_is_refused(client: WebClient, fake: FakeSlack) -> None:
    """Undocumented: Slack refuses about 12,000 characters of text across a message's blocks (reported from 11,341,
    counted over every text field); the fake refuses above 11,000, in posts and updates alike."""

    def sections(characters: int) -> list[dict]:
        return [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 2_750}}] * (characters // 2_750)

    button = {"type": "button", "action_id": "b", "text": {"type": "plain_text", "text": "y" * 10}}
    ts = client.chat_postMessage(channel="C0MLTEAM", text="fits", blocks=sections(11_000))["ts"]
    over = [*sections(11_000), {"type": "actions", "elements": [button]}]  # a button's label counts too

    for call in (
        lambda: client.chat_postMessage(channel="C0MLTEAM", text="too long", blocks=over),
        lambda: client.chat_update(channel="C0MLTEAM", ts=ts, text="too long", blocks=over),
    ):
        with pytest.raises(SlackApiError) as refused:
            call()
        assert refused.value.response["error"] == "msg_blocks_too_long"
    assert fake.workspace.message("C0MLTEAM", ts)["text"] == "fits"


def test_a_trigger_opens_a_view_only_within_three_seconds(client: WebClient, fake: FakeSlack) -> None:
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Update"}, "blocks": []}
    assert fake.workspace.trigger_lifetime_seconds == 3.0, "Slack's triggers last three seconds"
    fake.workspace.trigger_lifetime_seconds = 0.0  # every trigger is already too old
    late = fake.workspace.new_trigger_id("U0ALICE")

    with pytest.raises(SlackApiError) as expired:
        client.views_open(trigger_id=late, view=modal)

    assert expired.value.response["error"] == "expired_trigger_id"
    assert fake.workspace.open_modals("U0ALICE") == []


def _distributed_client(fake: FakeSlack) -> WebClient:
    """A client with a token an OAuth install issued: an app distributed outside the Marketplace."""
    token = fake.workspace.issue_token(("chat:write", "channels:history", "groups:history"), "U0ALICE").token
    return WebClient(token=token, base_url=fake.api_url)


@pytest.mark.parametrize("method", ["conversations_history", "conversations_replies"])
def test_a_distributed_app_reads_once_a_minute_and_fifteen_messages_at_most(
    client: WebClient, fake: FakeSlack, method: str
) -> None:
    parent = client.chat_postMessage(channel="C0MLTEAM", text="parent")["ts"]
    for n in range(20):
        client.chat_postMessage(channel="C0MLTEAM", text=f"reply {n}", thread_ts=parent)
        client.chat_postMessage(channel="C0MLTEAM", text=f"top {n}")
    distributed = _distributed_client(fake)
    read = getattr(distributed, method)

    first = read(channel="C0MLTEAM", ts=parent, limit=200)
    with pytest.raises(SlackApiError) as limited:
        read(channel="C0MLTEAM", ts=parent, limit=200, cursor=first["response_metadata"]["next_cursor"])
    fake.workspace.clock_offset_seconds += 60
    default = read(channel="C0MLTEAM", ts=parent)

    assert len(first["messages"]) == 15 and first["has_more"] is True
    assert limited.value.response.status_code == 429
    assert limited.value.response["error"] == "ratelimited"
    assert 1 <= int(limited.value.response.headers["Retry-After"]) <= 60
    assert len(default["messages"]) == 15, "15 is the default as well as the most"


def test_the_read_limits_are_per_method_and_spare_internal_apps(client: WebClient, fake: FakeSlack) -> None:
    parent = client.chat_postMessage(channel="C0MLTEAM", text="parent")["ts"]
    for n in range(20):
        client.chat_postMessage(channel="C0MLTEAM", text=f"reply {n}", thread_ts=parent)
    distributed = _distributed_client(fake)
    internal_token = fake.workspace.issue_token(("channels:history",), "U0ALICE", distributed=False).token
    internal = WebClient(token=internal_token, base_url=fake.api_url)

    distributed.conversations_replies(channel="C0MLTEAM", ts=parent)
    history = distributed.conversations_history(channel="C0MLTEAM")
    many = [len(internal.conversations_replies(channel="C0MLTEAM", ts=parent)["messages"]) for _ in range(3)]

    assert [m["text"] for m in history["messages"]] == ["parent"]
    assert many == [21, 21, 21], "an internal app's reads keep Tier 3 limits"
    assert len(client.conversations_replies(channel="C0MLTEAM", ts=parent, limit=200)["messages"]) == 21


def test_replies_keep_to_oldest_and_latest_with_the_parent_first(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0MLTEAM", text="parent")["ts"]
    stamps = [client.chat_postMessage(channel="C0MLTEAM", text=f"r{n}", thread_ts=parent)["ts"] for n in range(5)]

    window = client.conversations_replies(channel="C0MLTEAM", ts=parent, oldest=stamps[1], latest=stamps[3])
    inclusive = client.conversations_replies(
        channel="C0MLTEAM", ts=parent, oldest=stamps[1], latest=stamps[3], inclusive=True
    )

    assert [m["text"] for m in window["messages"]] == ["parent", "r2"]
    assert [m["text"] for m in inclusive["messages"]] == ["parent", "r1", "r2", "r3"]


MODAL = {"type": "modal", "title": {"type": "plain_text", "text": "Accept the finding"}, "blocks": []}


def _select(options: int, text: str = "Option", value: str = "v") -> dict[str, Any]:
    return {
        "type": "static_select",
        "action_id": "pick",
        "options": [
            {"text": {"type": "plain_text", "text": text}, "value": f"{value}{index}"} for index in range(options)
        ],
    }


@pytest.mark.parametrize(
    "view",
    [
        MODAL | {"title": {"type": "plain_text", "text": "A title of twenty-five ch"}},
        MODAL | {"submit": {"type": "plain_text", "text": "Accept it until that date"}},
        MODAL | {"private_metadata": "x" * 3001},
        MODAL
        | {
            "blocks": [
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "Until"},
                    "element": {"type": "datepicker", "action_id": "until", "initial_date": "03/01/2027"},
                }
            ]
        },
        MODAL | {"blocks": [{"type": "actions", "elements": [_select(101)]}]},
    ],
    ids=["long-title", "long-submit", "long-metadata", "date-format", "too-many-options"],
)
def test_views_refuse_what_slack_refuses(client: WebClient, fake: FakeSlack, view: dict[str, Any]) -> None:
    trigger = fake.workspace.new_trigger_id("U0ALICE")
    with pytest.raises(SlackApiError) as refused:
        client.views_open(trigger_id=trigger, view=view)
    assert refused.value.response["error"] == "invalid_arguments"
    assert fake.workspace.open_modals("U0ALICE") == []


def test_a_view_at_slacks_limits_opens(client: WebClient, fake: FakeSlack) -> None:
    date_input = {
        "type": "input",
        "label": {"type": "plain_text", "text": "Until"},
        "element": {"type": "datepicker", "action_id": "until", "initial_date": "2027-03-01"},
    }
    view = MODAL | {
        "title": {"type": "plain_text", "text": "x" * 24},
        "private_metadata": "x" * 3000,
        "blocks": [date_input, {"type": "actions", "elements": [_select(100, text="t" * 75, value="v" * 147)]}],
    }
    opened = client.views_open(trigger_id=fake.workspace.new_trigger_id("U0ALICE"), view=view)
    assert opened["ok"] and fake.workspace.open_modals("U0ALICE")


@pytest.mark.parametrize(
    "select", [_select(101), _select(1, text="t" * 76), _select(1, value="v" * 151)], ids=["options", "text", "value"]
)
def test_messages_refuse_selects_past_slacks_limits(client: WebClient, select: dict[str, Any]) -> None:
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C0MLTEAM", text="menu", blocks=[{"type": "actions", "elements": [select]}])
    assert refused.value.response["error"] == "invalid_blocks"

"""The sandbox page's JSON routes, against the fake and the signature-checking RecordingApp (not the bot)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from starlette.responses import JSONResponse, Response

import sandbox.page
from sandbox import FakeSlack
from tests.sandbox.recording_app import SIGNING_SECRET, RecordingApp

MODAL: dict[str, Any] = {
    "type": "modal",
    "callback_id": "new_design",
    "title": {"type": "plain_text", "text": "New design"},
    "submit": {"type": "plain_text", "text": "Create"},
    "close": {"type": "plain_text", "text": "Cancel"},
    "private_metadata": "channel=C0MLTEAM",
    "blocks": [
        {
            "type": "input",
            "block_id": "name",
            "label": {"type": "plain_text", "text": "Name"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
        {
            "type": "actions",
            "block_id": "tools",
            "elements": [{"type": "button", "action_id": "preview", "text": {"type": "plain_text", "text": "Preview"}}],
        },
    ],
}
NAME_VALUES = {"name": {"value": {"type": "plain_text_input", "value": "Churn"}}}


@pytest.fixture
def ui(fake: FakeSlack, app: tuple[RecordingApp, str]) -> Iterator[httpx.Client]:
    fake.connect_app(app[1], SIGNING_SECRET)
    with httpx.Client(base_url=fake.base_url, timeout=10) as http:
        yield http


def _dead_app_url() -> str:
    """A URL on a loopback port nobody listens on: an app that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/slack/events"


def _open_modal(fake: FakeSlack, client: WebClient, user: str = "U0ALICE", **changes: Any) -> str:
    trigger_id = fake.workspace.new_trigger_id(user)
    return client.views_open(trigger_id=trigger_id, view=MODAL | changes)["view"]["id"]


# -- serving the page -------------------------------------------------------------------------------------


def page_scripts(fake: FakeSlack) -> dict[str, httpx.Response]:
    """The page's script and every ES module it imports, as the browser fetches them."""
    scripts: dict[str, httpx.Response] = {}
    waiting = ["app.js"]
    while waiting:
        name = waiting.pop()
        if name not in scripts:
            scripts[name] = httpx.get(f"{fake.base_url}ui/static/{name}")
            waiting += re.findall(r'^import [^;]* from "\./([\w.]+)";', scripts[name].text, re.M)
    return scripts


def test_page_and_static_files_are_served(fake: FakeSlack) -> None:
    page = httpx.get(fake.base_url)
    scripts = page_scripts(fake)
    style = httpx.get(f"{fake.base_url}ui/static/app.css")

    assert page.status_code == 200 and 'type="module" src="/ui/static/app.js"' in page.text
    assert len(scripts) > 1, "app.js imports the page's modules"
    for name, script in scripts.items():
        assert script.status_code == 200 and "javascript" in script.headers["content-type"], name
        for sink in (".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval("):
            assert sink not in script.text, f"{name}: the page builds DOM nodes with textContent, never HTML"
    assert style.status_code == 200
    assert "http" not in page.text.replace('href="data:,"', ""), "no external fonts, CDNs or other hosts"


def test_permalinks_open_the_page_on_their_thread(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0MLTEAM", text="parent")["ts"]
    link = client.chat_getPermalink(channel="C0MLTEAM", message_ts=ts)["permalink"]

    response = httpx.get(link)

    assert response.status_code == 307
    assert response.headers["location"] == f"/?channel=C0MLTEAM&thread={ts}"


# -- state ------------------------------------------------------------------------------------------------


def test_state_has_what_the_page_draws(fake: FakeSlack, ui: httpx.Client, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0MLTEAM", text="Design *Churn*")["ts"]
    client.chat_postMessage(channel="C0MLTEAM", text="Question 1", thread_ts=parent)
    client.pins_add(channel="C0MLTEAM", timestamp=parent)
    client.chat_postEphemeral(channel="C0MLTEAM", user="U0ALICE", text="for alice")
    client.chat_postEphemeral(channel="C0MLTEAM", user="U0BOB", text="for bob")
    _open_modal(fake, client)

    state = ui.get("/ui/api/state", params={"user": "U0ALICE", "channel": "C0MLTEAM", "thread": parent}).json()

    assert (state["user"], state["channel"], state["app_connected"]) == ("U0ALICE", "C0MLTEAM", True)
    assert state["workspace"]["team_name"] == "Sandbox"
    assert {u["id"] for u in state["workspace"]["users"] if not u["is_bot"]} == {"U0ALICE", "U0BOB", "U0CAROL"}
    assert [c["name"] for c in state["workspace"]["channels"]] == ["general", "ml-team", "random"]
    assert [m["text"] for m in state["messages"]] == ["Design *Churn*"]
    assert state["messages"][0]["reply_count"] == 1
    assert [p["message"]["ts"] for p in state["pins"]] == [parent]
    assert state["thread"]["parent"]["ts"] == parent
    assert [m["text"] for m in state["thread"]["replies"]] == ["Question 1"]
    assert [e["text"] for e in state["ephemerals"]] == ["for alice"]
    assert [m["title"]["text"] for m in state["modals"]] == ["New design"]
    assert state["modals"][0]["errors"] == {}
    assert state["clock"]["offset_seconds"] == 0 and state["version"] > 0


def test_state_defaults_and_hides_other_peoples_dms(fake: FakeSlack, ui: httpx.Client) -> None:
    fake.workspace.open_dm("U0BOB")

    alice = ui.get("/ui/api/state").json()
    bob = ui.get("/ui/api/state", params={"user": "U0BOB"}).json()

    assert (alice["user"], alice["channel"]) == ("U0ALICE", "C0GENERAL")
    assert [c["id"] for c in alice["workspace"]["channels"] if c["is_im"]] == []
    assert [c["id"] for c in bob["workspace"]["channels"] if c["is_im"]] == ["D0BOB"]
    assert ui.get("/ui/api/state", params={"user": "U0ALICE", "channel": "D0BOB"}).status_code == 404


def test_a_vanished_thread_is_just_closed(ui: httpx.Client) -> None:
    state = ui.get("/ui/api/state", params={"channel": "C0MLTEAM", "thread": "1.000001"})
    assert state.status_code == 200 and state.json()["thread"] is None


# -- acting as a person -----------------------------------------------------------------------------------


def test_send_delivers_a_signed_message_event_escaped_like_slack(
    fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp
) -> None:
    typed = "ask @bob in #ml-team about <img src=x onerror=alert(1)> & https://example.com/a?b=1&c=2"

    answer = ui.post("/ui/api/send", json={"user": "U0ALICE", "channel": "C0MLTEAM", "text": typed}).json()

    got = recorder.last
    event = got.data["event"]
    assert got.signature_valid and got.data["type"] == "event_callback"
    assert (event["user"], event["channel"], event["ts"]) == ("U0ALICE", "C0MLTEAM", answer["ts"])
    assert event["text"] == (
        "ask <@U0BOB> in <#C0MLTEAM|ml-team> about &lt;img src=x onerror=alert(1)&gt; &amp; "
        "<https://example.com/a?b=1&amp;c=2>"
    )
    assert answer["kind"] == "message" and answer["app"] == {"status": 200, "ok": True, "body": ""}
    assert fake.workspace.messages("C0MLTEAM")[0]["text"] == event["text"]


def test_send_in_a_thread(fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0MLTEAM", text="What is the target?")["ts"]

    ui.post("/ui/api/send", json={"user": "U0BOB", "channel": "C0MLTEAM", "text": "churn", "thread_ts": parent})

    assert recorder.last.data["event"]["thread_ts"] == parent
    assert [m["text"] for m in fake.workspace.replies("C0MLTEAM", parent)] == ["churn"]


def test_a_slash_command_goes_to_the_app_and_its_ack_shows(
    fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp
) -> None:
    recorder.command_ack = {"text": "Starting *Churn model*"}

    answer = ui.post(
        "/ui/api/send", json={"user": "U0CAROL", "channel": "C0MLTEAM", "text": "/mldesign start Churn model"}
    ).json()

    got = recorder.last
    assert got.signature_valid
    assert (got.data["command"], got.data["text"], got.data["user_id"]) == ("/mldesign", "start Churn model", "U0CAROL")
    assert (answer["kind"], answer["command"]) == ("slash_command", "/mldesign")
    assert [m["text"] for m in fake.workspace.messages("C0MLTEAM")] == [], "a command is not a message"
    state = ui.get("/ui/api/state", params={"user": "U0CAROL", "channel": "C0MLTEAM"}).json()
    assert [e["text"] for e in state["ephemerals"]] == ["Starting *Churn model*"]


def test_a_slash_commands_mentions_arrive_escaped_with_the_name_as_for_a_command_that_sets_should_escape(
    ui: httpx.Client, recorder: RecordingApp
) -> None:
    typed = "/mldesign review Churn & co @bob @carol @nobody in #ml-team"

    ui.post("/ui/api/send", json={"user": "U0ALICE", "channel": "C0MLTEAM", "text": typed})

    assert recorder.last.data["text"] == (
        "review Churn &amp; co <@U0BOB|bob> <@U0CAROL|carol> @nobody in <#C0MLTEAM|ml-team>"
    )


def test_a_person_edits_their_own_message_only(fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp) -> None:
    ts = ui.post("/ui/api/send", json={"user": "U0ALICE", "channel": "C0MLTEAM", "text": "100ms"}).json()["ts"]

    edited = ui.post("/ui/api/edit", json={"user": "U0ALICE", "channel": "C0MLTEAM", "ts": ts, "text": "50ms & less"})
    by_bob = ui.post("/ui/api/edit", json={"user": "U0BOB", "channel": "C0MLTEAM", "ts": ts, "text": "hijack"})

    assert edited.status_code == 200
    event = recorder.last.data["event"]
    assert (event["subtype"], event["message"]["text"]) == ("message_changed", "50ms &amp; less")
    assert by_bob.status_code == 403 and by_bob.json() == {"error": "only the author can edit a message"}
    missing = ui.post("/ui/api/edit", json={"user": "U0ALICE", "channel": "C0MLTEAM", "ts": "1.000001", "text": "x"})
    assert missing.status_code == 404


def test_click_sends_block_actions(ui: httpx.Client, recorder: RecordingApp, client: WebClient) -> None:
    blocks = [
        {
            "type": "actions",
            "block_id": "choices",
            "elements": [
                {
                    "type": "button",
                    "action_id": "pick",
                    "value": "batch",
                    "text": {"type": "plain_text", "text": "Batch"},
                },
                {
                    "type": "multi_static_select",
                    "action_id": "many",
                    "options": [
                        {"text": {"type": "plain_text", "text": "A"}, "value": "a"},
                        {"text": {"type": "plain_text", "text": "B"}, "value": "b"},
                    ],
                },
            ],
        }
    ]
    ts = client.chat_postMessage(channel="C0MLTEAM", text="pick", blocks=blocks)["ts"]
    where = {"user": "U0BOB", "channel": "C0MLTEAM", "message_ts": ts}

    button = ui.post("/ui/api/click", json=where | {"action_id": "pick", "value": "batch"})
    button_action = recorder.last.data["actions"][0]
    multi = ui.post("/ui/api/click", json=where | {"action_id": "many", "selected": ["a", "b"]})
    multi_action = recorder.last.data["actions"][0]

    assert button.json()["app"]["status"] == 200 and recorder.last.signature_valid
    assert (button_action["action_id"], button_action["value"]) == ("pick", "batch")
    assert multi.status_code == 200
    assert [o["value"] for o in multi_action["selected_options"]] == ["a", "b"]
    assert recorder.last.data["user"]["id"] == "U0BOB"
    unknown = ui.post("/ui/api/click", json=where | {"action_id": "nope"})
    bad_option = ui.post("/ui/api/click", json=where | {"action_id": "many", "selected": ["z"]})
    assert unknown.status_code == 404 and "nope" in unknown.json()["error"]
    assert bad_option.status_code == 400 and "no option 'z'" in bad_option.json()["error"]


def test_unpin_removes_the_pin_and_tells_the_app(
    fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel="C0MLTEAM", text="Design summary")["ts"]
    client.pins_add(channel="C0MLTEAM", timestamp=ts)
    where = {"user": "U0CAROL", "channel": "C0MLTEAM", "ts": ts}

    answer = ui.post("/ui/api/unpin", json=where)
    again = ui.post("/ui/api/unpin", json=where)

    event = recorder.last.data["event"]
    assert answer.status_code == 200 and answer.json()["app"]["status"] == 200
    assert recorder.last.signature_valid
    assert (event["type"], event["user"], event["item"]["message"]["ts"], event["has_pins"]) == (
        "pin_removed",
        "U0CAROL",
        ts,
        False,
    )
    assert ui.get("/ui/api/state", params={"channel": "C0MLTEAM"}).json()["pins"] == []
    assert again.status_code == 404 and again.json() == {"error": f"no pinned message {ts} in C0MLTEAM"}
    assert len(recorder.received) == 1


def test_state_carries_shared_files_and_the_page_reads_them(
    fake: FakeSlack, ui: httpx.Client, client: WebClient
) -> None:
    parent = client.chat_postMessage(channel="C0MLTEAM", text="Design review")["ts"]
    client.files_upload_v2(
        content="# Design\n", filename="design.md", title="Design", channel="C0MLTEAM", thread_ts=parent
    )

    state = ui.get("/ui/api/state", params={"channel": "C0MLTEAM", "thread": parent}).json()

    [reply] = state["thread"]["replies"]
    [file] = reply["files"]
    assert (file["title"], file["name"], file["size"], file["pretty_type"]) == (
        "Design",
        "design.md",
        9,
        "Markdown (raw)",
    )
    download = ui.get(httpx.URL(file["url_private_download"]).path)
    assert download.status_code == 200 and download.text == "# Design\n"
    assert download.headers["content-type"].startswith("text/markdown")


def test_the_apps_failure_is_returned_for_a_toast(ui: httpx.Client, recorder: RecordingApp) -> None:
    recorder.respond = lambda data: Response("boom", status_code=500)

    answer = ui.post("/ui/api/send", json={"user": "U0ALICE", "channel": "C0MLTEAM", "text": "hi"})

    assert answer.status_code == 200
    assert answer.json()["app"] == {"status": 500, "ok": False, "body": "boom"}


def test_an_app_that_is_down_is_a_502_not_a_500(fake: FakeSlack) -> None:
    fake.connect_app(_dead_app_url(), SIGNING_SECRET)
    answer = httpx.post(
        f"{fake.base_url}ui/api/send", json={"user": "U0ALICE", "channel": "C0MLTEAM", "text": "hi"}, timeout=10
    )
    assert answer.status_code == 502 and answer.json()["error"].startswith("the app did not answer")


# -- modals -----------------------------------------------------------------------------------------------


def test_submit_view_sends_view_submission_and_empty_answer_closes(
    fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp, client: WebClient
) -> None:
    view_id = _open_modal(fake, client)

    answer = ui.post("/ui/api/submit", json={"user": "U0ALICE", "view_id": view_id, "values": NAME_VALUES}).json()

    got = recorder.last
    assert got.signature_valid and got.headers["content-type"] == "application/x-www-form-urlencoded"
    payload = got.data
    assert (payload["type"], payload["user"]["id"]) == ("view_submission", "U0ALICE")
    assert payload["team"]["id"] == "T0SANDBOX"
    assert payload["api_app_id"] == "A0SANDBOX" and payload["trigger_id"] and payload["response_urls"] == []
    view = payload["view"]
    assert (view["id"], view["type"], view["callback_id"]) == (view_id, "modal", "new_design")
    assert (view["private_metadata"], view["root_view_id"], view["previous_view_id"]) == (
        "channel=C0MLTEAM",
        view_id,
        None,
    )
    assert view["state"] == {"values": NAME_VALUES}
    assert view["title"]["text"] == "New design" and view["submit"]["text"] == "Create" and view["hash"]
    assert (view["app_id"], view["bot_id"], view["team_id"]) == ("A0SANDBOX", "B0BOT", "T0SANDBOX")
    assert answer["outcome"] == "closed"
    assert fake.workspace.open_modals("U0ALICE") == []


def test_submit_view_with_errors_keeps_it_open_and_shows_them(
    fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp, client: WebClient
) -> None:
    view_id = _open_modal(fake, client)
    recorder.respond = lambda data: JSONResponse({"response_action": "errors", "errors": {"name": "Taken"}})

    answer = ui.post("/ui/api/submit", json={"user": "U0ALICE", "view_id": view_id, "values": NAME_VALUES}).json()

    assert answer["outcome"] == "errors"
    [modal] = ui.get("/ui/api/state", params={"user": "U0ALICE"}).json()["modals"]
    assert (modal["id"], modal["errors"], modal["state"]["values"]) == (view_id, {"name": "Taken"}, NAME_VALUES)

    recorder.respond = None
    ui.post("/ui/api/submit", json={"user": "U0ALICE", "view_id": view_id, "values": NAME_VALUES})
    assert fake.workspace.open_modals("U0ALICE") == []


def test_submit_view_update_push_and_clear(
    fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp, client: WebClient
) -> None:
    view_id = _open_modal(fake, client)
    step = {"type": "modal", "title": {"type": "plain_text", "text": "Step 2"}, "blocks": []}
    submit = {"user": "U0ALICE", "view_id": view_id, "values": NAME_VALUES}

    recorder.respond = lambda data: JSONResponse({"response_action": "update", "view": step})
    updated = ui.post("/ui/api/submit", json=submit).json()
    assert updated["outcome"] == "update"
    assert [(v["id"], v["title"]["text"]) for v in fake.workspace.open_modals("U0ALICE")] == [(view_id, "Step 2")]

    recorder.respond = lambda data: JSONResponse({"response_action": "push", "view": step | {"callback_id": "s3"}})
    pushed = ui.post("/ui/api/submit", json=submit).json()
    stack = fake.workspace.open_modals("U0ALICE")
    assert pushed["outcome"] == "push"
    assert [v["callback_id"] for v in stack] == ["", "s3"] and stack[1]["previous_view_id"] == view_id

    recorder.respond = lambda data: JSONResponse({"response_action": "clear"})
    cleared = ui.post("/ui/api/submit", json={"user": "U0ALICE", "view_id": stack[1]["id"], "values": {}}).json()
    assert cleared["outcome"] == "clear" and fake.workspace.open_modals("U0ALICE") == []


def test_a_failing_or_invalid_answer_keeps_the_modal(
    fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp, client: WebClient
) -> None:
    view_id = _open_modal(fake, client)
    submit = {"user": "U0ALICE", "view_id": view_id, "values": NAME_VALUES}

    recorder.respond = lambda data: Response("oops", status_code=500)
    failed = ui.post("/ui/api/submit", json=submit).json()
    recorder.respond = lambda data: JSONResponse({"response_action": "explode"})
    invalid = ui.post("/ui/api/submit", json=submit)

    assert failed["outcome"] == "kept" and failed["app"]["status"] == 500
    assert invalid.status_code == 502 and "explode" in invalid.json()["error"]
    assert [v["id"] for v in fake.workspace.open_modals("U0ALICE")] == [view_id]


def test_close_view_notifies_only_when_asked(
    fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp, client: WebClient
) -> None:
    quiet = _open_modal(fake, client)
    silent = ui.post("/ui/api/close_view", json={"user": "U0ALICE", "view_id": quiet}).json()
    assert silent == {"ok": True, "notified": False, "app": None}
    assert recorder.received == [] and fake.workspace.open_modals("U0ALICE") == []

    noisy = _open_modal(fake, client, notify_on_close=True)
    told = ui.post("/ui/api/close_view", json={"user": "U0ALICE", "view_id": noisy}).json()
    payload = recorder.last.data
    assert told["notified"] and recorder.last.signature_valid
    assert (payload["type"], payload["view"]["id"], payload["is_cleared"]) == ("view_closed", noisy, False)
    assert fake.workspace.open_modals("U0ALICE") == []
    again = ui.post("/ui/api/close_view", json={"user": "U0ALICE", "view_id": noisy})
    assert again.status_code == 404


def test_someone_elses_modal_is_not_theirs(fake: FakeSlack, ui: httpx.Client, client: WebClient) -> None:
    view_id = _open_modal(fake, client, user="U0ALICE")
    response = ui.post("/ui/api/submit", json={"user": "U0BOB", "view_id": view_id, "values": {}})
    assert response.status_code == 404 and fake.workspace.open_modals("U0ALICE")


def test_a_button_in_a_modal_sends_block_actions_from_the_view(
    fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp, client: WebClient
) -> None:
    view_id = _open_modal(fake, client)

    ui.post("/ui/api/click", json={"user": "U0ALICE", "view_id": view_id, "action_id": "preview"})

    payload = recorder.last.data
    assert payload["type"] == "block_actions" and recorder.last.signature_valid
    assert payload["container"] == {"type": "view", "view_id": view_id}
    assert payload["view"]["id"] == view_id and payload["actions"][0]["action_id"] == "preview"


# -- the app's Home tab -----------------------------------------------------------------------------------

HOME: dict[str, Any] = {
    "type": "home",
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Your designs*"}},
        {
            "type": "actions",
            "block_id": "start",
            "elements": [
                {"type": "button", "action_id": "new_design", "text": {"type": "plain_text", "text": "New design"}}
            ],
        },
    ],
}


def test_opening_home_tells_the_app_and_shows_what_it_publishes(
    fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp, client: WebClient
) -> None:
    def publish(data: dict[str, Any]) -> None:
        if data.get("event", {}).get("type") == "app_home_opened":
            client.views_publish(user_id=data["event"]["user"], view=HOME)

    recorder.on_request = publish
    before = ui.get("/ui/api/state", params={"user": "U0BOB"}).json()

    answer = ui.post("/ui/api/open_home", json={"user": "U0BOB"})

    assert before["home"] is None and before["workspace"]["app_name"] == "mldesign"
    assert answer.status_code == 200 and answer.json()["app"] == {"status": 200, "ok": True, "body": ""}
    event = recorder.last.data["event"]
    assert recorder.last.signature_valid
    assert (event["type"], event["user"], event["tab"], event["channel"]) == (
        "app_home_opened",
        "U0BOB",
        "home",
        "D0BOB",
    )
    fake.workspace.wait_for(lambda ws: ws.home_view("U0BOB") is not None)
    home = ui.get("/ui/api/state", params={"user": "U0BOB"}).json()["home"]
    assert (home["type"], home["blocks"][0]["text"]["text"]) == ("home", "*Your designs*")
    assert ui.get("/ui/api/state", params={"user": "U0ALICE"}).json()["home"] is None, "a Home tab is per person"


def test_a_button_on_the_home_tab_sends_block_actions_and_a_republish_shows(
    fake: FakeSlack, ui: httpx.Client, recorder: RecordingApp, client: WebClient
) -> None:
    view_id = client.views_publish(user_id="U0ALICE", view=HOME)["view"]["id"]
    recorder.on_request = lambda data: client.views_publish(
        user_id=data["user"]["id"],
        view=HOME | {"blocks": [HOME["blocks"][0] | {"text": {"type": "mrkdwn", "text": "1 design"}}]},
    )

    answer = ui.post("/ui/api/click", json={"user": "U0ALICE", "view_id": view_id, "action_id": "new_design"})

    payload = recorder.last.data
    assert answer.status_code == 200 and recorder.last.signature_valid
    assert payload["container"] == {"type": "view", "view_id": view_id} and payload["view"]["type"] == "home"
    fake.workspace.wait_for(lambda ws: len(ws.calls("views.publish")) == 2)
    home = ui.get("/ui/api/state", params={"user": "U0ALICE"}).json()["home"]
    assert (home["id"], home["blocks"][0]["text"]["text"]) == (view_id, "1 design"), "republished in place"
    someone_else = ui.post("/ui/api/click", json={"user": "U0BOB", "view_id": view_id, "action_id": "new_design"})
    assert someone_else.status_code == 404


def test_the_page_offers_the_home_tab(fake: FakeSlack) -> None:
    page = httpx.get(fake.base_url).text
    script = "\n".join(response.text for response in page_scripts(fake).values())
    assert 'id="home-tab"' in page and 'id="home"' in page
    assert "This app has no Home tab for you yet" in script and "/ui/api/open_home" in script


# -- clock ------------------------------------------------------------------------------------------------


def test_advancing_the_clock_moves_timestamps_and_the_shared_clock(fake: FakeSlack, ui: httpx.Client) -> None:
    before = float(fake.workspace.next_ts())

    answer = ui.post("/ui/api/clock", json={"advance_seconds": 86400})
    shared = ui.get("/sandbox/clock").json()
    after = float(fake.workspace.next_ts())

    assert answer.status_code == 200 and answer.json()["clock"]["offset_seconds"] == 86400
    assert answer.json()["ok"] and answer.json()["moved"]
    assert shared["offset_seconds"] == 86400 and shared["iso"].endswith("Z")
    assert abs(shared["now"] - (time.time() + 86400)) < 60
    assert 86400 <= after - before < 86400 + 60


@pytest.mark.parametrize("seconds", [0, -5, 366 * 86400 + 1, "3600", True, None])
def test_bad_clock_steps_are_400(ui: httpx.Client, seconds: Any) -> None:
    response = ui.post("/ui/api/clock", json={"advance_seconds": seconds})
    assert response.status_code == 400 and response.json()["error"]


def test_the_clock_moves_to_a_moment_as_the_pages_fast_forward_asks(fake: FakeSlack, ui: httpx.Client) -> None:
    due = int(time.time()) + 3 * 86400

    answer = ui.post("/ui/api/clock", json={"to": due + 60})
    shared = ui.get("/sandbox/clock").json()

    assert answer.status_code == 200 and answer.json()["ok"] and answer.json()["moved"]
    assert due + 60 <= answer.json()["clock"]["now"] <= shared["now"] < due + 120
    assert float(fake.workspace.next_ts()) >= due + 60


def test_a_moment_already_past_is_answered_without_moving(fake: FakeSlack, ui: httpx.Client) -> None:
    fake.workspace.advance_clock(86400)
    version = fake.workspace.version

    answer = ui.post("/ui/api/clock", json={"to": int(time.time()) + 3600})  # a stale page's ⏩

    assert answer.status_code == 200 and answer.json()["moved"] is False
    assert answer.json()["clock"]["offset_seconds"] == 86400 and fake.workspace.version == version


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, "give either 'advance_seconds'"),
        ({"advance_seconds": None, "to": None}, "give either 'advance_seconds'"),
        ({"advance_seconds": 60, "to": 1796205600}, "give either 'advance_seconds'"),
        ({"to": "1796205600"}, "field 'to' must be a moment in seconds since 1970"),
        ({"to": True}, "field 'to' must be a moment in seconds since 1970"),
        ({"to": 0}, "seconds since 1970"),
        ({"to": 1796205600000}, "not milliseconds"),
    ],
)
def test_bad_clock_moments_are_400(fake: FakeSlack, ui: httpx.Client, body: dict[str, Any], error: str) -> None:
    response = ui.post("/ui/api/clock", json=body)
    assert response.status_code == 400 and error in response.json()["error"]
    assert fake.workspace.clock_offset_seconds == 0


@pytest.mark.parametrize(
    "raw", ['{"to": 1e999}', '{"to": NaN}', '{"to": 1' + "0" * 400 + "}", '{"advance_seconds": 1e999}']
)
def test_numbers_json_cannot_hold_as_a_float_are_400(ui: httpx.Client, raw: str) -> None:
    response = ui.post("/ui/api/clock", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"]


def test_the_clock_works_without_an_app(fake: FakeSlack) -> None:
    assert httpx.post(f"{fake.base_url}ui/api/clock", json={"advance_seconds": 60}).status_code == 200
    assert httpx.post(f"{fake.base_url}ui/api/clock", json={"to": time.time() + 3600}).status_code == 200


# -- bad requests -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "status", "error"),
    [
        ("send", {"user": "U0NOBODY", "channel": "C0MLTEAM", "text": "hi"}, 404, "unknown user 'U0NOBODY'"),
        ("send", {"user": "U0ALICE", "channel": "C0NOPE", "text": "hi"}, 404, "unknown channel 'C0NOPE'"),
        ("send", {"user": "U0BOT", "channel": "C0MLTEAM", "text": "hi"}, 400, "U0BOT is the app's bot user"),
        ("send", {"user": "U0ALICE", "channel": "C0MLTEAM"}, 400, "missing field 'text'"),
        ("send", {"user": "U0ALICE", "channel": "C0MLTEAM", "text": "   "}, 400, "the message is empty"),
        ("send", {"user": "U0ALICE", "channel": "C0MLTEAM", "text": 5}, 400, "field 'text' must be a string"),
        ("send", {"user": "U0ALICE", "channel": "C0MLTEAM", "text": "x", "thread_ts": "1.2"}, 404, "no message"),
        ("send", [1, 2], 400, "the body must be a JSON object"),
        ("edit", {"user": "U0ALICE", "channel": "C0MLTEAM", "text": "x"}, 400, "missing field 'ts'"),
        ("click", {"user": "U0ALICE", "channel": "C0MLTEAM", "message_ts": "1.2"}, 400, "missing field 'action_id'"),
        ("click", {"user": "U0ALICE", "action_id": "a", "view_id": "V1", "selected": 3}, 400, "field 'selected' must"),
        ("submit", {"user": "U0ALICE", "view_id": "V1", "values": []}, 400, "field 'values' must"),
        ("submit", {"user": "U0ALICE", "view_id": "V0NOPE", "values": {}}, 404, "no open modal V0NOPE"),
        ("close_view", {"user": "U0ALICE"}, 400, "missing field 'view_id'"),
        ("unpin", {"user": "U0ALICE", "channel": "C0MLTEAM"}, 400, "missing field 'ts'"),
        ("unpin", {"user": "U0ALICE", "channel": "C0MLTEAM", "ts": "1.2"}, 404, "no pinned message 1.2"),
        ("open_home", {}, 400, "missing field 'user'"),
        ("open_home", {"user": "U0BOT"}, 400, "U0BOT is the app's bot user"),
    ],
)
def test_bad_requests_get_a_4xx_json_error(
    ui: httpx.Client, path: str, body: Any, status: int, error: str, recorder: RecordingApp
) -> None:
    response = ui.post(f"/ui/api/{path}", json=body)

    assert response.status_code == status
    assert response.json()["error"].startswith(error)
    assert recorder.received == [], "nothing reached the app"


def test_a_body_that_is_not_json_is_400(ui: httpx.Client) -> None:
    response = ui.post("/ui/api/send", content=b"user=U0ALICE", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json() == {"error": "the body must be a JSON object"}


SEND = {"user": "U0ALICE", "channel": "C0MLTEAM", "text": "/mldesign help"}


@pytest.mark.parametrize(
    ("headers", "status", "error"),
    [
        ({"Content-Type": "text/plain"}, 415, "the body must be JSON"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415, "the body must be JSON"),
        ({"Origin": "https://evil.example"}, 403, "cross-site requests are refused"),
        ({"Origin": "null"}, 403, "cross-site requests are refused"),
        ({"Host": "rebound.evil.example"}, 403, "the sandbox answers only at an IP address or localhost"),
    ],
    ids=["text-plain", "form", "another-site", "sandboxed-frame", "dns-rebinding"],
)
def test_another_web_page_cannot_act_in_the_sandbox(
    ui: httpx.Client, recorder: RecordingApp, headers: dict[str, str], status: int, error: str
) -> None:
    """Any page open in the developer's browser can post to 127.0.0.1; only the sandbox page itself may act."""
    sent = ui.post("/ui/api/send", content=json.dumps(SEND), headers={"Content-Type": "application/json", **headers})

    assert sent.status_code == status and sent.json()["error"].startswith(error)
    assert recorder.received == [], "nothing reached the app"
    if "Content-Type" not in headers:  # what the page reads is refused to another site too
        assert ui.get("/ui/api/state", headers=headers).status_code == 403
        assert ui.get("/ui/api/events", headers=headers).status_code == 403


def test_the_page_itself_acts_from_its_own_origin(ui: httpx.Client, recorder: RecordingApp, fake: FakeSlack) -> None:
    origin = fake.base_url.rstrip("/")
    for base in (origin, origin.replace("127.0.0.1", "localhost")):
        host = base.removeprefix("http://")
        sent = ui.post("/ui/api/send", json=SEND, headers={"Origin": base, "Host": host})
        assert sent.status_code == 200, sent.text
    assert len(recorder.received) == 2


def test_unknown_user_in_state_is_404(ui: httpx.Client) -> None:
    response = ui.get("/ui/api/state", params={"user": "U0NOBODY"})
    assert response.status_code == 404 and response.json() == {"error": "unknown user 'U0NOBODY'"}


def test_without_an_app_actions_are_409(fake: FakeSlack) -> None:
    send = httpx.post(f"{fake.base_url}ui/api/send", json={"user": "U0ALICE", "channel": "C0MLTEAM", "text": "hi"})
    home = httpx.post(f"{fake.base_url}ui/api/open_home", json={"user": "U0ALICE"})
    state = httpx.get(f"{fake.base_url}ui/api/state").json()
    assert send.status_code == 409 and send.json() == {"error": "no app connected"}
    assert home.status_code == 409 and fake.workspace.channels() == [
        c for c in fake.workspace.channels() if not c.is_im
    ]
    assert state["app_connected"] is False
    assert fake.workspace.messages("C0MLTEAM") == [], "nothing is posted that the app can't hear about"


# -- live updates -----------------------------------------------------------------------------------------


def _next_change(lines: Iterator[str]) -> int:
    """The version of the next `event: change` on an SSE stream."""
    for line in lines:
        if line == "event: change":
            data = next(lines)
            assert data.startswith("data: ")
            return int(data.removeprefix('data: {"version": ').rstrip("}"))
    raise AssertionError("the stream ended without a change event")


def test_events_stream_announces_changes(fake: FakeSlack, client: WebClient) -> None:
    timeout = httpx.Timeout(5.0)
    with httpx.stream("GET", f"{fake.base_url}ui/api/events", timeout=timeout) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines()
        first = _next_change(lines)
        client.chat_postMessage(channel="C0MLTEAM", text="hello")
        second = _next_change(lines)

    assert first < second <= fake.workspace.version


def test_events_stream_keeps_idle_connections_alive(fake: FakeSlack, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.page, "KEEPALIVE_SECONDS", 0.3)
    with httpx.stream("GET", f"{fake.base_url}ui/api/events", timeout=5) as stream:
        lines = stream.iter_lines()
        _next_change(lines)
        assert next(line for line in lines if line) == ": keepalive"


def test_stopping_the_fake_ends_open_event_streams_quickly() -> None:
    fake = FakeSlack().start()
    connected = threading.Event()
    ended = threading.Event()

    def listen() -> None:
        with httpx.stream("GET", f"{fake.base_url}ui/api/events", timeout=10) as stream:
            for line in stream.iter_lines():
                if line.startswith("event: change"):
                    connected.set()
        ended.set()

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert connected.wait(5)
    started = time.monotonic()
    fake.stop()
    stopped_in = time.monotonic() - started

    assert stopped_in < 2.0
    assert ended.wait(5), "the client saw the stream end"

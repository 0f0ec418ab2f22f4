"""Keeping the workspace in a file: a save/load round trip, the debounced StateFile, and FakeSlack(state_path)."""

from __future__ import annotations

import json
from pathlib import Path

from slack_sdk import WebClient

from sandbox import FakeSlack
from sandbox.persistence import StateFile
from sandbox.records import User, ts_key
from sandbox.state import Workspace

VIEW = {"type": "modal", "title": {"type": "plain_text", "text": "Edit"}, "blocks": [], "notify_on_close": True}


def _populate(ws: Workspace) -> dict[str, str]:
    """A workspace with one of everything that must survive a restart."""
    ws.add_user(User("U0DAVE", "dave", "Dave Lee"))
    ws.advance_clock(3600)
    parent = ws.post_message("C0MLTEAM", text="Design *Churn*", blocks=[{"type": "divider", "block_id": "d"}])["ts"]
    reply = ws.post_message("C0MLTEAM", user="U0ALICE", text="churn in 30 days", thread_ts=parent)["ts"]
    ws.update_message("C0MLTEAM", reply, text="churn in 60 days", editor="U0ALICE")
    ws.add_reaction("C0MLTEAM", reply, "white_check_mark", ws.bot.id)
    ws.pin("C0MLTEAM", parent, ws.bot.id)
    ws.add_ephemeral("C0MLTEAM", "U0BOB", text="only bob")
    ws.open_dm("U0CAROL")
    view = ws.open_view(ws.new_trigger_id("U0ALICE"), VIEW)
    ws.set_view_errors(view["id"], {"name": "Taken"})
    return {"parent": parent, "reply": reply, "view": view["id"]}


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    ws = Workspace()
    ids = _populate(ws)
    ws.record_call("chat.postMessage", {}, {"ok": True})
    path = tmp_path / "workspace.json"

    ws.save(path)
    loaded = Workspace.load(path)

    assert loaded.messages("C0MLTEAM") == ws.messages("C0MLTEAM")
    assert loaded.replies("C0MLTEAM", ids["parent"]) == ws.replies("C0MLTEAM", ids["parent"])
    assert loaded.pins("C0MLTEAM") == ws.pins("C0MLTEAM")
    assert loaded.ephemerals() == ws.ephemerals()
    assert loaded.open_modals("U0ALICE") == ws.open_modals("U0ALICE")
    assert loaded.view_errors(ids["view"]) == {"name": "Taken"}
    assert loaded.user("U0DAVE").real_name == "Dave Lee"
    assert [c.id for c in loaded.channels()] == [c.id for c in ws.channels()]
    assert loaded.clock_offset_seconds == 3600
    assert loaded.calls() == [], "call logs are not state"
    assert ts_key(loaded.next_ts()) > ts_key(ids["reply"]), "timestamps keep increasing after a restart"
    assert [p.name for p in tmp_path.iterdir()] == ["workspace.json"], "no temp file left behind"


def test_a_loaded_workspace_still_serves_the_web_api(tmp_path: Path) -> None:
    ws = Workspace()
    ids = _populate(ws)
    ws.save(tmp_path / "state.json")

    with FakeSlack(state_path=tmp_path / "state.json") as fake:
        client = WebClient(token=fake.workspace.bot_token, base_url=fake.api_url)
        history = client.conversations_replies(channel="C0MLTEAM", ts=ids["parent"])["messages"]
        client.chat_postMessage(channel="C0MLTEAM", text="after restart", thread_ts=ids["parent"])

    assert [m["text"] for m in history] == ["Design *Churn*", "churn in 60 days"]
    saved = json.loads((tmp_path / "state.json").read_text())
    assert "after restart" in json.dumps(saved["messages"]), "stop() saved the last change"


def test_state_file_saves_changes_in_the_background(tmp_path: Path) -> None:
    ws = Workspace()
    path = tmp_path / "nested" / "workspace.json"
    state_file = StateFile(ws, path, interval=0.05).start()
    try:
        assert path.exists(), "start() saves at once"
        ws.post_message("C0MLTEAM", text="first")
        assert state_file.wait_saved(ws.version), "saved without waiting for stop()"
        ws.post_message("C0MLTEAM", text="second")
        assert state_file.wait_saved(ws.version)
        assert [m["text"] for m in Workspace.load(path).messages("C0MLTEAM")] == ["first", "second"]
    finally:
        state_file.stop()


def test_state_file_saves_once_more_at_stop(tmp_path: Path) -> None:
    ws = Workspace()
    path = tmp_path / "workspace.json"
    state_file = StateFile(ws, path, interval=60).start()
    ws.post_message("C0MLTEAM", text="just before stop")

    state_file.stop()

    assert [m["text"] for m in Workspace.load(path).messages("C0MLTEAM")] == ["just before stop"]


def test_uploaded_files_survive_a_restart(tmp_path: Path) -> None:
    ws = Workspace()
    shared = ws.start_upload("design.md", 9)
    ws.receive_upload(shared["id"], b"# Design\n")
    ws.complete_uploads([(shared["id"], "Design")], base_url="http://127.0.0.1:1/", channels=["C0MLTEAM"])
    pending = ws.start_upload("weights.bin", 3)
    ws.receive_upload(pending["id"], b"\x00\xff\r")
    ws.save(tmp_path / "workspace.json")

    loaded = Workspace.load(tmp_path / "workspace.json")

    assert loaded.files() == ws.files()
    assert [f["state"] for f in loaded.files()] == ["complete", "uploaded"]
    assert loaded.file_info(shared["id"], "http://127.0.0.1:2/")["url_private"].startswith("http://127.0.0.1:2/")
    assert loaded.messages("C0MLTEAM")[0]["files"][0]["id"] == shared["id"]


def test_installed_and_revoked_tokens_survive_a_restart(tmp_path: Path) -> None:
    ws = Workspace(bot_user_id="U0MYBOT", bot_id="B0MYBOT")
    installed = ws.issue_token(("chat:write", "commands"), "U0BOB")
    ws.revoke_token(ws.bot_token)
    ws.save(tmp_path / "workspace.json")

    loaded = Workspace.load(tmp_path / "workspace.json")

    assert loaded.tokens() == ws.tokens()
    configured = loaded.token(loaded.bot_token)
    assert loaded.token(installed.token) == installed and configured is not None and configured.revoked
    assert (loaded.bot.id, loaded.bot.bot_id) == ("U0MYBOT", "B0MYBOT")


def test_a_state_file_from_before_tokens_were_kept_still_loads(tmp_path: Path) -> None:
    data = Workspace().snapshot()
    del data["tokens"], data["team"]["bot_user_id"], data["team"]["bot_id"]
    (tmp_path / "old.json").write_text(json.dumps(data))

    loaded = Workspace.load(tmp_path / "old.json")

    assert [(t.token, t.revoked) for t in loaded.tokens()] == [("xoxb-sandbox-token", False)]
    assert loaded.bot.id == "U0BOT"

"""Several workspaces on one fake: each token reaches only its own workspace, and the clock is one for all."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import FakeSlack
from sandbox.records import User
from sandbox.state import Workspace
from tests.sandbox.recording_app import SIGNING_SECRET, RecordingApp


def _other() -> Workspace:
    return Workspace(
        team_id="T0OTHER",
        team_name="Other",
        team_domain="other",
        bot_token="xoxb-other-token",
        bot_user_id="U0OTHERBOT",
        bot_id="B0OTHERBOT",
    )


@pytest.fixture
def two() -> Iterator[FakeSlack]:
    with FakeSlack(workspaces=[Workspace(), _other()]) as running:
        yield running


def _client(fake: FakeSlack, ws: Workspace) -> WebClient:
    return WebClient(token=ws.bot_token, base_url=fake.api_url)


def _error(raised: pytest.ExceptionInfo[SlackApiError]) -> str:
    """The Slack error a WebClient call raised."""
    return str(raised.value.response["error"])


def test_the_first_workspace_stays_the_default(two: FakeSlack) -> None:
    first, other = two.workspaces

    assert two.workspace is first and first.team_id == "T0SANDBOX"
    assert other is two.workspace_of("T0OTHER") and other.team_name == "Other"
    with pytest.raises(ValueError, match="already has a workspace T0OTHER"):
        two.add_workspace(_other())
    with pytest.raises(ValueError, match="already another workspace's"):
        two.add_workspace(Workspace(team_id="T0THIRD", bot_token="xoxb-other-token"))
    third = two.add_workspace(Workspace(team_id="T0THIRD", bot_token="xoxb-third-token"))
    assert [w.team_id for w in two.workspaces] == ["T0SANDBOX", "T0OTHER", "T0THIRD"]
    assert _client(two, third).auth_test()["team_id"] == "T0THIRD", "added after start, and served"


def test_auth_test_answers_for_the_tokens_workspace(two: FakeSlack) -> None:
    first, other = two.workspaces

    mine = _client(two, first).auth_test()
    theirs = _client(two, other).auth_test()

    assert (mine["team_id"], mine["team"], mine["user_id"], mine["bot_id"]) == (
        "T0SANDBOX",
        "Sandbox",
        "U0BOT",
        "B0BOT",
    )
    assert (theirs["team_id"], theirs["team"], theirs["user_id"], theirs["bot_id"]) == (
        "T0OTHER",
        "Other",
        "U0OTHERBOT",
        "B0OTHERBOT",
    )
    assert theirs["url"] == two.base_url
    assert [c.method for c in other.calls()] == ["auth.test"] and other.calls()[0].token == "xoxb-other-token"


def test_a_token_never_sees_or_changes_another_workspace(two: FakeSlack) -> None:
    first, other = two.workspaces
    other.add_user(User("U0DAVE", "dave", "Dave Lee"))
    mine, theirs = _client(two, first), _client(two, other)

    ts = theirs.chat_postMessage(channel="C0MLTEAM", text="only in Other")["ts"]

    assert [m["text"] for m in other.messages("C0MLTEAM")] == ["only in Other"]
    assert first.messages("C0MLTEAM") == []
    assert mine.conversations_history(channel="C0MLTEAM")["messages"] == []
    with pytest.raises(SlackApiError) as update:
        mine.chat_update(channel="C0MLTEAM", ts=ts, text="hijacked")
    with pytest.raises(SlackApiError) as delete:
        mine.chat_delete(channel="C0MLTEAM", ts=ts)
    with pytest.raises(SlackApiError) as react:
        mine.reactions_add(channel="C0MLTEAM", timestamp=ts, name="eyes")
    with pytest.raises(SlackApiError) as dave:
        mine.users_info(user="U0DAVE")
    assert [_error(e) for e in (update, delete, react, dave)] == ["message_not_found"] * 3 + ["user_not_found"]
    assert theirs.users_info(user="U0DAVE")["user"]["team_id"] == "T0OTHER"
    assert [m["text"] for m in other.messages("C0MLTEAM")] == ["only in Other"]
    assert "reactions" not in other.messages("C0MLTEAM")[0]
    assert {c.method for c in other.calls()} == {"chat.postMessage", "users.info"}
    assert "chat.postMessage" not in {c.method for c in first.calls()}


def test_unknown_and_revoked_tokens(two: FakeSlack) -> None:
    first, other = two.workspaces

    with pytest.raises(SlackApiError) as unknown:
        WebClient(token="xoxb-nobody", base_url=two.api_url).auth_test()
    other.revoke_tokens()
    with pytest.raises(SlackApiError) as revoked:
        _client(two, other).chat_postMessage(channel="C0MLTEAM", text="hi")

    assert _error(unknown) == "invalid_auth" and first.calls()[-1].response["error"] == "invalid_auth"
    assert _error(revoked) == "token_revoked" and other.calls()[-1].response["error"] == "token_revoked"
    assert other.messages("C0MLTEAM") == []
    assert _client(two, first).auth_test()["ok"], "revoking one workspace's tokens leaves the other's alone"


def test_scripted_faults_belong_to_their_workspace(two: FakeSlack) -> None:
    first, other = two.workspaces
    other.fail_next("chat.postMessage", "not_in_channel")

    _client(two, first).chat_postMessage(channel="C0MLTEAM", text="fine")
    with pytest.raises(SlackApiError) as failed:
        _client(two, other).chat_postMessage(channel="C0MLTEAM", text="fails")

    assert _error(failed) == "not_in_channel"
    assert [m["text"] for m in first.messages("C0MLTEAM")] == ["fine"]


def test_a_driver_acts_in_its_workspace_and_response_urls_come_back_there(
    two: FakeSlack, app: tuple[RecordingApp, str], recorder: RecordingApp
) -> None:
    first, other = two.workspaces
    driver = two.driver(app[1], SIGNING_SECRET, workspace=other)

    driver.post_message("U0ALICE", "C0MLTEAM", "hello")
    envelope = recorder.last.data
    driver.slash_command("U0BOB", "C0MLTEAM", "start")
    command = recorder.last.data
    httpx.post(command["response_url"], json={"response_type": "in_channel", "text": "answered"})

    assert (envelope["team_id"], envelope["context_team_id"]) == ("T0OTHER", "T0OTHER")
    [authorization] = envelope["authorizations"]
    assert (authorization["team_id"], authorization["user_id"], authorization["is_bot"]) == (
        "T0OTHER",
        "U0OTHERBOT",
        True,
    )
    assert (command["team_id"], command["team_domain"]) == ("T0OTHER", "other")
    assert [m["text"] for m in other.messages("C0MLTEAM")] == ["hello", "answered"]
    assert first.messages("C0MLTEAM") == [] and first.deliveries() == [] and first.calls() == []
    assert [d.kind for d in other.deliveries()] == ["event", "slash_command"]
    assert other.calls("response_url")[0].response == {"ok": True}
    with pytest.raises(ValueError, match="not one of this fake's"):
        two.driver(app[1], SIGNING_SECRET, workspace=_other())


def test_files_live_in_the_workspace_that_uploaded_them(two: FakeSlack) -> None:
    first, other = two.workspaces

    file = _client(two, other).files_upload_v2(content="# Other\n", filename="d.md", channel="C0MLTEAM")["file"]

    assert file["url_private"] == f"{two.base_url}files-pri/T0OTHER-{file['id']}/d.md"
    assert httpx.get(file["url_private_download"]).text == "# Other\n"
    assert httpx.get(file["permalink"], follow_redirects=True).text == "# Other\n"
    assert httpx.get(f"{two.base_url}files-pri/T0SANDBOX-{file['id']}/d.md").status_code == 404
    assert first.files() == [] and [f["id"] for f in other.files()] == [file["id"]]
    assert [c.method for c in other.calls()].count("upload_url") == 1
    with pytest.raises(SlackApiError) as foreign:
        _client(two, first).files_info(file=file["id"])
    assert _error(foreign) == "file_not_found"


def test_one_clock_for_every_workspace(two: FakeSlack) -> None:
    first, other = two.workspaces
    versions = (first.version, other.version)

    other.advance_clock(86400)
    shared = httpx.get(two.clock_url).json()

    assert first.clock_offset_seconds == other.clock_offset_seconds == 86400 == shared["offset_seconds"]
    assert first.version > versions[0] and other.version > versions[1], "both wake their waiters and pages"
    first.advance_clock_to(first.now() + 3600)
    assert abs(other.clock_offset_seconds - (86400 + 3600)) < 5
    assert float(other.next_ts()) >= first.now() - 5


def test_a_workspace_added_later_adopts_the_fakes_clock() -> None:
    first = Workspace()
    first.advance_clock(3600)
    late = Workspace(team_id="T0LATE", bot_token="xoxb-late-token")

    fake = FakeSlack(workspace=first)
    fake.add_workspace(late)

    assert late.shared_clock is first.shared_clock and late.clock_offset_seconds == 3600

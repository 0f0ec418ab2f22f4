"""Distributed with OAuth: installed in two workspaces from the install page, each workspace's requests are
answered with its own token, neither ever sees the other's designs, and an uninstall removes its tokens."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.inbound.manifest import BOT_SCOPES
from sandbox import FakeSlack, SlackDriver
from sandbox.state import Workspace
from storage.engine import make_engine
from tests.e2e.conftest import SIGNING_SECRET, BotProcess, assert_nothing_shown_wrongly, bot_for, free_port
from tests.e2e.helpers import ALICE, BOB, CHANNEL, Database, DesignThread, poll_until
from tests.slack_text import all_text

CLIENT_ID, CLIENT_SECRET = "sandbox-client-id", "sandbox-client-secret"
TOKEN_KEY = "pYQ3cW0iJ9d7vG2Kx8n1u5ZtT4aRbL6mE0sHqFjNwCk="  # a Fernet key, for MLDESIGN_TOKEN_KEYS
TEAM_A, TEAM_B = "T0SANDBOX", "T0OTHER"


@pytest.fixture
def two_workspaces() -> Iterator[FakeSlack]:
    other = Workspace(team_id=TEAM_B, team_name="Other", team_domain="other", bot_token="xoxb-other-token")
    with FakeSlack(workspaces=[Workspace(), other], client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as fake:
        yield fake
        assert_nothing_shown_wrongly(fake)


@pytest.fixture
def distributed_bot(two_workspaces: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    port = free_port()
    bot = bot_for(
        two_workspaces,
        database_url,
        tmp_path / "bot.log",
        token=None,
        environment={
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "MLDESIGN_TOKEN_KEYS": TOKEN_KEY,
            "SLACK_AUTHORIZE_URL": f"{two_workspaces.base_url}oauth/v2/authorize",
            "SLACK_REDIRECT_URI": f"http://127.0.0.1:{port}/slack/oauth_redirect",
        },
        port=port,
    ).start()
    yield bot
    bot.stop()


@pytest.fixture
def installed(two_workspaces: FakeSlack, distributed_bot: BotProcess) -> dict[str, SlackDriver]:
    """Both workspaces install mldesign through its install page; a driver per workspace."""
    for workspace in two_workspaces.workspaces:
        done = two_workspaces.install_app(f"{distributed_bot.url}/slack/install", workspace=workspace)
        assert done.status_code == 200, done.text
    drivers = {
        ws.team_id: two_workspaces.driver(f"{distributed_bot.url}/slack/events", SIGNING_SECRET, workspace=ws)
        for ws in two_workspaces.workspaces
    }
    yield drivers
    for driver in drivers.values():
        driver.close()


def stored_bot_tokens(database_url: str) -> dict[str, str]:
    """The slack_bots rows as they are in the database, read with plain SQL."""
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT team_id, bot_token FROM slack_bots")).all()
    engine.dispose()
    return {team: token for team, token in rows}


def bot_tokens(database_url: str) -> dict[str, str]:
    """Each workspace's bot token, decrypted with the key the bot was given."""
    cipher = Fernet(TOKEN_KEY)
    return {team: cipher.decrypt(stored.encode()).decode() for team, stored in stored_bot_tokens(database_url).items()}


def export_button(design_id: int) -> dict:
    button = {
        "type": "button",
        "action_id": "export_design",
        "value": str(design_id),
        "text": {"type": "plain_text", "text": "Export"},
    }
    return {"type": "actions", "elements": [button]}


def last_ephemeral(workspace: Workspace, user: str = ALICE) -> str:
    return all_text(workspace.ephemerals(channel=CHANNEL, user=user)[-1])


def test_the_install_page_stores_a_token_per_workspace_and_each_works_with_its_own(
    two_workspaces, installed, database_url
):
    a, b = two_workspaces.workspaces
    tokens = bot_tokens(database_url)

    assert set(tokens) == {TEAM_A, TEAM_B}
    assert tokens[TEAM_A] != tokens[TEAM_B]
    assert a.token(tokens[TEAM_A]) is not None and b.token(tokens[TEAM_B]) is not None

    DesignThread.start(two_workspaces, installed[TEAM_A], Database(database_url, TEAM_A), "Churn model")

    posts_a = [call for call in a.calls() if call.method == "chat.postMessage"]
    assert posts_a and {call.token for call in posts_a} == {tokens[TEAM_A]}
    assert b.messages(CHANNEL) == [], "nothing of workspace A lands in workspace B"


def test_the_tokens_in_the_database_are_encrypted_and_useless_to_anyone_without_the_key(
    two_workspaces, installed, database_url
):
    a, b = two_workspaces.workspaces
    raw = stored_bot_tokens(database_url)
    engine = make_engine(database_url)
    with engine.connect() as connection:
        everything = " ".join(
            str(value)
            for table in ("slack_bots", "slack_installations")
            for row in connection.execute(text(f"SELECT * FROM {table}")).all()
            for value in row
        )
    engine.dispose()

    for team, stored in raw.items():
        assert not stored.startswith("xox") and a.token(stored) is None and b.token(stored) is None
        assert Fernet(TOKEN_KEY).decrypt(stored.encode()).decode().startswith("xoxb-"), team
    assert "xox" not in everything, "no token of any kind is stored in clear"


def test_one_workspace_never_sees_the_other_designs_through_any_door(two_workspaces, installed, database_url):
    a, b = two_workspaces.workspaces
    driver_a, driver_b = installed[TEAM_A], installed[TEAM_B]
    churn = DesignThread.start(two_workspaces, driver_a, Database(database_url, TEAM_A), "Churn model")
    churn.answer(BOB, "Two analysts score accounts weekly.")
    design_id = Database(database_url, TEAM_A).design("Churn model").id

    for command in ("list", "status Churn model", "summary Churn model", "export Churn model", "deployed Churn model"):
        driver_b.slash_command(ALICE, CHANNEL, command)
        shown = last_ephemeral(b)
        assert "Churn model" not in shown or "There is no design named" in shown, (command, shown)
    driver_b.open_home(ALICE)
    b.wait_for(lambda ws: ws.home_view(ALICE) is not None)
    # Workspace B's people reply in a thread with A's parent ts, and click a button carrying A's design id.
    driver_b.post_message(BOB, CHANNEL, "an answer from the wrong workspace", thread_ts=churn.parent_ts)
    forged = b.post_message(CHANNEL, text="forged", bot_id="B0BOT", blocks=[export_button(design_id)])
    driver_b.click(ALICE, CHANNEL, forged["ts"], "export_design")
    b.wait_for(lambda ws: "no longer exists" in last_ephemeral(ws))

    home_b = all_text(b.home_view(ALICE))
    assert "Churn model" not in home_b
    assert "You haven't started or answered a design yet" in home_b
    answers = Database(database_url, TEAM_A).answers("Churn model")
    assert [a.text for a in answers.values()] == ["Two analysts score accounts weekly."]
    assert a.files() == [] and b.files() == []
    assert [m["ts"] for m in b.messages(CHANNEL)] == [forged["ts"]]
    assert Database(database_url, TEAM_B).count_designs() == 0


@pytest.mark.sqlite_only  # Slack-side behaviour; the install and isolation tests cover PostgreSQL
def test_uninstalling_removes_that_workspace_tokens_and_leaves_the_other_working(
    two_workspaces, installed, database_url
):
    revoked, uninstalled = installed[TEAM_B].uninstall_app()

    assert (revoked.status_code, uninstalled.status_code) == (200, 200)
    assert set(bot_tokens(database_url)) == {TEAM_A}
    DesignThread.start(two_workspaces, installed[TEAM_A], Database(database_url, TEAM_A), "Churn model")
    assert installed[TEAM_B].slash_command(ALICE, CHANNEL, "list").status_code in (200, 401)


@pytest.mark.sqlite_only  # Slack-side behaviour; the install and isolation tests cover PostgreSQL
def test_the_install_page_links_to_slack_with_the_scopes_of_the_manifest(distributed_bot):
    page = httpx.get(f"{distributed_bot.url}/slack/install")

    assert page.status_code == 200
    assert "oauth/v2/authorize" in page.text
    assert "scope=commands,chat:write" in page.text.replace("%2C", ",").replace("%3A", ":")


@pytest.mark.sqlite_only  # Slack-side behaviour; the install and isolation tests cover PostgreSQL
def test_a_newcomer_install_runs_the_whole_journey_within_the_manifest_scopes(two_workspaces, installed, database_url):
    """Installed through the install page, the token holds exactly the manifest's scopes (the fake refuses
    anything else with missing_scope): a walkthrough, the pinned summary, the export, deployment and a
    revisit, and the Home tab all work."""
    a = two_workspaces.workspace
    driver = installed[TEAM_A]
    db = Database(database_url, TEAM_A)
    granted = a.token(bot_tokens(database_url)[TEAM_A])
    thread = DesignThread.start(two_workspaces, driver, db, "Churn model")
    thread.answer(BOB, "Two analysts score accounts weekly.")
    while thread.closing() is None:
        thread.click_and_wait(ALICE, "skip_question")
    a.wait_for(lambda ws: len(ws.pins(CHANNEL)) == 1)
    driver.slash_command(ALICE, CHANNEL, "export Churn model")
    a.wait_for(lambda ws: any(f["state"] == "complete" for f in ws.files()))
    driver.slash_command(ALICE, CHANNEL, "deployed Churn model")
    poll_until(lambda: db.design("Churn model").owner_tz is not None)
    driver.slash_command(ALICE, CHANNEL, "remind Churn model now")
    thread.wait_until(
        lambda: any((m.get("metadata") or {}).get("event_type") == "mldesign_nudge" for m in thread.replies())
    )
    driver.open_home(ALICE)
    a.wait_for(lambda ws: "Churn model" in all_text(ws.home_view(ALICE) or {}))
    a.wait_for(lambda ws: ws.calls("views.publish"))  # the fake logs a call just after it took effect

    assert granted is not None and set(granted.scopes) == set(BOT_SCOPES)
    refused = [
        (call.method, call.response.get("needed"))
        for call in a.calls()
        if call.response.get("error") == "missing_scope"
    ]
    assert refused == []
    used = {call.method for call in a.calls()}
    assert {"chat.postMessage", "chat.update", "pins.add", "reactions.add", "users.info", "views.publish"} <= used
    assert {"files.getUploadURLExternal", "files.completeUploadExternal"} <= used


DAY = 86_400


def start_in_b(fake: FakeSlack, driver: SlackDriver, name: str) -> None:
    assert driver.slash_command(ALICE, CHANNEL, f"start {name}").status_code == 200
    fake.workspaces[1].wait_for(lambda ws: any(name in m.get("text", "") for m in ws.messages(CHANNEL)))


def test_an_uninstalled_workspace_data_is_deleted_after_the_grace_period_and_only_its_own(
    two_workspaces, installed, distributed_bot, database_url
):
    a = two_workspaces.workspace
    DesignThread.start(two_workspaces, installed[TEAM_A], Database(database_url, TEAM_A), "Churn model")
    start_in_b(two_workspaces, installed[TEAM_B], "Fraud scoring")
    installed[TEAM_B].uninstall_app()
    uninstalled_at = a.now()

    a.advance_clock_to(uninstalled_at + 29 * DAY)
    time.sleep(1.5)  # three housekeeping rounds (every 0.5 s here) pass within the grace period…
    kept_within_grace = Database(database_url, TEAM_B).count_designs()
    a.advance_clock_to(uninstalled_at + 31 * DAY)  # …and once it is over, the next one deletes

    assert kept_within_grace == 1
    poll_until(lambda: Database(database_url, TEAM_B).count_designs() == 0, what="workspace B's data deleted")
    assert Database(database_url, TEAM_A).count_designs() == 1, "the other workspace keeps everything"
    poll_until(  # logged just after the deletion commits
        lambda: "deleted the data of workspace T0OTHER (1 designs)" in distributed_bot.log(), what="the deletion logged"
    )


@pytest.mark.sqlite_only  # Slack-side behaviour; the install and isolation tests cover PostgreSQL
def test_reinstalling_within_the_grace_period_keeps_the_designs(
    two_workspaces, installed, distributed_bot, database_url
):
    b = two_workspaces.workspaces[1]
    start_in_b(two_workspaces, installed[TEAM_B], "Fraud scoring")
    installed[TEAM_B].uninstall_app()
    uninstalled_at = b.now()

    back = two_workspaces.install_app(f"{distributed_bot.url}/slack/install", workspace=b)
    b.advance_clock_to(uninstalled_at + 31 * DAY)
    poll_until(lambda: "workspace T0OTHER is back" in distributed_bot.log(), what="the removal cancelled")

    assert back.status_code == 200
    assert Database(database_url, TEAM_B).count_designs() == 1

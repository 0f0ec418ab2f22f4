"""Enterprise Grid: mldesign installed in a workspace of an organization, or org-wide for every workspace of it,
walks a design end to end there, with the token of that install."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from sandbox import FakeSlack, SlackDriver
from sandbox.records import Channel
from sandbox.state import Workspace
from storage.engine import make_engine
from tests.e2e.conftest import SIGNING_SECRET, BotProcess, assert_nothing_shown_wrongly, bot_for, free_port
from tests.e2e.helpers import ALICE, BOB, CHANNEL, Database, DesignThread
from tests.e2e.test_distribution import CLIENT_ID, CLIENT_SECRET, TOKEN_KEY, bot_tokens
from tests.e2e.test_summary import finish, pinned, summaries
from tests.slack_text import all_text

ORG = "E0ACME"
ML, SALES = "T0ML", "T0SALES"


@pytest.fixture
def grid() -> Iterator[FakeSlack]:
    """Two workspaces of the organization Acme: ML (where designs are reviewed) and Sales."""
    ml = Workspace(team_id=ML, team_name="ML", team_domain="acme-ml", enterprise_id=ORG, enterprise_name="Acme")
    sales = Workspace(
        team_id=SALES,
        team_name="Sales",
        team_domain="acme-sales",
        bot_token="xoxb-sales-token",
        channels=(Channel("C0DEALS", "deals"),),
        enterprise_id=ORG,
        enterprise_name="Acme",
    )
    with FakeSlack(workspaces=[ml, sales], client_id=CLIENT_ID, client_secret=CLIENT_SECRET) as fake:
        yield fake
        assert_nothing_shown_wrongly(fake)


@pytest.fixture
def grid_bot(grid: FakeSlack, database_url: str, tmp_path: Path) -> Iterator[BotProcess]:
    port = free_port()
    bot = bot_for(
        grid,
        database_url,
        tmp_path / "bot.log",
        token=None,
        environment={
            "SLACK_CLIENT_ID": CLIENT_ID,
            "SLACK_CLIENT_SECRET": CLIENT_SECRET,
            "MLDESIGN_TOKEN_KEYS": TOKEN_KEY,
            "SLACK_AUTHORIZE_URL": f"{grid.base_url}oauth/v2/authorize",
            "SLACK_REDIRECT_URI": f"http://127.0.0.1:{port}/slack/oauth_redirect",
        },
        port=port,
    ).start()
    yield bot
    bot.stop()


def install(grid: FakeSlack, bot: BotProcess, *, org_wide: bool) -> SlackDriver:
    done = grid.install_app(f"{bot.url}/slack/install", workspace=grid.workspace_of(ML), org_wide=org_wide)
    assert done.status_code == 200, done.text
    return grid.driver(f"{bot.url}/slack/events", SIGNING_SECRET, workspace=grid.workspace_of(ML))


def walk(grid: FakeSlack, driver: SlackDriver, database_url: str) -> DesignThread:
    thread = DesignThread.start(grid, driver, Database(database_url, ML), "Churn model")
    thread.answer(BOB, "Two analysts score accounts by hand every Monday.")
    finish(thread, {"goals": "Cut churn by 10%."})
    thread.wait_until(lambda: len(summaries(grid)) == 1 and summaries(grid)[0]["ts"] in pinned(grid))
    return thread


@pytest.mark.parametrize("org_wide", [False, True], ids=["workspace install", "org-wide install"])
def test_a_grid_install_walks_a_design_end_to_end(grid, grid_bot, database_url, org_wide):
    driver = install(grid, grid_bot, org_wide=org_wide)
    ml = grid.workspace_of(ML)

    thread = walk(grid, driver, database_url)

    [token] = bot_tokens(database_url).values()
    posts = [call for call in ml.calls() if call.method in ("chat.postMessage", "chat.update", "pins.add")]
    assert posts and {call.token for call in posts} == {token}
    assert all(call.response["ok"] for call in posts), [c.response for c in posts if not c.response["ok"]]
    assert "Walkthrough complete" in all_text(summaries(grid)[0])
    assert thread.closing() is not None
    assert "Two analysts score accounts by hand every Monday." in [m.get("text") for m in thread.replies()]
    driver.close()


def test_an_org_wide_install_serves_every_workspace_of_the_organization(grid, grid_bot, database_url):
    install(grid, grid_bot, org_wide=True).close()
    sales = grid.workspace_of(SALES)

    with grid.driver(f"{grid_bot.url}/slack/events", SIGNING_SECRET, workspace=sales) as driver:
        driver.slash_command(ALICE, "C0DEALS", "start Lead scoring")
        sales.wait_for(lambda ws: any(m.get("bot_id") for m in ws.messages("C0DEALS")))
        parent = next(m for m in sales.messages("C0DEALS") if m.get("bot_id"))
        sales.wait_for(lambda ws: len(ws.replies("C0DEALS", parent["ts"])) == 1)

    assert "Lead scoring" in all_text(parent)
    assert grid.workspace_of(ML).messages(CHANNEL) == [], "Sales' design stays in Sales"


def rows(database_url: str, query: str) -> list[tuple]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(text(query)).all()]
    engine.dispose()
    return found


def test_removing_an_org_wide_install_removes_its_token_and_schedules_each_served_workspace(
    grid, grid_bot, database_url
):
    driver = install(grid, grid_bot, org_wide=True)
    DesignThread.start(grid, driver, Database(database_url, ML), "Churn model")
    assert rows(database_url, "SELECT team_id, enterprise_id FROM slack_org_teams") == [(ML, ORG)]

    revoked, uninstalled = driver.uninstall_app()

    assert (revoked.status_code, uninstalled.status_code) == (200, 200)
    assert rows(database_url, "SELECT team_id FROM slack_bots") == []
    assert rows(database_url, "SELECT team_id FROM slack_org_teams") == [(ML,)], "kept for a reinstall"
    assert rows(database_url, "SELECT team_id FROM workspaceremoval") == [(ML,)]
    driver.close()

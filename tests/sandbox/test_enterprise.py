"""Enterprise Grid on the fake: a workspace of an organization, installed alone or org-wide, and the enterprise ids
that Slack puts in every request it sends the app."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import FakeSlack
from sandbox.records import Channel
from sandbox.state import Workspace
from tests.sandbox.recording_app import SIGNING_SECRET, RecordingApp

REDIRECT = "https://app.example/slack/oauth_redirect"
FLOW = {"client_id": "sandbox-client-id", "scope": "chat:write,commands,canvases:write", "redirect_uri": REDIRECT}


@pytest.fixture
def org() -> Iterator[FakeSlack]:
    """Two workspaces of one organization (E0ACME), with channels of their own, and one outside it."""
    sales = Workspace(
        team_id="T0SALES",
        team_name="Sales",
        team_domain="acme-sales",
        bot_token="xoxb-sales-token",
        channels=(Channel("C0DEALS", "deals"),),
        enterprise_id="E0ACME",
        enterprise_name="Acme",
    )
    ml = Workspace(
        team_id="T0ML", team_name="ML", team_domain="acme-ml", enterprise_id="E0ACME", enterprise_name="Acme"
    )
    alone = Workspace(team_id="T0ALONE", team_name="Alone", team_domain="alone", bot_token="xoxb-alone-token")
    with FakeSlack(workspaces=[ml, sales, alone]) as running:
        yield running


def _install(fake: FakeSlack, team: str, **extra: str) -> dict[str, Any]:
    allowed = httpx.get(f"{fake.base_url}oauth/v2/authorize/approve", params=FLOW | {"team": team} | extra)
    assert allowed.status_code == 302, allowed.text
    code = parse_qs(urlsplit(allowed.headers["location"]).query)["code"][0]
    form = {"client_id": "sandbox-client-id", "client_secret": "sandbox-client-secret", "code": code}
    answer = httpx.post(f"{fake.api_url}oauth.v2.access", data=form).json()
    assert answer["ok"], answer
    return dict(answer)


def test_a_grid_workspace_install_names_its_organization(org: FakeSlack) -> None:
    answer = _install(org, "T0ML")

    assert answer["team"] == {"id": "T0ML", "name": "ML"}
    assert answer["enterprise"] == {"id": "E0ACME", "name": "Acme"}
    assert answer["is_enterprise_install"] is False
    auth = WebClient(token=answer["access_token"], base_url=org.api_url).auth_test()
    assert (auth["team_id"], auth["enterprise_id"], auth["is_enterprise_install"]) == ("T0ML", "E0ACME", False)


def test_an_org_wide_install_is_the_organizations_and_works_in_each_of_its_workspaces(org: FakeSlack) -> None:
    page = httpx.get(f"{org.base_url}oauth/v2/authorize", params=FLOW | {"team": "T0ML"})
    answer = _install(org, "T0ML", enterprise_install="1")
    client = WebClient(token=answer["access_token"], base_url=org.api_url)

    client.chat_postMessage(channel="C0MLTEAM", text="in ML")
    client.chat_postMessage(channel="C0DEALS", text="in Sales")

    assert 'id="allow-org"' in page.text, "an org admin may install for the whole organization"
    assert answer["team"] is None and answer["is_enterprise_install"] is True
    assert answer["enterprise"] == {"id": "E0ACME", "name": "Acme"}
    assert [m["text"] for m in org.workspace_of("T0ML").messages("C0MLTEAM")] == ["in ML"]
    assert [m["text"] for m in org.workspace_of("T0SALES").messages("C0DEALS")] == ["in Sales"]
    with pytest.raises(SlackApiError) as outside:
        WebClient(token=answer["access_token"], base_url=org.api_url).chat_postMessage(channel="C0ALONE", text="x")
    assert outside.value.response["error"] == "channel_not_found"
    assert org.workspace_of("T0ALONE").token(answer["access_token"]) is None, "not a workspace of the org"


def test_an_org_wide_install_is_refused_outside_an_organization(org: FakeSlack) -> None:
    refused = httpx.get(
        f"{org.base_url}oauth/v2/authorize/approve", params=FLOW | {"team": "T0ALONE", "enterprise_install": "1"}
    )

    assert refused.status_code == 400 and "belongs to no Enterprise Grid organization" in refused.text


def test_uninstalling_an_org_wide_install_revokes_it_everywhere(org: FakeSlack) -> None:
    token = _install(org, "T0ML", enterprise_install="1")["access_token"]
    client = WebClient(token=token, base_url=org.api_url)

    client.apps_uninstall(client_id="sandbox-client-id", client_secret="sandbox-client-secret")

    for team in ("T0ML", "T0SALES"):
        known = org.workspace_of(team).token(token)
        assert known is not None and known.revoked, team


@pytest.mark.parametrize("org_wide", [False, True], ids=["workspace install", "org-wide install"])
def test_requests_from_a_grid_workspace_carry_its_enterprise(
    org: FakeSlack, app: tuple[RecordingApp, str], org_wide: bool
) -> None:
    recorder, url = app
    _install(org, "T0ML", **({"enterprise_install": "1"} if org_wide else {}))
    driver = org.driver(url, SIGNING_SECRET, workspace=org.workspace_of("T0ML"))
    ts = org.workspace_of("T0ML").post_message(
        "C0MLTEAM",
        text="Pick",
        blocks=[
            {
                "type": "actions",
                "block_id": "b",
                "elements": [{"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}}],
            }
        ],
    )["ts"]

    driver.slash_command("U0ALICE", "C0MLTEAM", "help")
    driver.post_message("U0ALICE", "C0MLTEAM", "hello")
    driver.click("U0ALICE", "C0MLTEAM", ts, "go")

    command, event, click = (r.data for r in recorder.received)
    assert (command["enterprise_id"], command["enterprise_name"]) == ("E0ACME", "Acme")
    assert command["is_enterprise_install"] == ("true" if org_wide else "false")
    assert event["enterprise_id"] == event["context_enterprise_id"] == "E0ACME"
    [authorization] = event["authorizations"]
    assert authorization["enterprise_id"] == "E0ACME"
    assert authorization["is_enterprise_install"] is org_wide
    assert authorization["team_id"] == (None if org_wide else "T0ML")
    assert event["team_id"] == "T0ML", "the workspace it happened in"
    assert click["enterprise"] == {"id": "E0ACME", "name": "Acme"}
    assert click["is_enterprise_install"] is org_wide and click["team"]["id"] == "T0ML"


def test_an_org_wide_token_must_say_which_workspace_a_call_is_for(org: FakeSlack) -> None:
    token = _install(org, "T0ML", enterprise_install="1")["access_token"]
    client = WebClient(token=token, base_url=org.api_url)

    with pytest.raises(SlackApiError) as unnamed:
        client.canvases_create(title="Design")
    in_sales = client.canvases_create(title="Design", team_id="T0SALES")["canvas_id"]
    client.canvases_access_set(canvas_id=in_sales, access_level="read", channel_ids=["C0DEALS"])

    assert unnamed.value.response["error"] == "invalid_arguments", "Slack wants team_id from an org-wide token"
    sales_canvas = org.workspace_of("T0SALES").canvas(in_sales)
    assert sales_canvas is not None and sales_canvas["access"] == {"C0DEALS": "read"}
    assert org.workspace_of("T0ML").canvases() == []

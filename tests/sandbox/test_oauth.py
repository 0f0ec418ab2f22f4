"""Slack's OAuth v2 install flow on the fake: the approval page, the redirect with a code, oauth.v2.access."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import FakeSlack
from sandbox.server import BackgroundServer
from sandbox.state import Workspace
from tests.sandbox.installer_app import SCOPES, InstallerApp

REDIRECT = "https://app.example/slack/oauth_redirect"
FLOW = {
    "client_id": "sandbox-client-id",
    "scope": "chat:write,commands",
    "user_scope": "identify",
    "redirect_uri": REDIRECT,
    "state": "s-123",
}


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    other = Workspace(team_id="T0OTHER", team_name="Other", team_domain="other", bot_token="xoxb-other-token")
    with FakeSlack(workspaces=[Workspace(), other]) as running:
        yield running


@pytest.fixture
def installer(fake: FakeSlack) -> Iterator[InstallerApp]:
    app = InstallerApp(api_url=fake.api_url, authorize_url=f"{fake.base_url}oauth/v2/authorize")
    server = BackgroundServer(app.asgi())
    server.start()
    app.base_url = server.base_url
    yield app
    server.stop()


def _approve(fake: FakeSlack, **changes: str) -> dict[str, list[str]]:
    """Press Allow; returns the query of the redirect back to the app."""
    answer = httpx.get(f"{fake.base_url}oauth/v2/authorize/approve", params=FLOW | changes)
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert location.startswith(changes.get("redirect_uri", REDIRECT))
    return parse_qs(urlsplit(location).query)


def _code(fake: FakeSlack, **changes: str) -> str:
    return _approve(fake, **changes)["code"][0]


def _access(fake: FakeSlack, **args: str) -> dict[str, Any]:
    """oauth.v2.access with the credentials as form fields."""
    form = {"client_id": "sandbox-client-id", "client_secret": "sandbox-client-secret"} | args
    return dict(httpx.post(f"{fake.api_url}oauth.v2.access", data=form).json())


def test_the_authorize_page_names_the_workspace_and_the_scopes(fake: FakeSlack) -> None:
    page = httpx.get(f"{fake.base_url}oauth/v2/authorize", params=FLOW)
    other = httpx.get(f"{fake.base_url}oauth/v2/authorize", params=FLOW | {"team": "T0OTHER"})

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<span id="team-name">Sandbox</span>' in page.text
    assert "<code>chat:write</code>" in page.text and "<code>commands</code>" in page.text
    assert "<code>identify</code>" in page.text, "user scopes are listed too"
    assert 'id="allow" href="' in page.text and 'id="cancel" href="' in page.text
    assert "oauth/v2/authorize/approve?" in page.text and "team=T0SANDBOX" in page.text
    assert '<span id="team-name">Other</span>' in other.text and "team=T0OTHER" in other.text


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"client_id": "someone-else"}, "Unknown client_id"),
        ({"redirect_uri": ""}, "redirect_uri"),
        ({"scope": ""}, "No bot scopes"),
        ({"team": "T0NOPE"}, "no workspace"),
        ({"user": "U0BOT"}, "not a person"),
    ],
)
def test_a_bad_authorize_request_is_a_400_page(fake: FakeSlack, changes: dict[str, str], says: str) -> None:
    for path in ("authorize", "authorize/approve"):
        answer = httpx.get(f"{fake.base_url}oauth/v2/{path}", params=FLOW | changes)
        assert answer.status_code == 400 and says in answer.text


def test_allow_redirects_with_a_code_and_cancel_with_access_denied(fake: FakeSlack) -> None:
    allowed = _approve(fake, redirect_uri="https://app.example/back?keep=1")
    cancelled = httpx.get(f"{fake.base_url}oauth/v2/authorize/cancel", params=FLOW)

    assert allowed["state"] == ["s-123"] and allowed["keep"] == ["1"] and allowed["code"][0]
    assert cancelled.status_code == 302
    assert parse_qs(urlsplit(cancelled.headers["location"]).query) == {"error": ["access_denied"], "state": ["s-123"]}
    assert cancelled.headers["location"].startswith(REDIRECT + "?")


def test_the_code_buys_a_bot_token_for_that_workspace(fake: FakeSlack) -> None:
    first, other = fake.workspaces
    code = _code(fake, team="T0OTHER", user="U0BOB")

    answer = WebClient(base_url=fake.api_url).oauth_v2_access(  # HTTP Basic auth, as slack_sdk sends it
        client_id="sandbox-client-id", client_secret="sandbox-client-secret", code=code, redirect_uri=REDIRECT
    )

    token = answer["access_token"]
    assert answer.data == {
        "ok": True,
        "app_id": "A0SANDBOX",
        "authed_user": {"id": "U0BOB"},
        "scope": "chat:write,commands",
        "token_type": "bot",
        "access_token": token,
        "bot_user_id": "U0BOT",
        "team": {"id": "T0OTHER", "name": "Other"},
        "enterprise": None,
        "is_enterprise_install": False,
    }
    assert token.startswith("xoxb-") and token not in {t.token for t in first.tokens()}
    installed = WebClient(token=token, base_url=fake.api_url)
    auth = installed.auth_test()
    assert auth["team_id"] == "T0OTHER" and auth.headers["x-oauth-scopes"] == "chat:write,commands"
    installed.chat_postMessage(channel="C0MLTEAM", text="hello from the install")
    assert [m["text"] for m in other.messages("C0MLTEAM")] == ["hello from the install"]
    assert first.messages("C0MLTEAM") == []
    granted = other.token(token)
    assert granted is not None and (granted.scopes, granted.installer) == (("chat:write", "commands"), "U0BOB")
    assert WebClient(token="xoxb-other-token", base_url=fake.api_url).auth_test()["ok"], "the first token still works"
    assert other.calls("oauth.v2.access")[0].response["ok"] and "client_secret" not in other.calls()[0].params


def test_the_first_person_approves_unless_told_otherwise(fake: FakeSlack) -> None:
    answer = _access(fake, code=_code(fake))
    assert answer["authed_user"] == {"id": "U0ALICE"} and answer["team"]["id"] == "T0SANDBOX"


def test_credentials_may_come_as_basic_auth(fake: FakeSlack) -> None:
    basic = base64.b64encode(b"sandbox-client-id:sandbox-client-secret").decode()
    answer = httpx.post(
        f"{fake.api_url}oauth.v2.access", data={"code": _code(fake)}, headers={"Authorization": f"Basic {basic}"}
    ).json()
    assert answer["ok"] and answer["access_token"].startswith("xoxb-")


def test_exchange_errors_are_named_as_slack_names_them(fake: FakeSlack) -> None:
    code = _code(fake)

    assert _access(fake, code=code, client_id="nope")["error"] == "invalid_client_id"
    assert _access(fake, code=code, client_secret="nope")["error"] == "bad_client_secret"
    assert _access(fake, code="1.2.unknown")["error"] == "invalid_code"
    assert _access(fake, code=code, redirect_uri="https://elsewhere.example/")["error"] == "bad_redirect_uri"
    assert _access(fake, code=code)["ok"], "none of the failures used the code up"
    assert _access(fake, code=code)["error"] == "invalid_code", "a code works once"


def test_codes_expire_after_ten_minutes_on_the_sandbox_clock(fake: FakeSlack) -> None:
    fresh, stale = _code(fake), _code(fake)

    fake.workspace.advance_clock(9 * 60)
    assert _access(fake, code=fresh)["ok"]
    fake.workspace.advance_clock(2 * 60)
    assert _access(fake, code=stale)["error"] == "invalid_code"


def test_a_workspace_honours_several_tokens_and_revoking_one_leaves_the_others(fake: FakeSlack) -> None:
    first = fake.workspace
    token = _access(fake, code=_code(fake))["access_token"]

    revoked = WebClient(token=token, base_url=fake.api_url).auth_revoke()

    assert revoked.data == {"ok": True, "revoked": True}
    with pytest.raises(SlackApiError) as after:
        WebClient(token=token, base_url=fake.api_url).auth_test()
    assert after.value.response["error"] == "token_revoked"
    assert WebClient(token=first.bot_token, base_url=fake.api_url).auth_test()["ok"]
    assert [(t.token, t.revoked) for t in first.tokens()] == [(first.bot_token, False), (token, True)]


def test_install_app_clicks_through_the_apps_install_pages(fake: FakeSlack, installer: InstallerApp) -> None:
    other = fake.workspace_of("T0OTHER")

    answer = fake.install_app(f"{installer.base_url}slack/install", workspace=other, user="U0CAROL")

    assert (answer.status_code, answer.text) == (200, "installed in Other"), installer.failures
    [installation] = installer.installations
    assert installation["authed_user"] == {"id": "U0CAROL"} and installation["scope"] == ",".join(SCOPES)
    auth = WebClient(token=installation["access_token"], base_url=fake.api_url).auth_test()
    assert auth["team_id"] == "T0OTHER"
    assert fake.install_app(f"{installer.base_url}slack/install").text == "installed in Sandbox"


def test_install_app_refuses_a_page_without_an_authorize_link(fake: FakeSlack) -> None:
    with pytest.raises(LookupError, match="links to no"):
        fake.install_app(f"{fake.base_url}sandbox/clock")


def test_authorize_url_builds_the_link_an_add_to_slack_button_needs(fake: FakeSlack) -> None:
    url = fake.authorize_url("chat:write", REDIRECT, state="xyz", team="T0OTHER")

    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{fake.base_url}oauth/v2/authorize?")
    assert (query["client_id"], query["scope"], query["state"], query["team"]) == (
        ["sandbox-client-id"],
        ["chat:write"],
        ["xyz"],
        ["T0OTHER"],
    )
    assert httpx.get(url).status_code == 200


def test_the_allow_and_cancel_targets_also_take_a_posted_form(fake: FakeSlack) -> None:
    allowed = httpx.post(f"{fake.base_url}oauth/v2/authorize/approve", data=FLOW)
    cancelled = httpx.post(f"{fake.base_url}oauth/v2/authorize/cancel", data=FLOW)

    assert allowed.status_code == 302 and "code=" in allowed.headers["location"]
    assert cancelled.status_code == 302 and "error=access_denied" in cancelled.headers["location"]

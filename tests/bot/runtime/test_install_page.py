"""The install page of a distributed mldesign (`/slack/install`), in process against the fake Slack: its state
cookie, the "Add to Slack" link it builds, how often one address may ask for it, and the states it leaves."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import Engine, func, insert, select
from starlette.testclient import TestClient

from bot.base.settings import Settings
from bot.runtime.web import INSTALLS_PER_MINUTE, MAX_PENDING_INSTALLS
from bot.runtime.wiring import Process, build_process
from bot.runtime.wiring import web_app as build_web_app
from sandbox import FakeSlack
from storage.installations import new_key, oauth_states_table

SECRET = "install-signing-secret-0123456789ab"


@pytest.fixture
def process(database_url: str) -> Iterator[Process]:
    with FakeSlack(client_id="install-client-id", client_secret="install-client-secret") as fake:
        built = build_process(
            Settings(
                slack_client_id="install-client-id",
                slack_client_secret="install-client-secret",
                mldesign_token_keys=new_key(),
                slack_signing_secret=SECRET,
                slack_api_url=fake.api_url,
                slack_authorize_url=f"{fake.base_url}oauth/v2/authorize",
                database_url=database_url,
            )
        )
        yield built
        built.close()


@pytest.fixture
def web_app(process: Process):
    return build_web_app(process)


def client(web_app, *, host: str = "mldesign.example.com", address: str = "203.0.113.7") -> TestClient:
    return TestClient(web_app, base_url=f"http://{host}", client=(address, 50000))


def authorize_link(page: str) -> dict[str, list[str]]:
    href = page.split('<a href="', 1)[1].split('"', 1)[0]
    return parse_qs(urlsplit(html.unescape(href)).query)


def states(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(oauth_states_table)).scalar_one()


@pytest.mark.parametrize(
    ("host", "secure"),
    [("mldesign.example.com", True), ("127.0.0.1", False), ("localhost", False), ("[::1]", False)],
    ids=["a-deployed-host", "loopback-ip", "localhost", "loopback-ipv6"],
)
def test_the_state_cookie_is_secure_everywhere_but_on_this_machine(web_app, host, secure):
    response = client(web_app, host=host).get("/slack/install")

    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("slack-app-oauth-state=") and "HttpOnly" in cookie
    assert ("Secure" in cookie) is secure


def test_behind_a_tls_proxy_that_asks_for_127_0_0_1_the_cookie_stays_secure(web_app):
    """nginx passes its upstream's address as the Host by default; X-Forwarded-Proto tells the truth."""
    response = client(web_app, host="127.0.0.1:3000").get("/slack/install", headers={"X-Forwarded-Proto": "https"})

    assert "Secure" in response.headers["set-cookie"]


def test_a_team_in_the_install_link_is_kept_only_when_it_is_a_workspace_id(web_app):
    page = client(web_app)

    smuggled = authorize_link(page.get("/slack/install", params={"team": "T0AB&scope=admin&redirect_uri=x"}).text)
    kept = authorize_link(page.get("/slack/install", params={"team": "T0SANDBOX"}).text)

    assert "team" not in smuggled and "redirect_uri" not in smuggled
    assert smuggled["scope"] != ["admin"] and "admin" not in smuggled["scope"][0].split(",")
    assert kept["team"] == ["T0SANDBOX"]


def test_one_address_asking_for_the_install_page_again_and_again_is_told_to_wait(web_app, process):
    flood, other = client(web_app, address="198.51.100.1"), client(web_app, address="198.51.100.2")

    answers = [flood.get("/slack/install").status_code for _ in range(50)]
    refused = flood.get("/slack/install")

    assert answers.count(200) == INSTALLS_PER_MINUTE and answers.count(429) == 50 - INSTALLS_PER_MINUTE
    assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
    assert "try again in a minute" in refused.text
    assert other.get("/slack/install").status_code == 200
    assert states(process.engine) == INSTALLS_PER_MINUTE + 1


def test_addresses_of_one_ipv6_block_share_the_limit(web_app):
    """One subscriber holds a whole /64: a new address from it per visit gains nothing."""
    answers = [
        client(web_app, address=f"2001:db8:1:2::{n:x}").get("/slack/install").status_code
        for n in range(1, INSTALLS_PER_MINUTE + 3)
    ]

    assert answers.count(200) == INSTALLS_PER_MINUTE and answers[-1] == 429
    assert client(web_app, address="2001:db8:1:3::1").get("/slack/install").status_code == 200


def test_no_more_installs_than_the_most_pending_are_started_from_however_many_addresses(web_app, process):
    soon = (datetime.now(UTC) + timedelta(minutes=5)).replace(tzinfo=None)
    with process.engine.begin() as connection:
        connection.execute(
            insert(oauth_states_table), [{"state": f"s-{n}", "expire_at": soon} for n in range(MAX_PENDING_INSTALLS)]
        )

    refused = client(web_app, address="192.0.2.77").get("/slack/install")

    assert refused.status_code == 429 and "Too many installs are in progress right now" in refused.text
    assert states(process.engine) == MAX_PENDING_INSTALLS


def test_housekeeping_forgets_the_states_nobody_came_back_with(web_app, process):
    client(web_app).get("/slack/install")  # a fresh state, still usable
    past = (datetime.now(UTC) - timedelta(minutes=1)).replace(tzinfo=None)
    with process.engine.begin() as connection:
        connection.execute(insert(oauth_states_table), [{"state": f"old-{n}", "expire_at": past} for n in range(30)])
    assert states(process.engine) == 31

    process.housekeeping.run()

    assert states(process.engine) == 1

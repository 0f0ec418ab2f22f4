"""SlackDriver.submit_view / close_view directly: Slack's modal stack semantics, without the page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from slack_sdk import WebClient
from starlette.responses import JSONResponse

from sandbox import FakeSlack, SlackDriver
from sandbox.driver import InvalidAppAnswer
from tests.sandbox.recording_app import RecordingApp


def _modal(title: str, **extra: Any) -> dict[str, Any]:
    return {"type": "modal", "title": {"type": "plain_text", "text": title}, "blocks": []} | extra


def _stack(fake: FakeSlack, client: WebClient, *views: dict[str, Any]) -> list[str]:
    """Open the first view and push the rest for alice; returns their ids, bottom first."""
    ids = [client.views_open(trigger_id=fake.workspace.new_trigger_id("U0ALICE"), view=views[0])["view"]["id"]]
    for view in views[1:]:
        ids.append(client.views_push(trigger_id=fake.workspace.new_trigger_id("U0ALICE"), view=view)["view"]["id"])
    return ids


def test_submit_view_returns_the_apps_response(driver: SlackDriver, fake: FakeSlack, client: WebClient) -> None:
    [view_id] = _stack(fake, client, _modal("One"))

    response = driver.submit_view("U0ALICE", view_id, {})

    assert isinstance(response, httpx.Response) and response.status_code == 200
    assert [d.kind for d in fake.workspace.deliveries()] == ["view_submission"]


def test_closing_a_pushed_view_goes_back_to_the_one_below(
    driver: SlackDriver, recorder: RecordingApp, fake: FakeSlack, client: WebClient
) -> None:
    bottom, top = _stack(fake, client, _modal("One"), _modal("Two", notify_on_close=True))

    response = driver.close_view("U0ALICE", top)

    assert response is not None and recorder.last.data["type"] == "view_closed"
    assert [v["id"] for v in fake.workspace.open_modals("U0ALICE")] == [bottom]
    assert driver.close_view("U0ALICE", bottom) is None, "no notify_on_close: the app hears nothing"
    assert fake.workspace.open_modals("U0ALICE") == []


def test_clear_on_close_closes_the_whole_stack(
    driver: SlackDriver, recorder: RecordingApp, fake: FakeSlack, client: WebClient
) -> None:
    _, top = _stack(fake, client, _modal("One"), _modal("Two", notify_on_close=True, clear_on_close=True))

    driver.close_view("U0ALICE", top)

    assert recorder.last.data["is_cleared"] is True
    assert fake.workspace.open_modals("U0ALICE") == []


def test_only_the_owner_can_use_an_open_modal(driver: SlackDriver, fake: FakeSlack, client: WebClient) -> None:
    [view_id] = _stack(fake, client, _modal("One"))

    with pytest.raises(LookupError):
        driver.submit_view("U0BOB", view_id, {})
    with pytest.raises(LookupError):
        driver.close_view("U0BOB", view_id)
    assert fake.workspace.deliveries() == []


def test_an_update_answer_without_a_view_is_refused(
    driver: SlackDriver, recorder: RecordingApp, fake: FakeSlack, client: WebClient
) -> None:
    [view_id] = _stack(fake, client, _modal("One"))
    recorder.respond = lambda data: JSONResponse({"response_action": "update"})

    with pytest.raises(InvalidAppAnswer, match="needs a modal"):
        driver.submit_view("U0ALICE", view_id, {})
    assert [v["id"] for v in fake.workspace.open_modals("U0ALICE")] == [view_id]


def test_a_fourth_pushed_view_is_refused_like_slack(
    driver: SlackDriver, recorder: RecordingApp, fake: FakeSlack, client: WebClient
) -> None:
    ids = _stack(fake, client, _modal("One"), _modal("Two"), _modal("Three"))
    recorder.respond = lambda data: JSONResponse({"response_action": "push", "view": _modal("Four")})

    with pytest.raises(InvalidAppAnswer, match="push_limit_reached"):
        driver.submit_view("U0ALICE", ids[-1], {})
    assert [v["id"] for v in fake.workspace.open_modals("U0ALICE")] == ids


HOME: dict[str, Any] = {
    "type": "home",
    "blocks": [
        {
            "type": "actions",
            "block_id": "start",
            "elements": [
                {"type": "button", "action_id": "new_design", "text": {"type": "plain_text", "text": "New design"}}
            ],
        }
    ],
}


def test_a_button_on_the_home_tab_sends_block_actions_from_the_view(
    driver: SlackDriver, recorder: RecordingApp, fake: FakeSlack, client: WebClient
) -> None:
    view_id = client.views_publish(user_id="U0ALICE", view=HOME)["view"]["id"]

    driver.view_action("U0ALICE", view_id, "new_design")

    got = recorder.last
    payload = got.data
    assert got.signature_valid and payload["type"] == "block_actions"
    assert payload["container"] == {"type": "view", "view_id": view_id}
    assert (payload["view"]["id"], payload["view"]["type"]) == (view_id, "home")
    assert payload["actions"][0]["action_id"] == "new_design" and payload["user"]["id"] == "U0ALICE"
    assert "response_url" not in payload and "response_urls" not in payload
    client.views_open(trigger_id=payload["trigger_id"], view=_modal("New design"))
    assert [v["title"]["text"] for v in fake.workspace.open_modals("U0ALICE")] == ["New design"]
    with pytest.raises(LookupError, match="Home tab"):
        driver.view_action("U0BOB", view_id, "new_design")

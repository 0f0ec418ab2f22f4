"""Canvases on the fake, through slack_sdk's client: element-level sections with ephemeral ids, one change per
edit, and the refusals of a free workspace, of one with canvases off, and of a token without the scope."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from sandbox import FakeSlack
from sandbox.state import Workspace

DOCUMENT = """# Churn model

## Problem

- Cut churn by 10%
- Within a quarter

| Question | Answer |
| --- | --- |
| Baseline | Two analysts |

A paragraph that says <b>hello</b> & more."""


def markdown(text: str) -> dict[str, str]:
    return {"type": "markdown", "markdown": text}


def error_of(call) -> str:
    with pytest.raises(SlackApiError) as refused:
        call()
    return str(refused.value.response["error"])


def test_a_canvas_is_created_replaced_whole_and_shown_on_its_page(client: WebClient, fake: FakeSlack) -> None:
    canvas_id = client.canvases_create(title="Churn model", document_content=markdown(DOCUMENT))["canvas_id"]
    before = fake.workspace.canvas(canvas_id)

    client.canvases_edit(canvas_id=canvas_id, changes=[{"operation": "replace", "document_content": markdown("# New")}])

    after = fake.workspace.canvas(canvas_id)
    assert before is not None and after is not None
    assert before["markdown"] == DOCUMENT and after["markdown"] == "# New" and after["edits"] == 1
    page = httpx.get(f"{fake.base_url}docs/{fake.workspace.team_id}/{canvas_id}")
    assert page.status_code == 200 and "<h2>New</h2>" in page.text and "Churn model" in page.text
    assert httpx.get(f"{fake.base_url}docs/{fake.workspace.team_id}/F0NOPE").status_code == 404


def test_sections_are_elements_each_list_item_and_table_row_alone(client: WebClient, fake: FakeSlack) -> None:
    canvas_id = client.canvases_create(title="t", document_content=markdown(DOCUMENT))["canvas_id"]
    canvas = fake.workspace.canvas(canvas_id)
    assert canvas is not None

    headers = client.canvases_sections_lookup(canvas_id=canvas_id, criteria={"section_types": ["any_header"]})
    problem = client.canvases_sections_lookup(
        canvas_id=canvas_id, criteria={"section_types": ["h2"], "contains_text": "problem"}
    )
    paragraph = client.canvases_sections_lookup(canvas_id=canvas_id, criteria={"contains_text": "says"})

    assert [s["type"] for s in canvas["sections"]] == [
        "h1",
        "h2",
        "list",
        "list",
        "table",
        "table",
        "table",
        "paragraph",
    ]
    assert [s["id"] for s in headers["sections"]] == [canvas["sections"][0]["id"], canvas["sections"][1]["id"]]
    assert [s["id"] for s in problem["sections"]] == [canvas["sections"][1]["id"]]
    assert [s["id"] for s in paragraph["sections"]] == [canvas["sections"][7]["id"]]
    page = httpx.get(f"{fake.base_url}docs/{fake.workspace.team_id}/{canvas_id}").text
    assert "&lt;b&gt;hello&lt;/b&gt; &amp; more" in page, "a canvas shows text, never the page's HTML"


def test_an_edit_takes_one_change_on_a_live_section_id(client: WebClient, fake: FakeSlack) -> None:
    canvas_id = client.canvases_create(title="t", document_content=markdown(DOCUMENT))["canvas_id"]
    [heading] = client.canvases_sections_lookup(canvas_id=canvas_id, criteria={"contains_text": "Problem"})["sections"]
    change = {"operation": "replace", "section_id": heading["id"], "document_content": markdown("## Goal")}

    two = error_of(lambda: client.canvases_edit(canvas_id=canvas_id, changes=[change, change]))
    client.canvases_edit(canvas_id=canvas_id, changes=[change])
    stale = error_of(lambda: client.canvases_edit(canvas_id=canvas_id, changes=[change]))
    missing = error_of(lambda: client.canvases_edit(canvas_id="F0NOPE", changes=[change]))

    canvas = fake.workspace.canvas(canvas_id)
    assert canvas is not None and canvas["sections"][1]["markdown"] == "## Goal"
    assert "- Cut churn by 10%" in canvas["markdown"], "only that section changed"
    assert (two, stale, missing) == ("invalid_arguments", "canvas_editing_failed", "canvas_not_found")
    assert heading["id"] not in {s["id"] for s in canvas["sections"]}, "ids are new after every edit"


def test_a_free_workspace_refuses_standalone_canvases_and_one_with_canvases_off_refuses_all(
    client: WebClient, fake: FakeSlack
) -> None:
    standalone = client.canvases_create(title="t", document_content=markdown("x"))["canvas_id"]
    fake.workspace.free_plan = True
    replace = [{"operation": "replace", "document_content": markdown("y")}]

    create = error_of(lambda: client.canvases_create(title="t", document_content=markdown("x")))
    edit = error_of(lambda: client.canvases_edit(canvas_id=standalone, changes=replace))
    tabbed = client.canvases_create(title="t", channel_id="C0MLTEAM", document_content=markdown("x"))["canvas_id"]
    client.canvases_edit(canvas_id=tabbed, changes=replace)
    fake.workspace.canvases_disabled = True
    disabled = error_of(lambda: client.canvases_create(title="t", channel_id="C0MLTEAM"))

    assert create == "free_teams_cannot_create_non_tabbed_canvases"
    assert edit == "free_teams_cannot_edit_standalone_canvases"
    assert disabled == "canvas_disabled_user_team"
    tabbed_canvas = fake.workspace.canvas(tabbed)
    assert tabbed_canvas is not None and tabbed_canvas["markdown"] == "y"


def test_access_is_set_for_channels_or_people_and_an_install_needs_the_scope(
    client: WebClient, fake: FakeSlack
) -> None:
    canvas_id = client.canvases_create(title="t")["canvas_id"]
    client.canvases_access_set(canvas_id=canvas_id, access_level="read", channel_ids=["C0MLTEAM"])
    both = error_of(
        lambda: client.canvases_access_set(
            canvas_id=canvas_id, access_level="read", channel_ids=["C0MLTEAM"], user_ids=["U0BOB"]
        )
    )
    installed = fake.workspace.issue_token(("chat:write",), "U0ALICE").token
    refused = error_of(lambda: WebClient(token=installed, base_url=fake.api_url).canvases_create(title="t"))

    canvas = fake.workspace.canvas(canvas_id)
    assert canvas is not None and canvas["access"] == {"C0MLTEAM": "read"}
    assert both == "invalid_arguments" and refused == "missing_scope"


def test_canvases_survive_a_restart_of_the_fake(client: WebClient, fake: FakeSlack) -> None:
    canvas_id = client.canvases_create(title="Kept", document_content=markdown(DOCUMENT))["canvas_id"]

    restored = Workspace.from_snapshot(fake.workspace.snapshot())

    canvas = restored.canvas(canvas_id)
    assert canvas is not None and (canvas["title"], canvas["markdown"]) == ("Kept", DOCUMENT)


def test_a_canvas_holds_at_most_one_mebibyte_of_markdown(client: WebClient, fake: FakeSlack) -> None:
    canvas_id = client.canvases_create(title="t", document_content=markdown("small"))["canvas_id"]
    too_big = markdown("x" * (1_048_576 + 1))

    create = error_of(lambda: client.canvases_create(title="t", document_content=too_big))
    edit = error_of(
        lambda: client.canvases_edit(
            canvas_id=canvas_id, changes=[{"operation": "insert_at_end", "document_content": too_big}]
        )
    )

    assert (create, edit) == ("canvas_creation_failed", "canvas_editing_failed")
    canvas = fake.workspace.canvas(canvas_id)
    assert canvas is not None and canvas["markdown"] == "small" and canvas["edits"] == 0


def test_malformed_lookup_criteria_are_refused_not_a_server_error(client: WebClient) -> None:
    canvas_id = client.canvases_create(title="t", document_content=markdown(DOCUMENT))["canvas_id"]

    for criteria in ({"section_types": [{}]}, {"section_types": ["h4"]}, {}, {"contains_text": 7}, []):
        assert error_of(lambda c=criteria: client.canvases_sections_lookup(canvas_id=canvas_id, criteria=c)) == (
            "invalid_arguments"
        )

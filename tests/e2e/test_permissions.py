"""Anyone in the channel answers; only a design's owners mark it deployed, stop its reminders, change its
owners or delete it, and whoever else tries is told who the owners are."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import ALICE, BOB, CAROL, CHANNEL, action_ids, poll_until
from tests.slack_text import all_text

pytestmark = [pytest.mark.usefixtures("bot"), pytest.mark.sqlite_only]


def last_ephemeral(slack, user: str) -> dict:
    shown = slack.workspace.ephemerals(channel=CHANNEL, user=user)
    return shown[-1] if shown else {}


def test_someone_who_is_not_an_owner_can_answer_but_not_deploy_or_stop_reminders(slack, driver, db, start_design):
    thread = start_design("Churn model", user=ALICE)
    thread.answer(BOB, "Two analysts score accounts weekly.")  # anyone answers

    refused = all_text(driver.slash_command(BOB, CHANNEL, "deployed Churn model").json())
    driver.slash_command(ALICE, CHANNEL, "summary Churn model")
    poll_until(lambda: db.design("Churn model").summary_ts is not None)
    driver.click(BOB, CHANNEL, db.design("Churn model").summary_ts, "mark_deployed")
    slack.workspace.wait_for(lambda _: "can mark it deployed" in all_text(last_ephemeral(slack, BOB)))

    assert "Only the owners of *Churn model* can mark it deployed: <@U0ALICE>." in refused
    assert "`/mldesign owners Churn model add @you`" in refused
    assert db.design("Churn model").deployed_at is None
    assert db.answers("Churn model")["manual-process"].text == "Two analysts score accounts weekly."

    driver.slash_command(ALICE, CHANNEL, "deployed Churn model")
    stop = all_text(driver.slash_command(BOB, CHANNEL, "remind Churn model off").json())
    assert "can stop its reminders" in stop
    assert db.design("Churn model").reminders_enabled is True
    assert {n.status for n in db.nudges("Churn model")} == {"scheduled"}


@pytest.mark.parametrize("setting", ["every 1d", "now"])
def test_only_an_owner_turns_stopped_reminders_back_on(slack, driver, db, start_design, setting):
    start_design("Churn model", user=ALICE)
    driver.slash_command(ALICE, CHANNEL, "deployed Churn model")
    driver.slash_command(ALICE, CHANNEL, "remind Churn model off")

    refused = all_text(driver.slash_command(BOB, CHANNEL, f"remind Churn model {setting}").json())

    assert "Only the owners of *Churn model* can turn its reminders back on: <@U0ALICE>." in refused
    assert db.design("Churn model").reminders_enabled is False
    assert {n.status for n in db.nudges("Churn model")} == {"stopped"}

    driver.slash_command(ALICE, CHANNEL, f"remind Churn model {setting}")
    assert db.design("Churn model").reminders_enabled is True


def test_an_owner_adds_another_who_can_then_deploy_and_the_starter_stays_an_owner(slack, driver, db, start_design):
    start_design("Churn model", user=ALICE)

    intruder = all_text(driver.slash_command(CAROL, CHANNEL, "owners Churn model add <@U0CAROL>").json())
    added = all_text(driver.slash_command(ALICE, CHANNEL, "owners Churn model add <@U0BOB|bob>").json())
    listed = all_text(driver.slash_command(CAROL, CHANNEL, "owners Churn model").json())
    deployed = driver.slash_command(BOB, CHANNEL, "deployed Churn model")
    kept = all_text(driver.slash_command(BOB, CHANNEL, "owners Churn model remove <@U0ALICE>").json())
    removed = all_text(driver.slash_command(BOB, CHANNEL, "owners Churn model remove <@U0BOB>").json())

    assert "Only the owners of *Churn model* can change its owners: <@U0ALICE>." in intruder
    assert "The owners of *Churn model*: <@U0ALICE>, <@U0BOB>." in added
    assert "The owners of *Churn model*: <@U0ALICE>, <@U0BOB>." in listed
    assert deployed.status_code == 200 and db.design("Churn model").deployed_at is not None
    assert "<@U0ALICE> started *Churn model* and stays one of its owners" in kept
    assert "The owners of *Churn model*: <@U0ALICE>." in removed


def test_a_mention_typed_out_by_hand_never_makes_anyone_an_owner(slack, driver, db, start_design):
    """Slack escapes what a person types: `<@U0CAROL>` typed out arrives as `&lt;@U0CAROL&gt;`, unlike a mention."""
    start_design("Churn model", user=ALICE)

    refused = all_text(driver.slash_command(ALICE, CHANNEL, "owners Churn model add &lt;@U0CAROL&gt;").json())
    listed = all_text(driver.slash_command(ALICE, CHANNEL, "owners Churn model").json())

    assert "Mention the people to add or remove" in refused
    assert "The owners of *Churn model*: <@U0ALICE>." in listed


def test_delete_asks_first_keeps_on_keep_and_removes_everything_on_delete(slack, driver, db, start_design):
    thread = start_design("Churn model", user=ALICE)
    thread.answer(BOB, "Two analysts score accounts weekly.")
    driver.slash_command(ALICE, CHANNEL, "summary Churn model")
    poll_until(lambda: db.design("Churn model").summary_ts is not None)
    summary_ts = db.design("Churn model").summary_ts
    slack.workspace.wait_for(lambda ws: len(ws.pins(CHANNEL)) == 1)

    not_owner = all_text(driver.slash_command(BOB, CHANNEL, "delete Churn model").json())
    driver.slash_command(ALICE, CHANNEL, "delete Churn model")
    confirmation = last_ephemeral(slack, ALICE)
    driver.click(ALICE, CHANNEL, confirmation["ts"], "keep_design")
    slack.workspace.wait_for(lambda _: "Nothing was deleted" in all_text(last_ephemeral(slack, ALICE)))
    assert db.count_designs() == 1

    driver.slash_command(ALICE, CHANNEL, "delete Churn model")
    confirmation = last_ephemeral(slack, ALICE)
    asked = [m["ts"] for m in thread.questions()]
    response = driver.click(ALICE, CHANNEL, confirmation["ts"], "delete_design")
    slack.workspace.wait_for(lambda _: "was deleted by <@U0ALICE>" in all_text(last_ephemeral(slack, ALICE)))
    slack.workspace.wait_for(lambda ws: ws.message(CHANNEL, summary_ts) is None)
    slack.workspace.wait_for(lambda ws: "was deleted by" in all_text(ws.message(CHANNEL, thread.parent_ts)))
    slack.workspace.wait_for(lambda ws: all("which was deleted" in all_text(ws.message(CHANNEL, ts)) for ts in asked))
    assert not [ts for ts in asked if action_ids(slack.workspace.message(CHANNEL, ts))], "no button is left to click"

    assert "Only the owners of *Churn model* can delete it" in not_owner
    assert "Delete *Churn model* and its 1 answer" in all_text(confirmation)
    assert response.status_code == 200
    assert db.count_designs() == 0
    assert slack.workspace.pins(CHANNEL) == []
    gone = all_text(driver.slash_command(ALICE, CHANNEL, "status Churn model").json())
    assert "There is no design named “Churn model”" in gone


def test_stop_on_a_nudge_is_for_owners_and_everyone_else_is_told_why(slack, driver, db, start_design):
    thread = start_design("Churn model", user=ALICE)
    driver.slash_command(ALICE, CHANNEL, "deployed Churn model")
    poll_until(lambda: db.design("Churn model").owner_tz is not None)
    slack.workspace.advance_clock_to(db.next_nudge_due("Churn model") + 60)
    thread.wait_until(lambda: any(is_nudge(m) for m in thread.replies()), timeout=10)
    nudge = next(m for m in thread.replies() if is_nudge(m))

    response = driver.click(BOB, CHANNEL, nudge["ts"], "nudge_stop")

    assert response.status_code == 200
    slack.workspace.wait_for(lambda _: "can stop its reminders" in all_text(last_ephemeral(slack, BOB)))
    assert slack.workspace.open_modals(BOB) == [], "refused before any dialog asks whether to stop"
    assert db.design("Churn model").reminders_enabled is True
    assert "stopped" not in {n.status for n in db.nudges("Churn model")}


def is_nudge(message: dict) -> bool:
    return (message.get("metadata") or {}).get("event_type") == "mldesign_nudge"


def test_a_design_deleted_while_its_summary_is_being_posted_leaves_no_summary(slack, driver, db, start_design):
    start_design("Churn model", user=ALICE)
    driver.slash_command(ALICE, CHANNEL, "delete Churn model")
    confirmation = last_ephemeral(slack, ALICE)
    slack.workspace.delay_next("chat.postMessage", 2)  # the summary post is slow to land…

    driver.slash_command(ALICE, CHANNEL, "summary Churn model")
    slack.workspace.wait_for(lambda ws: ws.pending_faults().get("chat.postMessage") is None)  # …and is on its way
    driver.click(ALICE, CHANNEL, confirmation["ts"], "delete_design")  # deleted meanwhile

    poll_until(lambda: db.count_designs() == 0)
    slack.workspace.wait_for(
        lambda ws: (
            any(c.method == "chat.delete" for c in ws.calls())
            and all("Design summary" not in all_text(m) for m in ws.messages(CHANNEL))
        ),
        timeout=10,
    )
    assert slack.workspace.pins(CHANNEL) == []

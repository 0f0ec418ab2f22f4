"""Nudge messages and the update form: within Slack's limits, inert for any text, prefilled as written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.outbound.nudger import MAX_ITEMS_PER_MESSAGE
from bot.render.nudges import MAX_INPUT, Confirmation, nudge_message, stop_confirmation, update_form
from flows.catalog import parse_catalog
from storage.models import Nudge
from tests import slack_text
from tests.factories import make_answer, make_design

WHEN = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
HOSTILE = "<!channel> <@U0X> <https://evil.example|x> & {{ 7*7 }} "


def catalog_of(questions: int):
    entries = "\n".join(
        f'[[areas.questions]]\nid = "q{n}"\nprompt = "Question {n}?"\nhelp = "h"\nrevisit_after_deployment = true\n'
        for n in range(questions)
    )
    return parse_catalog(f'id = "c"\nversion = 1\ntitle = "C"\n[[areas]]\nid = "a"\ntitle = "A"\n{entries}')


def test_a_full_nudge_message_fits_slacks_limits_and_echoes_nothing_live():
    catalog = catalog_of(MAX_ITEMS_PER_MESSAGE)
    design = make_design(id=1, name=HOSTILE, deployed_at=WHEN)
    nudges = [
        Nudge(id=n, team_id="T1", design_id=1, question_id=f"q{n}", status="sent") for n in range(MAX_ITEMS_PER_MESSAGE)
    ]
    answers = {
        f"q{n}": make_answer(question_id=f"q{n}", text=(HOSTILE * 2000)[:40_000], created_at=WHEN)
        for n in range(MAX_ITEMS_PER_MESSAGE)
    }

    message = nudge_message(design=design, catalog=catalog, nudges=nudges, answers=answers, confirmations={})

    assert len(message.blocks) <= 50
    for block in message.blocks:
        Block.parse(block).validate_json()
    for text in slack_text.texts({"text": message.text, "blocks": message.blocks}):
        assert "<!channel>" not in text and "<https://evil" not in text
        assert len(text) <= 3000


def test_the_update_form_is_prefilled_with_the_answer_as_written(catalog):
    nudge = Nudge(id=5, team_id="T1", design_id=1, question_id="refresh-cadence", status="sent")
    answer = make_answer(question_id="refresh-cadence", text="Weekly & <b>on Mondays</b>", choices=["weekly"])

    view = update_form(catalog=catalog, nudge=nudge, design=make_design(id=1), answer=answer)

    inputs = {block["block_id"]: block["element"] for block in view["blocks"] if block["type"] == "input"}
    assert inputs["answer_text"]["initial_value"] == "Weekly & <b>on Mondays</b>"  # plain text: shown as typed
    assert inputs["answer_choices"]["initial_option"]["value"] == "weekly"
    assert json.loads(view["private_metadata"]) == {"nudge_id": 5, "keep_text": False}


def test_an_answer_too_long_for_a_text_box_is_kept_unless_replaced(catalog):
    nudge = Nudge(id=5, team_id="T1", design_id=1, question_id="feedback-loop", status="sent")
    answer = make_answer(question_id="feedback-loop", text="x" * (MAX_INPUT + 1))

    view = update_form(catalog=catalog, nudge=nudge, design=make_design(id=1), answer=answer)

    [text_input] = [block for block in view["blocks"] if block.get("block_id") == "answer_text"]
    assert "initial_value" not in text_input["element"] and text_input["optional"]
    assert json.loads(view["private_metadata"])["keep_text"] is True


def test_stop_asks_for_confirmation_only_after_the_bot_checked_who_clicked():
    catalog = catalog_of(1)
    nudge = Nudge(id=1, team_id="T1", design_id=1, question_id="q0", status="sent")

    design = make_design(id=1, deployed_at=WHEN, name="*Churn* <!here>")
    message = nudge_message(design=design, catalog=catalog, nudges=[nudge], answers={}, confirmations={})

    [stop] = [
        e for b in message.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "nudge_stop"
    ]
    assert "confirm" not in stop, "Slack would show its dialog before the bot could refuse a non-owner"
    view = stop_confirmation(design=design, nudge_id=1)
    assert View(**view).to_dict() == view
    assert (view["submit"]["text"], view["close"]["text"]) == ("Stop them", "Keep them")
    assert "&lt;!here&gt;" in view["blocks"][0]["text"]["text"]


def test_a_revisit_says_when_the_answer_changed_since_it_was_last_confirmed():
    catalog = catalog_of(2)
    design = make_design(id=1, deployed_at=WHEN)
    nudges = [Nudge(id=n, team_id="T1", design_id=1, question_id=f"q{n}", status="sent") for n in range(2)]
    confirmed_at = WHEN - timedelta(days=30)
    answers = {
        "q0": make_answer(question_id="q0", text="Nightly.", created_at=WHEN - timedelta(days=3)),  # since changed
        "q1": make_answer(question_id="q1", text="Weekly.", created_at=WHEN - timedelta(days=60)),
    }
    confirmations = {q: Confirmation(at=confirmed_at, by="U0BOB") for q in ("q0", "q1")}

    message = nudge_message(design=design, catalog=catalog, nudges=nudges, answers=answers, confirmations=confirmations)

    states = [t for t in slack_text.texts({"text": "", "blocks": message.blocks}) if "confirmed" in t]
    assert "*Changed since it was last confirmed*" in states[0] and "<@U0BOB>" in states[0]
    assert states[1].startswith("Last confirmed") and "Changed since" not in states[1]

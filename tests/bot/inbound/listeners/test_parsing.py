"""Slack payload shapes the listeners read, as Slack sends them."""

from __future__ import annotations

import pytest

from bot.inbound.listeners.actions.questions import parse_action, selected_option_ids
from bot.inbound.listeners.events.messages import parse_message_event
from bot.usecases.errors import InvalidChoice
from bot.usecases.thread_replies import ReplyEdit, ThreadReply

REPLY = {"type": "message", "channel": "C1", "user": "U1", "text": "x &lt; y", "ts": "2.000001", "thread_ts": "1.0"}


def parse(event):
    return parse_message_event(event, team_id="T1", event_id="Ev1")


def test_a_thread_reply_is_read_with_slack_escaping_undone():
    assert parse(REPLY) == ThreadReply("T1", "C1", "1.0", "2.000001", "U1", "x < y", "Ev1")


@pytest.mark.parametrize("subtype", ["thread_broadcast", "file_share"])
def test_replies_also_sent_to_the_channel_or_with_a_file_count(subtype):
    assert isinstance(parse({**REPLY, "subtype": subtype}), ThreadReply)


@pytest.mark.parametrize(
    "event",
    [
        {**REPLY, "thread_ts": None},
        {**REPLY, "thread_ts": REPLY["ts"]},
        {**REPLY, "bot_id": "B1"},
        {**REPLY, "subtype": "bot_message", "bot_id": "B1"},
        {**REPLY, "subtype": "channel_join"},
        {"type": "message", "subtype": "message_deleted", "channel": "C1", "deleted_ts": "2.000001", "hidden": True},
    ],
    ids=["top-level", "thread-parent", "bot", "bot-message", "join", "deleted"],
)
def test_everything_else_is_ignored(event):
    assert parse(event) is None


def test_an_edit_is_read_from_the_edited_message():
    event = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": "C1",
        "ts": "3.0",
        "message": {**REPLY, "text": "x &gt; y", "edited": {"user": "U1", "ts": "3.0"}},
        "previous_message": REPLY,
    }
    assert parse(event) == ReplyEdit("T1", "C1", "1.0", "2.000001", "U1", "x > y", "Ev1")


def test_an_edit_of_a_top_level_message_is_ignored():
    event = {"type": "message", "subtype": "message_changed", "channel": "C1", "message": {**REPLY, "thread_ts": None}}
    assert parse(event) is None


BODY = {"type": "block_actions", "user": {"id": "U1", "team_id": "T1"}, "team": {"id": "T1"}}


def test_a_question_action_names_its_design_question_and_interaction():
    action = {"action_id": "choose_option:batch", "block_id": "choices:12:inference-mode", "action_ts": "9.1"}
    parsed = parse_action(BODY, action)
    assert (parsed.team_id, parsed.design_id, parsed.question_id) == ("T1", 12, "inference-mode")
    assert parsed.interaction_id == "action:9.1:U1:choose_option:batch"


def test_an_action_from_a_foreign_block_is_refused():
    with pytest.raises(InvalidChoice):
        parse_action(BODY, {"action_id": "x", "block_id": "someone-elses-block"})


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ({"type": "button", "value": "batch"}, ["batch"]),
        ({"type": "static_select", "selected_option": {"value": "weekly"}}, ["weekly"]),
        ({"type": "multi_static_select", "selected_options": [{"value": "a"}, {"value": "b"}]}, ["a", "b"]),
        ({"type": "multi_static_select", "selected_options": []}, []),
        ({"type": "static_select", "selected_option": None}, []),
    ],
    ids=["button", "select", "multi", "multi-cleared", "select-cleared"],
)
def test_selected_options_are_read_from_each_element_type(action, expected):
    assert selected_option_ids(action) == expected

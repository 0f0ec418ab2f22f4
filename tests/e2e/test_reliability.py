"""What must hold whatever Slack or the process does: restarts, retries, forged requests, hostile text."""

from __future__ import annotations

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import httpx
import pytest

from tests.e2e.helpers import ALICE, BOB, CHANNEL, question_number
from tests.slack_text import all_text


def test_a_restart_in_the_middle_continues_where_the_walkthrough_was(slack, driver, bot, db, start_design):
    thread = start_design("Churn model")
    thread.answer(BOB, "Spreadsheets.")
    thread.click_and_wait(ALICE, "skip_question")
    before = [m["ts"] for m in thread.questions()]

    bot.crash_and_restart()

    thread.answer(BOB, "The finance team.")
    assert db.answers("Churn model")["manual-process"].text == "Spreadsheets."
    assert db.answers("Churn model")["domain-experts"].status == "skipped"
    assert db.answers("Churn model")["push-back"].text == "The finance team."
    assert [m["ts"] for m in thread.questions()][: len(before)] == before
    assert thread.current_id() == "goals"
    assert len(thread.questions()) == 4, "no question was asked twice"


def test_work_left_unpublished_by_a_crash_is_published_after_the_restart(slack, driver, bot, db, start_design):
    thread = start_design("Churn model")
    # Slack accepts the reply, then the bot dies before it can post the next question.
    slack.workspace.fail_next("chat.postMessage", http_status=503, times=50)
    thread.reply(BOB, "Spreadsheets.")
    assert db.answers("Churn model")["manual-process"].text == "Spreadsheets."
    bot.kill()
    slack.workspace.fail_next("chat.postMessage", http_status=503, times=0)

    bot.start()
    slack.workspace.advance_clock_to(slack.workspace.now() + 301)  # the dead process's publishing lease runs out

    thread.wait_for_questions(2)
    assert thread.current_id() == "domain-experts"
    assert len(thread.questions()) == 2


def test_a_retried_event_records_the_answer_once(slack, driver, db, start_design):
    thread = start_design("Churn model")
    thread.answer(BOB, "Spreadsheets.")
    delivered = slack.workspace.deliveries("event")[-1].request

    retry = driver.send_event(delivered["event"], event_id=delivered["event_id"], retry_num=1)
    thread.settle()

    assert retry.status_code == 200
    assert len(db.history("Churn model", "manual-process")) == 1
    assert len(thread.questions()) == 2


def test_bots_own_messages_and_chatter_outside_design_threads_are_ignored(slack, driver, db, start_design):
    thread = start_design("Churn model")

    driver.bot_message(CHANNEL, "Deploy finished", thread_ts=thread.parent_ts)
    own = {"type": "message", "channel": CHANNEL, "user": "U0BOT", "bot_id": "B0BOT", "text": "echo"}
    driver.send_event({**own, "ts": slack.workspace.next_ts(), "thread_ts": thread.parent_ts})
    driver.post_message(BOB, CHANNEL, "lunch?")
    other_ts, _ = driver.post_message(BOB, CHANNEL, "unrelated thread")
    driver.post_message(ALICE, CHANNEL, "sure", thread_ts=other_ts)
    thread.settle()

    assert db.answers("Churn model") == {}
    assert len(thread.questions()) == 1
    assert all(d.status == 200 for d in slack.workspace.deliveries("event"))


def test_slacks_ssl_check_is_answered_with_a_bare_200_and_changes_nothing(slack, driver, db):
    response = driver.ssl_check()

    assert (response.status_code, response.text) == (200, "")
    assert db.count_designs() == 0


def post_command(driver, text: str, headers: dict[str, str]):
    body = urlencode(
        {
            "team_id": "T0SANDBOX",
            "channel_id": CHANNEL,
            "user_id": ALICE,
            "command": "/mldesign",
            "text": text,
            "response_url": "http://127.0.0.1:1/none",
            "trigger_id": "1.2.3",
        }
    ).encode()
    return driver.raw_post(body, {"Content-Type": "application/x-www-form-urlencoded", **headers(body)})


@pytest.mark.parametrize(
    "headers",
    [
        lambda driver: lambda body: {},
        lambda driver: lambda body: {**driver.sign(body), "X-Slack-Signature": "v0=" + "0" * 64},
        lambda driver: lambda body: driver.sign(b"another body"),
        lambda driver: lambda body: driver.sign(body, timestamp=int(time.time()) - 6 * 60),
        lambda driver: lambda body: driver.sign(body, timestamp=int(time.time()) + 6 * 60),
    ],
    ids=["unsigned", "wrong-signature", "signature-of-another-body", "stale", "from-the-future"],
)
def test_a_request_without_a_valid_signature_gets_401_and_changes_nothing(slack, driver, db, headers):
    response = post_command(driver, "start Forged", headers(driver))

    assert response.status_code == 401
    assert db.count_designs() == 0
    assert slack.workspace.calls("chat.postMessage") == []


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"\xff\xfe not utf-8", "application/x-www-form-urlencoded", 400),
        (b"x" * 1_000_001, "application/json", 413),
    ],
    ids=["not-utf8", "too-large"],
)
def test_malformed_bodies_get_a_4xx(driver, db, body, content_type, status):
    response = driver.raw_post(body, {"Content-Type": content_type, **driver.sign(body)})

    assert response.status_code == status
    assert db.count_designs() == 0


HOSTILE = "<!channel> <!here> <@U0ALICE> <https://evil.example|click me> & {{ 7*7 }} {% raw %}"
HOSTILE_NAME = "Churn <!channel> <https://evil.example|x> & {{ 7*7 }}"


def test_user_text_is_stored_verbatim_and_echoed_inert(slack, driver, db, start_design):
    """A new reply with mentions is discussion (flows.replies); an answer edited takes any text, so that is how the
    hostile text becomes an answer here."""
    thread = start_design(HOSTILE_NAME)
    reply = thread.answer(BOB, "By hand, for now.")
    driver.edit_message(BOB, CHANNEL, reply, HOSTILE)
    thread.wait_until(lambda: db.answers(HOSTILE_NAME)["manual-process"].text == HOSTILE)
    driver.slash_command(ALICE, CHANNEL, "list")
    driver.slash_command(ALICE, CHANNEL, f"status {HOSTILE_NAME}")
    thread.wait_until(lambda: "<@U0BOB> answered" in all_text(thread.questions()[0]))

    design = db.design(HOSTILE_NAME)
    assert design.name == HOSTILE_NAME
    assert db.answers(design.name)["manual-process"].text == HOSTILE
    shown = [all_text(m) for m in slack.workspace.messages(CHANNEL) + thread.replies() if m.get("bot_id")]
    shown += [all_text(m) for m in slack.workspace.ephemerals(channel=CHANNEL)]
    echoed = [text for text in shown if "evil.example" in text]
    assert len(echoed) >= 3, "the name appears in the parent, the list and status (a question never repeats its reply)"
    for text in echoed:
        for control in ("<!channel>", "<!here>", "<https://evil.example", "<@U0ALICE> <https"):
            assert control not in text
        assert "&lt;!channel&gt;" in text
        assert "{{ 7*7 }}" in text, "templates never evaluate user text"


def test_slack_escaped_text_is_stored_as_the_person_typed_it(slack, driver, db, start_design):
    thread = start_design("Churn model")
    event = {
        "type": "message",
        "channel": CHANNEL,
        "user": BOB,
        "ts": slack.workspace.next_ts(),
        "thread_ts": thread.parent_ts,
        "text": "latency &lt; 100 ms &amp; p99 &gt; 50",
    }

    driver.send_event(event)

    assert db.answers("Churn model")["manual-process"].text == "latency < 100 ms & p99 > 50"


def test_an_error_from_a_button_is_shown_to_the_person_who_clicked(slack, driver, start_design):
    thread = start_design("Churn model")
    first = thread.current()
    slack.workspace.fail_next("chat.update", http_status=503, times=100)  # Bob's screen still shows "Skip"
    thread.click(ALICE, "skip_question")
    thread.wait_for_questions(2)

    thread.click(BOB, "skip_question", message=first)  # a stale button on a question already moved past

    slack.workspace.wait_for(lambda ws: ws.ephemerals(channel=CHANNEL, user=BOB))
    assert "no longer the one being asked" in all_text(slack.workspace.ephemerals(channel=CHANNEL, user=BOB)[-1])
    assert thread.current_id() == "domain-experts"


def test_every_message_the_bot_posts_is_valid_json_for_slack(slack, driver, start_design):
    thread = start_design("Churn model")
    thread.answer(BOB, "x")
    for call in slack.workspace.calls("chat.postMessage") + slack.workspace.calls("chat.update"):
        blocks = call.params["blocks"]
        parsed = json.loads(blocks) if isinstance(blocks, str) else blocks
        assert 0 < len(parsed) <= 50
        assert call.response["ok"], call.response


def test_replies_sent_at_the_same_moment_are_all_kept_and_no_question_is_asked_twice(slack, driver, db, start_design):
    thread = start_design("Churn model")
    texts = [f"reply {n}" for n in range(12)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda text: thread.reply(BOB, text), texts))
    thread.settle()

    design = db.design("Churn model")
    stored = [a.text for q in ("manual-process", "domain-experts", "push-back") for a in db.history(design.name, q)]
    assert sorted(stored) == sorted(texts), "every acknowledged reply is stored once"
    asked = [question_number(m) for m in thread.questions()]
    assert len(asked) == len(set(asked)), f"a question was asked twice: {asked}"
    thread.wait_until(
        lambda: all(thread.reactions(m["ts"]) == ["white_check_mark"] for m in thread.replies() if m.get("user") == BOB)
    )


def test_every_acknowledged_answer_survives_a_sigkill_under_200_concurrent_answers(
    slack, driver, bot, db, start_design
):
    """Slack never resends what got a 2xx: so whatever was acknowledged must already be committed."""
    threads = [start_design(name) for name in ("Churn model", "Fraud scoring", "Search ranking", "Demand forecast")]
    kill_after = random.randint(20, 150)  # a random moment in the middle of the burst
    acknowledged: list[str] = []
    lock = threading.Lock()

    def answer(number: int) -> None:
        thread = threads[number % len(threads)]
        text = f"answer {number} to {thread.name}"
        try:
            _, response = driver.post_message(BOB, CHANNEL, text, thread_ts=thread.parent_ts)
        except httpx.HTTPError:
            return  # the server died before answering: Slack would retry this one
        if response.status_code == 200:
            with lock:
                acknowledged.append(text)
                if len(acknowledged) == kill_after:
                    bot.kill()

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(answer, range(200)))
    bot.start()
    slack.workspace.advance_clock_to(slack.workspace.now() + 301)  # publishing leases of the dead process run out
    for thread in threads:
        thread.settle()

    stored = {answer.text for thread in threads for answer in db.all_answers(thread.name)}
    assert len(acknowledged) >= kill_after
    assert set(acknowledged) <= stored, f"acknowledged but lost: {sorted(set(acknowledged) - stored)[:5]}"
    for thread in threads:
        asked = [question_number(m) for m in thread.questions()]
        assert len(asked) == len(set(asked)), f"{thread.name}: a question was asked twice: {asked}"
        assert thread.current_id() == db.design(thread.name).current_question_id, "the walkthrough goes on"

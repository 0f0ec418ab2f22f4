"""`mldesign serve` is two processes: the web process acknowledges, the worker beside it talks to Slack. What an
operator relies on: the worker is there, it never outlives a crashed server, a dead worker comes back, and no
acknowledged work is lost on the way, at a restart of the worker or a shutdown of the server."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from bot.runtime.worker import DIRECTORY_PREFIX, SETTLING_SECONDS
from tests.e2e.conftest import BotProcess, bot_for
from tests.e2e.helpers import BOB, poll_until, question_number

pytestmark = pytest.mark.sqlite_only  # processes and signals, whatever the database


def children(pid: int) -> set[int]:
    """The processes ``pid`` started (from any of its threads: a restarted worker comes from a thread)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has exited, only its exit status is left


def worker_of(bot: BotProcess) -> int:
    poll_until(lambda: len(children(bot.pid)) == 1, what="the worker process")
    (pid,) = children(bot.pid)
    return pid


def test_the_worker_posts_to_slack_and_goes_down_with_a_killed_server(bot, start_design):
    worker = worker_of(bot)

    thread = start_design("Churn model")
    thread.answer(BOB, "Spreadsheets.")
    bot.kill()

    assert thread.current_id() == "domain-experts"
    poll_until(lambda: not is_running(worker), what="the worker to stop with the server it belongs to")


def test_the_worker_and_its_threads_never_preempt_the_acknowledgements(bot, start_design):
    worker = worker_of(bot)
    start_design("Churn model")  # the worker's pools have started their threads

    threads = [int(task.name) for task in Path(f"/proc/{worker}/task").iterdir()]
    assert len(threads) > 1
    assert {os.sched_getscheduler(thread) for thread in threads} == {os.SCHED_BATCH}
    assert os.sched_getscheduler(bot.pid) == os.SCHED_OTHER, "the web process keeps the default policy"


def test_a_worker_that_dies_is_replaced_and_no_answer_goes_unpublished(bot, start_design, db):
    thread = start_design("Churn model")
    first = worker_of(bot)

    os.kill(first, signal.SIGKILL)
    thread.answer(BOB, "Spreadsheets.")  # sent at once: the web process does the work until a worker is back

    poll_until(lambda: children(bot.pid) - {first} != set(), what="a new worker")
    replacement = worker_of(bot)
    thread.answer(BOB, "The finance team.")
    assert replacement != first and is_running(replacement)
    assert [db.answers("Churn model")[q].text for q in ("manual-process", "domain-experts")] == [
        "Spreadsheets.",
        "The finance team.",
    ]
    assert thread.current_id() == "push-back"
    assert len(thread.questions()) == 3, "no question was asked twice"
    assert "the worker exited" in bot.log()


def test_work_acknowledged_just_before_a_shutdown_is_done_before_the_server_exits(slack, bot, start_design, db):
    thread = start_design("Churn model")
    worker = worker_of(bot)
    slack.workspace.delay_next("chat.postMessage", 0.5)  # the next question is still on its way at the SIGTERM

    thread.reply(BOB, "Spreadsheets.")  # acknowledged: posting its next question is the worker's job
    bot.stop()  # SIGTERM, as a platform stops a dyno

    assert bot.exit_code() is not None and not is_running(worker)
    assert db.is_published("Churn model"), "the worker finished the job before the server exited"
    assert [question_number(message) for message in thread.questions()] == [1, 2]
    assert thread.current_id() == "domain-experts"
    assert "did not stop" not in bot.log(), "the worker stopped on its own, it was not killed"


def test_the_socket_directory_a_killed_server_left_is_removed_when_the_next_one_starts(slack, database_url, tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    first = bot_for(slack, database_url, tmp_path / "first.log", environment={"TMPDIR": str(temporary)}).start()
    (left,) = temporary.glob(f"{DIRECTORY_PREFIX}*")
    worker = worker_of(first)
    first.kill()
    poll_until(lambda: not is_running(worker), what="the worker to stop with the server it belongs to")
    worker_gone = time.time() - SETTLING_SECONDS - 1
    os.utime(left, (worker_gone, worker_gone))  # as if it had been a while: a young one may be starting up

    second = bot_for(slack, database_url, tmp_path / "second.log", environment={"TMPDIR": str(temporary)}).start()
    try:
        (kept,) = temporary.glob(f"{DIRECTORY_PREFIX}*")
        assert kept != left and not left.exists()
        assert "removed 1 socket directories left by servers that were killed" in second.log()
    finally:
        second.stop()
    assert list(temporary.glob(f"{DIRECTORY_PREFIX}*")) == [], "a server that stops removes its own"

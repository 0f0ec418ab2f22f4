from __future__ import annotations

import threading

from bot.jobs.pool import KeyedBackground


def test_jobs_for_one_key_never_overlap_and_a_burst_collapses():
    background = KeyedBackground(max_workers=4)
    release = threading.Event()
    started = threading.Event()
    runs: list[str] = []
    active = 0
    overlap = False
    lock = threading.Lock()

    def job(name: str):
        def run() -> None:
            nonlocal active, overlap
            with lock:
                active += 1
                overlap = overlap or active > 1
            started.set()
            release.wait(5)
            runs.append(name)
            with lock:
                active -= 1

        return run

    background.submit("design-1", job("first"))
    assert started.wait(5)
    for burst in range(10):
        background.submit("design-1", job(f"burst-{burst}"))
    release.set()

    assert background.wait_idle(5)
    assert runs == ["first", "burst-9"], "one run after the running one, with the latest job"
    assert not overlap
    background.shutdown()


def test_a_full_queue_drops_work_instead_of_blocking_the_caller():
    background = KeyedBackground(max_workers=1, max_pending=1)
    gate = threading.Event()
    background.submit("busy", lambda: gate.wait(5))

    accepted = [background.submit(f"design-{n}", lambda: None) for n in range(3)]

    assert accepted.count(False) >= 1
    gate.set()
    assert background.wait_idle(5)
    background.shutdown()


def test_a_failing_job_is_logged_and_does_not_stop_the_pool(caplog):
    background = KeyedBackground(max_workers=1)
    done = threading.Event()

    def boom() -> None:
        raise RuntimeError("slack is down")

    background.submit("a", boom)
    background.submit("b", done.set)

    assert done.wait(5)
    assert background.wait_idle(5)
    assert "background job failed" in caplog.text
    background.shutdown()

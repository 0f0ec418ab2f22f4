"""The benchmarks' own machinery, kept honest without running them: the requests they send are ones mldesign accepts
(a benchmark of rejected requests would measure the wrong path), wrk's output is read right, and writing the
results keeps the prose of docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk.signature import SignatureVerifier

from benchmarks import __main__ as runner
from benchmarks import summary
from benchmarks.ack import BARE_KIND, BEFORE_RESPONSE, DEFAULTS, MLDESIGN, Requests, Row, checks
from benchmarks.common import HOOKS_URL, SECRET, Check, Load, Outcome, _percentile, parse_wrk, signature_headers
from bot.inbound.gate import accept

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:4100/slack/events
  1 threads and 10 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.61ms    3.02ms  63.40ms   97.11%
    Req/Sec   931.48     90.01     1.05k    74.00%
  Latency Distribution
     50%  812.00us
     75%    1.20ms
     90%    2.50ms
     99%   14.31ms
  4641 requests in 5.01s, 7.31MB read
Requests/sec:    926.90
"""


@pytest.mark.parametrize("kind", ["help", "list", "start", "answer", "click"])
def test_every_benchmark_request_passes_mldesigns_gate_as_a_distinct_request(kind):
    requests = Requests([(7, "1764400000.000100"), (8, "1764400000.000200")])
    bodies = getattr(requests, kind)(4)
    seen: set[str] = set()

    for body in bodies:
        headers = {"content-type": body.content_type} | {k.lower(): v for k, v in signature_headers(body.text).items()}
        accepted = accept(
            body.text.encode(),
            query="",
            headers=headers,
            verifier=SignatureVerifier(SECRET),
            first_time=lambda signature: signature not in seen and not seen.add(signature),
            hooks_url=HOOKS_URL,
        )
        assert accepted.body  # parsed, signed and of a shape the listeners read

    assert len(seen) == len(bodies), "each request is distinct, so none is refused as a replay"


def test_wrk_percentiles_are_read_in_milliseconds():
    assert _percentile(WRK_OUTPUT, 50) == pytest.approx(0.812)
    assert _percentile(WRK_OUTPUT, 99) == pytest.approx(14.31)
    load = parse_wrk(WRK_OUTPUT)
    assert (load.max_ms, load.per_second, load.requests, load.failures) == (pytest.approx(63.4), 926.9, 4641, 0)


def test_writing_results_replaces_only_what_lies_between_the_markers(tmp_path: Path, monkeypatch):
    document = tmp_path / "benchmarks.md"
    document.write_text(
        f"# Intro\n\n{runner.START}\nold figures\n{runner.END}\n\n## Findings\nkept\n", encoding="utf-8"
    )
    monkeypatch.setattr(runner, "DOCUMENT", document)
    outcome = Outcome("## 4. Summary rendering\n\n| a |", [Check("Largest summary", "< 10 ms", "12 ms", False)])

    runner.write([outcome], took=90)

    written = document.read_text(encoding="utf-8")
    assert written.startswith("# Intro\n\n")
    assert written.endswith(f"{runner.END}\n\n## Findings\nkept\n")
    assert "old figures" not in written
    assert "| Largest summary | < 10 ms | 12 ms | **no** |" in written
    assert "## 4. Summary rendering" in written


def test_the_summary_benchmark_reports_both_designs_and_its_target(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(summary, "RUNS", 3)

    outcome = summary.run(tmp_path)

    assert "| largest allowed |" in outcome.section and "| typical |" in outcome.section
    assert [check.target for check in outcome.checks] == ["Largest summary rendered (median)"]


def test_ack_targets_are_ratios_against_the_bare_apps_of_the_same_run():
    def load(per_second: float, p99: float, slowest: float = 10.0) -> Load:
        return Load(1.0, p99, per_second, 1000, 0, slowest)

    def p99(kind: str) -> float:
        return {"click": 5.0, "list (50 designs)": 4.8}.get(kind, 3.0)

    rows = [
        Row(backend, kind, c, load(300 if kind == "answer" else 1000, p99(kind)))
        for backend in MLDESIGN
        for kind in BARE_KIND
        for c in (1, 10)
    ]
    rows += [
        Row(app, kind, c, load(500, 2.0))
        for app in (DEFAULTS, BEFORE_RESPONSE)
        for kind in ("command", "event", "click")
        for c in (1, 10)
    ]

    met = {check.target: check.met for check in checks(rows)}

    for backend in ("SQLite", "PostgreSQL"):
        assert met[f"{backend}: requests/s at 10 connections: help"] is True, "2x bare Bolt's defaults"
        assert met[f"{backend}: requests/s at 10 connections: answer"] is False, "0.6x the process_before_response app"
        assert met[f"{backend}: p99 at 1 connection: list"] is True, "1.5x the floor"
        assert met[f"{backend}: p99 at 1 connection: click"] is True, "2.5x, committed before its acknowledgement"
        assert met[f"{backend}: p99 at 1 connection: list (50 designs)"] is True, "2.4x, under 2.5x"
        assert met[f"{backend}: slowest acknowledgement at 1 connection (the worker publishing beside it)"] is True

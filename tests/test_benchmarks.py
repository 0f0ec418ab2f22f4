"""The benchmarks' own machinery, kept honest without running them: the requests they send are ones mldesign accepts
(a benchmark of rejected requests would measure the wrong path), wrk's output is read right, and writing the
results keeps the prose of docs/benchmarks.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk.signature import SignatureVerifier

from benchmarks import __main__ as runner
from benchmarks import summary
from benchmarks.ack import Requests
from benchmarks.common import HOOKS_URL, SECRET, Check, Outcome, _percentile, signature_headers
from bot.inbound.gate import accept

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:4100/slack/events
  1 threads and 10 connections
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

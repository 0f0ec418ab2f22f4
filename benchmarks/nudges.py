"""Nudge dispatch at scale on PostgreSQL (issue 8, item 3): how fast the bot sends 10,000 due revisits, and whether
the dispatcher's due query stays an index scan whose cost does not grow with the number of designs.

One fresh database (``mldesign_bench``, or ``$MLDESIGN_BENCH_DATABASE_URL``) grows from 10,000 to 100,000 to
1,000,000 deployed designs, each with one scheduled revisit per revisit question of the default catalog, seeded
with set-based SQL. 10,000 nudges (one each in 10,000 designs) are due at every size; all others are weeks ahead.
At each size the statements ``storage.nudges.claim_due`` really runs are captured and explained with
``EXPLAIN (ANALYZE, BUFFERS)``. At 100,000 designs two real ``mldesign serve`` processes (each with its worker
process, whose dispatcher drains every due nudge from its start) send the due nudges to the fake Slack,
which has no rate limits unless a test scripts them; the database says when all are sent and the fake's call log
that each was posted exactly once.

Run: ``python -m benchmarks.nudges`` (needs PostgreSQL; it prints its section and checks). The database is dropped
at the end unless ``MLDESIGN_BENCH_KEEP_DATABASE=1``; ``MLDESIGN_BENCH_PROCESSES=N`` runs N servers instead of
two.
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import Engine, event
from sqlmodel import Session

from benchmarks.common import (
    BOT_COMMAND,
    CHANNEL,
    Check,
    Outcome,
    bot_environment,
    drop_database,
    launch,
    libpq_url,
    recreate_database,
    wait_healthy,
)
from bot.render.ids import MetadataType
from flows.catalog import DEFAULT_CATALOG_PATH, Catalog, QuestionKind, load_catalog
from sandbox import FakeSlack
from storage import nudges as nudge_repo
from storage import schema
from storage.engine import make_engine

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/mldesign_bench"
OWNER = "U0ALICE"
DUE = 10_000  # due nudges at every size, one per design
SIZES = (10_000, 100_000, 1_000_000)
DISPATCH_AT = 100_000  # designs in the database while the bot dispatches
DISPATCH_TIMEOUT_SECONDS = 600
POLL_SECONDS = 0.2
# Separate `mldesign serve` processes, each with its worker and so its own dispatcher.
PROCESSES = int(os.environ.get("MLDESIGN_BENCH_PROCESSES", "2"))
FIRST_PORT = 4105
EXPLAIN_RUNS = 5
FUTURE_SPREAD = timedelta(days=90)  # the pending revisits fall due over the next quarter
DUE_QUERY = "due designs (LIMIT 200)"
LOCK_QUERY = "lock those designs"
TAKE_QUERY = "take their due rows"


@dataclass(frozen=True)
class Dispatch:
    designs: int
    due: int
    posts: int
    seconds: float  # from launching the process until the database says every due nudge is sent
    posting_seconds: float  # from the first post to the last (the fake's message timestamps)
    bot_cpu_seconds: float  # user + system time of the bot processes (web and worker), start-up included
    duplicates: int
    missing: int
    working_hours_zone: str | None


@dataclass(frozen=True)
class Plan:
    designs: int
    query: str
    node: str
    index: str
    cost: float
    median_ms: float
    hit: int
    read: int
    rows: int
    generic_index: str


def working_hours_zone(now: datetime) -> str | None:
    """A fixed-offset zone where it is a weekday early afternoon now, so the due nudges take the ordinary path
    (sent because it is working hours for the owner) and stay sendable for hours; None at weekends."""
    for hours in range(-12, 15):
        name = "Etc/UTC" if hours == 0 else f"Etc/GMT{-hours:+d}"  # POSIX signs: Etc/GMT-3 is UTC+3
        local = now.astimezone(ZoneInfo(name))
        if local.weekday() < 5 and 11 <= local.hour < 14:
            return name
    return None


DESIGNS_SQL = """
INSERT INTO design (id, team_id, channel_id, name, name_key, started_by, catalog_id, catalog_version, status,
    current_question_id, step, parent_ts, closing_ts, summary_wanted, summary_pinned, deployed_at, reminders_enabled,
    owner_tz, revision, published_revision, created_at, updated_at)
SELECT g, %(team)s, %(channel)s, 'Design ' || g, 'design ' || lpad(g::text, 8, '0'), %(owner)s, %(catalog)s,
    %(version)s, 'complete', NULL, %(steps)s,
    coalesce(p.ts, (1600000000 + g / 1000000)::text || '.' || lpad((g %% 1000000)::text, 6, '0')),
    coalesce(p.ts, (1600000000 + g / 1000000)::text || '.' || lpad((g %% 1000000)::text, 6, '0')),
    false, false, %(now)s - interval '30 days', true, %(zone)s, 1, 1, %(now)s - interval '60 days', %(now)s
FROM generate_series(%(low)s + 1, %(high)s) AS g
LEFT JOIN unnest(%(parent_ids)s::int[], %(parent_ts)s::text[]) AS p(design, ts) ON p.design = g
"""

# Pending revisits fall due over the next quarter, later ones further out; ``future`` is the same expression in
# the UPDATE that moves a due row back there.
FUTURE = "%(now)s + interval '1 day' + {design} * %(step)s + ({n} - 1) * interval '7 days'"

# One scheduled revisit per question and design; in every ``due_every``-th new design the first is due now
# (a minute to an hour ago). Rows come in design order, as designs deploy: the indexes grow at their right end.
NUDGES_SQL = f"""
INSERT INTO nudge (team_id, design_id, question_id, round, status, due_at, any_hour, attempts, created_at)
SELECT %(team)s, d, q.question, 0, 'scheduled',
    CASE WHEN q.n = 1 AND (d - %(low)s) %% %(due_every)s = 0
         THEN %(now)s - (d %% 60 + 1) * interval '1 minute'
         ELSE {FUTURE.format(design="d", n="q.n")} END,
    %(any_hour)s, 0, %(now)s - interval '30 days'
FROM generate_series(%(low)s + 1, %(high)s) AS d
CROSS JOIN unnest(%(questions)s::text[]) WITH ORDINALITY AS q(question, n)
"""

ANSWERS_SQL = """
INSERT INTO answer (team_id, question_id, status, text, choices, author_id, source_ts, design_id, reacted, created_at)
SELECT %(team)s, a.question, 'answered', a.body, a.choices::json, %(owner)s, NULL, d, false,
    %(now)s - interval '45 days'
FROM unnest(%(parent_ids)s::int[]) AS d
CROSS JOIN unnest(%(questions)s::text[], %(bodies)s::text[], %(choices)s::text[]) AS a(question, body, choices)
WHERE d > %(low)s AND d <= %(high)s
"""

# Due rows of designs that are no longer among every ``keep_every``-th go back to their place in the future.
THIN_SQL = f"""
UPDATE nudge SET due_at = {FUTURE.format(design="design_id", n="1")}
WHERE due_at <= %(now)s AND design_id %% %(keep_every)s <> 0
"""


@dataclass(frozen=True)
class Seeder:
    """Set-based inserts of deployed designs and their pending revisits, valid for the real dispatcher."""

    url: str
    team: str
    catalog: Catalog
    now: datetime
    zone: str | None

    @property
    def questions(self) -> list[str]:
        """The revisited questions every design is asked: a follow-up (catalog version 2's success target, say) needs
        the answer that calls for it, and the dispatcher withdraws a revisit of one that doesn't apply."""
        return [q.id for q in self.catalog.questions if q.revisit_after_deployment and q.when is None]

    def grow(self, start: int, end: int, parents: dict[int, str]) -> None:
        """Designs ``start+1..end`` such that ``DUE`` nudges are due, one each in designs spread evenly over all of
        them (the due rows scattered over the table as in production, not packed): the due rows of earlier designs
        are thinned out, then the new designs get the rest. ``parents`` are the parent messages posted in the fake
        for the designs the bot will nudge (the others get made-up ones)."""
        with psycopg.connect(libpq_url(self.url)) as connection:
            connection.execute(THIN_SQL, {"now": self.now, "step": self.step, "keep_every": end // DUE})
            row = connection.execute("SELECT count(*) FROM nudge WHERE due_at <= %s", (self.now,)).fetchone()
        assert row is not None
        due_every = (end - start) // (DUE - int(row[0]))
        common = {
            "team": self.team,
            "low": start,
            "high": end,
            "now": self.now,
            "owner": OWNER,
            "questions": self.questions,
            "parent_ids": list(parents),
        }
        designs = common | {
            "channel": CHANNEL,
            "catalog": self.catalog.id,
            "version": self.catalog.version,
            "steps": len(self.catalog.questions),
            "parent_ts": list(parents.values()),
            "zone": self.zone or "Etc/UTC",
        }
        nudges = common | {
            "due_every": due_every,
            "step": self.step,
            "any_hour": self.zone is None,  # at weekends: as if someone asked `/mldesign remind … now`
        }
        # Both tables at once, one core each, each filled in design order as in production (two connections
        # filling one table would interleave their pages and scramble its physical order, which the planner sees).
        with ThreadPoolExecutor(2) as pool:
            for done in [
                pool.submit(self._insert, DESIGNS_SQL, designs),
                pool.submit(self._insert, NUDGES_SQL, nudges),
            ]:
                done.result()
        self._insert(ANSWERS_SQL, common | self._answers())
        with psycopg.connect(libpq_url(self.url)) as connection:
            connection.execute("SELECT setval('design_id_seq', %s)", (end,))

    @property
    def step(self) -> timedelta:
        return FUTURE_SPREAD / SIZES[-1]

    def _insert(self, statement: str, parameters: dict[str, Any]) -> None:
        """One set-based INSERT. Foreign-key triggers are skipped (``session_replication_role``) so the revisits can
        go in while their designs do: every row refers to a design of the same growth, so this only speeds up the
        bulk load and changes no row."""
        with psycopg.connect(libpq_url(self.url)) as connection:
            connection.execute("SET synchronous_commit = off")
            connection.execute("SET session_replication_role = replica")
            connection.execute(statement, parameters)

    def _answers(self) -> dict[str, list[str]]:
        """A current answer to each revisited question, so a nudge shows what the team decided."""
        bodies, choices = [], []
        for question in self.catalog.questions:
            if question.id not in self.questions:
                continue
            if question.kind == QuestionKind.TEXT:
                bodies.append(f"What we decided about {question.title.lower()}, in a sentence or two.")
                choices.append("[]")
            else:
                bodies.append("")
                choices.append(json.dumps([question.options[0].id]))
        return {"bodies": bodies, "choices": choices}


def due_count(url: str, now: datetime) -> int:
    with psycopg.connect(libpq_url(url)) as connection:
        row = connection.execute("SELECT count(*) FROM nudge WHERE due_at <= %s", (now,)).fetchone()
    assert row is not None
    return int(row[0])


def vacuum_analyze(url: str) -> None:
    """Fresh statistics for the planner (and the dispatch's dead row versions cleared, as autovacuum would)."""
    with psycopg.connect(libpq_url(url), autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE design")
        connection.execute("VACUUM ANALYZE nudge")


# --- the due query's plans ----------------------------------------------------------------------------------------


def claim_statements(engine: Engine, now: datetime) -> dict[str, tuple[str, dict[str, Any]]]:
    """The statements ``claim_due`` sends, exactly as sent (SQL and parameters), captured from a claim that is then
    rolled back: the due rows (LIMIT 200), the lock on their designs, and the UPDATE that takes their due rows."""
    captured: list[tuple[str, dict[str, Any]]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        captured.append((statement, dict(parameters)))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as session:
            nudge_repo.claim_due(session=session, now=now, lease_until=now + timedelta(minutes=5), claim="explain")
            session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", record)

    def first(test: Callable[[str], bool], what: str) -> tuple[str, dict[str, Any]]:
        found = [(sql, parameters) for sql, parameters in captured if test(" ".join(sql.split()))]
        assert found, f"claim_due sent no {what}; captured: {[sql[:60] for sql, _ in captured]}"
        return found[0]

    return {
        DUE_QUERY: first(lambda sql: sql.startswith("SELECT nudge.design_id") and "LIMIT" in sql, "due query"),
        LOCK_QUERY: first(lambda sql: sql.startswith("SELECT design.id") and "FOR UPDATE" in sql, "design lock"),
        TAKE_QUERY: first(lambda sql: sql.startswith("UPDATE nudge") and "RETURNING" in sql, "claiming UPDATE"),
    }


def scans(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every node of a JSON plan that reads a relation (index or table)."""
    if "Relation Name" in node or "Index Name" in node:
        yield node
    for child in node.get("Plans", []):
        yield from scans(child)


def describe_scans(plan: dict[str, Any]) -> tuple[str, str]:
    found = list(scans(plan))
    nodes = " + ".join(dict.fromkeys(n["Node Type"] for n in found))
    indexes = " + ".join(dict.fromkeys(n["Index Name"] for n in found if "Index Name" in n)) or "none"
    return nodes, indexes


def explain(engine: Engine, statement: str, parameters: dict[str, Any]) -> list[dict[str, Any]]:
    """``EXPLAIN (ANALYZE, BUFFERS)`` of one captured statement, ``EXPLAIN_RUNS`` times, each in a transaction
    rolled back (the statement locks rows FOR UPDATE)."""
    results = []
    with engine.connect() as connection:
        for _ in range(EXPLAIN_RUNS):
            transaction = connection.begin()
            try:
                result = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {statement}", parameters)
                results.append(result.scalar_one()[0])
            finally:
                transaction.rollback()
    return results


def generic_plan(url: str, statement: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """The plan a prepared statement gets once PostgreSQL stops planning for its values: psycopg prepares a
    statement run five times on a connection, and the dispatcher runs the same claim every tick."""
    names: list[str] = []

    def positional(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    prepared = re.sub(r"%\((\w+)\)s", positional, statement)
    with psycopg.connect(libpq_url(url)) as connection, psycopg.ClientCursor(connection) as cursor:
        cursor.execute(f"PREPARE bench_claim AS {prepared}")
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        arguments = ", ".join(["%s"] * len(names))
        cursor.execute(f"EXPLAIN (FORMAT JSON) EXECUTE bench_claim({arguments})", [parameters[n] for n in names])
        row = cursor.fetchone()
        connection.rollback()
    assert row is not None
    return row[0][0]["Plan"]


def measure_plans(url: str, engine: Engine, designs: int) -> list[Plan]:
    now = datetime.now(UTC)
    statements = claim_statements(engine, now)
    vacuum_analyze(url)
    plans = []
    for query, (statement, parameters) in statements.items():
        runs = explain(engine, statement, parameters)
        median = sorted(runs, key=lambda run: run["Execution Time"])[len(runs) // 2]
        top = median["Plan"]
        node, index = describe_scans(top)
        _, generic = describe_scans(generic_plan(url, statement, parameters))
        plans.append(
            Plan(
                designs=designs,
                query=query,
                node=node,
                index=index,
                cost=top["Total Cost"],
                median_ms=statistics.median(run["Execution Time"] for run in runs),
                hit=top.get("Shared Hit Blocks", 0),
                read=top.get("Shared Read Blocks", 0),
                rows=top["Actual Rows"],
                generic_index=generic,
            )
        )
    return plans


# --- dispatch through a real bot process ---------------------------------------------------------------------------


def sent_count(url: str) -> int:
    with psycopg.connect(libpq_url(url)) as connection:
        row = connection.execute("SELECT count(*) FROM nudge WHERE status = 'sent'").fetchone()
    assert row is not None
    return int(row[0])


def dispatch(slack: FakeSlack, url: str, work: Path, designs: int, zone: str | None) -> Dispatch:
    """Start the servers, wait (polling the database) until every due nudge is marked sent, then check the fake's
    call log: every due nudge posted exactly once, in its design's thread."""
    now = datetime.now(UTC)
    with psycopg.connect(libpq_url(url)) as connection:
        due = connection.execute(
            "SELECT n.id, d.parent_ts FROM nudge n JOIN design d ON d.id = n.design_id WHERE n.due_at <= %s", (now,)
        ).fetchall()
    thread_of = dict(due)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    servers: list[tuple[subprocess.Popen[bytes], int, Path]] = []
    try:
        for number in range(PROCESSES):  # separate servers, as on separate machines: each has its own dispatcher
            port, log = FIRST_PORT + number, work / f"bot-{number}.log"
            environment = bot_environment(
                database=url, api_url=slack.api_url, token=slack.workspace.bot_token, port=port
            )
            servers.append((launch(BOT_COMMAND, environment, log), port, log))
        for process, port, log in servers:
            wait_healthy(process, port, log)
        deadline = time.monotonic() + DISPATCH_TIMEOUT_SECONDS
        while sent_count(url) < len(due):
            stopped = [log for process, _, log in servers if process.poll() is not None]
            if stopped or time.monotonic() > deadline:
                tail = "\n".join(log.read_text(errors="replace")[-2000:] for log in stopped or [servers[0][2]])
                raise RuntimeError(f"{sent_count(url)} of {len(due)} nudges sent when the wait ended:\n{tail}")
            time.sleep(POLL_SECONDS)  # the database has no change notification to wait on
        seconds = time.perf_counter() - started
    finally:
        for process, _, _ in servers:
            process.terminate()
        for process, _, _ in servers:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)  # each server waited for its worker, and we for them
    cpu = reaped.ru_utime + reaped.ru_stime - children.ru_utime - children.ru_stime
    posts = [
        call.response
        for call in slack.workspace.calls("chat.postMessage")
        if call.response.get("ok")
        and (call.response["message"].get("metadata") or {}).get("event_type") == MetadataType.NUDGE
    ]
    posted = Counter(
        nudge_id for post in posts for nudge_id in post["message"]["metadata"]["event_payload"]["nudge_ids"]
    )
    misplaced = [
        nudge_id
        for post in posts
        for nudge_id in post["message"]["metadata"]["event_payload"]["nudge_ids"]
        if thread_of.get(nudge_id) != post["message"].get("thread_ts")
    ]
    assert not misplaced, f"{len(misplaced)} nudges posted outside their design's thread"
    stamps = sorted(float(post["ts"]) for post in posts)
    return Dispatch(
        designs=designs,
        due=len(due),
        posts=len(posts),
        seconds=seconds,
        posting_seconds=stamps[-1] - stamps[0] if stamps else 0.0,
        bot_cpu_seconds=cpu,
        duplicates=sum(count - 1 for count in posted.values()),
        missing=len(set(thread_of) - set(posted)),
        working_hours_zone=zone,
    )


# --- the whole benchmark -------------------------------------------------------------------------------------------


def run(work: Path) -> Outcome:
    began = time.perf_counter()
    url = os.environ.get("MLDESIGN_BENCH_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    schema.upgrade(url)
    now = datetime.now(UTC)
    zone = working_hours_zone(now)
    catalog = load_catalog(DEFAULT_CATALOG_PATH)
    timings: dict[str, float] = {}
    plans: list[Plan] = []
    engine = make_engine(url, pool_size=2, max_overflow=0)
    try:
        with FakeSlack() as slack:
            seeder = Seeder(url=url, team=slack.workspace.team_id, catalog=catalog, now=now, zone=zone)
            # The designs the bot nudges (every n-th at DISPATCH_AT designs) have their parent message in the fake.
            spacing = DISPATCH_AT // DUE
            parents = {
                design: slack.workspace.post_message(CHANNEL, text=f"Design {design}")["ts"]
                for design in range(spacing, DISPATCH_AT + 1, spacing)
            }
            result: Dispatch | None = None
            previous = 0
            for size in SIZES:
                step = time.perf_counter()
                seeder.grow(previous, size, parents)
                timings[f"seed {size:,}"] = time.perf_counter() - step
                assert due_count(url, datetime.now(UTC)) == DUE
                plans += measure_plans(url, engine, size)
                if size == DISPATCH_AT:
                    step = time.perf_counter()
                    result = dispatch(slack, url, work, size, zone)
                    timings["dispatch"] = time.perf_counter() - step
                previous = size
    finally:
        engine.dispose()
        if os.environ.get("MLDESIGN_BENCH_KEEP_DATABASE") != "1":
            drop_database(url)
    assert result is not None
    total = time.perf_counter() - began
    return report(result, plans, timings, total)


def report(result: Dispatch, plans: list[Plan], timings: dict[str, float], total: float) -> Outcome:
    rate = result.due / result.seconds
    how = (
        f"owners' timezone {result.working_hours_zone}, inside their working hours"
        if result.working_hours_zone
        else "a weekend everywhere, so the due nudges are any-hour ones"
    )
    lines = [
        "## 3. Nudge dispatch at scale (PostgreSQL)",
        "",
        "| Designs | Due nudges | Posts | Time to all sent | First → last post | Nudges/s | Bot CPU per nudge |"
        " Posted twice | Not posted |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {result.designs:,} | {result.due:,} | {result.posts:,} | {result.seconds:.1f} s |"
        f" {result.posting_seconds:.1f} s | {rate:,.0f} | {1000 * result.bot_cpu_seconds / result.due:.1f} ms |"
        f" {result.duplicates} | {result.missing} |",
        "",
        "| Designs | Claim query | Plan nodes | Index | Total cost | Median execution (5 runs) | Buffers hit / read |"
        " Rows | Index, generic plan |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {p.designs:,} | {p.query} | {p.node} | `{p.index}` | {p.cost:,.1f} | {p.median_ms:.2f} ms |"
        f" {p.hit:,} / {p.read:,} | {p.rows:,} | `{p.generic_index}` |"
        for p in plans
    ]
    seeding = sum(seconds for step, seconds in timings.items() if step.startswith("seed"))
    due = [p for p in plans if p.query == DUE_QUERY]
    indexed = all(p.index != "none" and p.generic_index != "none" and "Seq Scan" not in p.node for p in plans)
    buffers = [p.hit + p.read for p in due]
    times = [p.median_ms for p in due]
    flat = indexed and max(buffers) <= 1.5 * min(buffers)
    scans = "index scans at every size, generic plans too" if indexed else "NOT index scans at every size"
    lines += [
        "",
        f"{PROCESSES} `mldesign serve` processes, each with its worker ({how}), against the fake Slack without rate"
        " limits, timed from launch until the database shows every due nudge sent; the fake's call log shows each"
        f" posted once, in its design's thread ({result.seconds:.0f} s,"
        f" {1000 * result.bot_cpu_seconds / result.due:.0f} ms of bot CPU per nudge).",
        "Plans of the three statements `claim_due` runs (captured, explained in rolled-back transactions after `VACUUM"
        f" ANALYZE`; {DUE:,} due at each size, one per design, spread evenly): {scans}."
        f" **Due query flat from {SIZES[0]:,} to {SIZES[-1]:,} designs: {'yes' if flat else 'no'}**:"
        f" {min(buffers):,} to {max(buffers):,} buffers, {min(times):.2f} to {max(times):.2f} ms; its estimated cost"
        " only rises as the due rows spread over more pages, and LIMIT 200 caps it."
        f" Module wall time {total:.0f} s (seeding {seeding:.0f} s, dispatch {timings['dispatch']:.0f} s).",
    ]
    checks = [
        Check(
            f"{DUE:,} due nudges dispatched ({PROCESSES} processes)",
            "< 60 s",
            f"{result.seconds:.0f} s, {result.duplicates} twice, {result.missing} missed",
            result.seconds < 60 and result.duplicates == 0 and result.missing == 0,
        ),
        Check(
            f"Due query from {SIZES[0]:,} to {SIZES[-1]:,} designs",
            "index scan, flat",
            f"{min(buffers):,} to {max(buffers):,} buffers, {min(times):.2f} to {max(times):.2f} ms",
            flat,
        ),
    ]
    return Outcome("\n".join(lines), checks)


if __name__ == "__main__":
    outcome = run(Path(tempfile.mkdtemp(prefix="mldesign-bench-")))
    print(outcome.section)
    print(*outcome.checks, sep="\n")

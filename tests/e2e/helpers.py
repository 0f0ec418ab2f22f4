"""Reading a design's thread in the fake Slack the way a person would: the questions, answers, reactions."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from sqlmodel import col, select

from sandbox import FakeSlack, SlackDriver
from storage import acceptances as acceptance_repo
from storage import answers as answer_repo
from storage import designs as design_repo
from storage import signoffs as signoff_repo
from storage.engine import make_engine, session_scope
from storage.models import Answer, Design, FindingAcceptance, Nudge, ReviewVerdict

ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
CHANNEL = "C0MLTEAM"
PROMPT = "mldesign_prompt"


def question_id_of(message: dict[str, Any]) -> str | None:
    """The question a prompt message asks, read from its interactive blocks' ids."""
    for block in message.get("blocks", []):
        block_id = block.get("block_id", "")
        if block_id.startswith(("nav:", "choices:", "form:", "undo:")):
            return block_id.split(":")[2]
    return None


def question_number(message: dict[str, Any]) -> int:
    """The position a prompt message names in its fallback text ("Question 3 of 31: …")."""
    match = re.match(r"Question (\d+) of \d+", message.get("text", ""))
    assert match is not None, message.get("text")
    return int(match.group(1))


def action_ids(message: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks", [])
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def poll_until(condition: Callable[[], bool], timeout: float = 5.0, what: str = "condition") -> None:
    """Wait for a condition only the database can tell (it has no change notifications to wait on)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout}s")
        time.sleep(0.01)


class DesignThread:
    def __init__(
        self, slack: FakeSlack, driver: SlackDriver, db: Database, name: str, channel: str, parent_ts: str
    ) -> None:
        self.slack = slack
        self.ws = slack.workspace
        self.driver = driver
        self.db = db
        self.name = name
        self.channel = channel
        self.parent_ts = parent_ts

    @classmethod
    def start(
        cls, slack: FakeSlack, driver: SlackDriver, db: Database, name: str, user: str = ALICE, channel: str = CHANNEL
    ) -> DesignThread:
        known = {message["ts"] for message in slack.workspace.messages(channel)}
        response = driver.slash_command(user, channel, f"start {name}")
        assert response.status_code == 200, response.text

        def new_parent() -> dict[str, Any] | None:
            fresh = [m for m in slack.workspace.messages(channel) if m["ts"] not in known and m.get("bot_id")]
            return fresh[0] if fresh else None

        slack.workspace.wait_for(lambda _: new_parent() is not None)
        thread = cls(slack, driver, db, name, channel, new_parent()["ts"])
        thread.wait_for_questions(1)
        thread.settle()
        return thread

    def settle(self) -> None:
        """Wait until the bot has published everything it stored (as a person would, seconds later)."""
        poll_until(lambda: self.db.is_published(self.name, self.channel), what=f"design {self.name!r} published")

    @property
    def parent(self) -> dict[str, Any]:
        message = self.ws.message(self.channel, self.parent_ts)
        assert message is not None
        return message

    def replies(self) -> list[dict[str, Any]]:
        return self.ws.replies(self.channel, self.parent_ts)

    def questions(self) -> list[dict[str, Any]]:
        return [m for m in self.replies() if (m.get("metadata") or {}).get("event_type") == PROMPT]

    def current(self) -> dict[str, Any]:
        """The question being asked: the one with Skip/Back (asked again in its own message after Back), else the
        last one posted."""
        questions = self.questions()
        asked = [m for m in questions if any(b.get("block_id", "").startswith("nav:") for b in m.get("blocks", []))]
        return asked[-1] if asked else questions[-1]

    def _position(self) -> tuple[str, str | None]:
        if not self.questions():
            return "", None  # someone deleted the only question message
        current = self.current()
        return current["ts"], question_id_of(current)

    def wait_for_move(self, before: tuple[str, str | None]) -> None:
        """Wait until another question is asked (a new message or one asked again) or the closing is posted."""
        self.wait_until(lambda: self._position() != before or self.closing() is not None)
        self.settle()

    def current_id(self) -> str:
        question_id = question_id_of(self.current())
        assert question_id is not None
        return question_id

    def wait_for_questions(self, count: int) -> None:
        self.ws.wait_for(lambda _: len(self.questions()) >= count)

    def wait_until(self, predicate: Any, timeout: float = 5.0) -> None:
        self.ws.wait_for(lambda _: predicate(), timeout=timeout)

    def reply(self, user: str, text: str) -> str:
        ts, response = self.driver.post_message(user, self.channel, text, thread_ts=self.parent_ts)
        assert response.status_code == 200, response.text
        return ts

    def answer(self, user: str, text: str) -> str:
        """Reply to the current question and wait for the next one (or the end)."""
        before = self._position()
        ts = self.reply(user, text)
        self.wait_for_move(before)
        return ts

    def click(self, user: str, action_id: str, message: dict[str, Any] | None = None, **kwargs: Any) -> None:
        target = message or self.current()
        response = self.driver.click(user, self.channel, target["ts"], action_id, **kwargs)
        assert response.status_code == 200, response.text

    def click_and_wait(self, user: str, action_id: str, **kwargs: Any) -> None:
        before = self._position()
        self.click(user, action_id, **kwargs)
        self.wait_for_move(before)

    def closing(self) -> dict[str, Any] | None:
        return next(
            (m for m in self.replies() if (m.get("metadata") or {}).get("event_type") == "mldesign_closing"), None
        )

    def reactions(self, ts: str) -> list[str]:
        message = self.ws.message(self.channel, ts) or {}
        return [reaction["name"] for reaction in message.get("reactions", [])]


class Database:
    """Read-only look at what the bot stored, through the project's own repositories."""

    def __init__(self, url: str, team_id: str = "T0SANDBOX") -> None:
        self.engine = make_engine(url)
        self.team_id = team_id

    def design(self, name: str, channel: str = CHANNEL) -> Design:
        with session_scope(self.engine) as session:
            design = design_repo.get_design_by_name(
                session=session, team_id=self.team_id, channel_id=channel, name_key=name.casefold()
            )
        assert design is not None, f"no design {name!r}"
        return design

    def is_published(self, name: str, channel: str = CHANNEL) -> bool:
        design = self.design(name, channel)
        return design.published_revision >= design.revision

    def answers(self, name: str) -> dict[str, Answer]:
        design = self.design(name)
        with session_scope(self.engine) as session:
            return answer_repo.current_answers(session=session, team_id=self.team_id, design_id=design.id)

    def all_answers(self, name: str) -> list[Answer]:
        """Every version of every answer of a design."""
        design = self.design(name)
        with session_scope(self.engine) as session:
            return list(answer_repo.all_answers(session=session, team_id=self.team_id, design_id=design.id))

    def history(self, name: str, question_id: str) -> list[Answer]:
        design = self.design(name)
        with session_scope(self.engine) as session:
            return list(
                answer_repo.answer_history(
                    session=session, team_id=self.team_id, design_id=design.id, question_id=question_id
                )
            )

    def nudges(self, name: str) -> list[Nudge]:
        """Every revisit row of the design, oldest first."""
        design = self.design(name)
        with session_scope(self.engine) as session:
            return list(session.exec(select(Nudge).where(Nudge.design_id == design.id).order_by(col(Nudge.id))).all())

    def acceptances(self, name: str) -> list[FindingAcceptance]:
        """Every acceptance of a finding of the design, oldest first."""
        design = self.design(name)
        with session_scope(self.engine) as session:
            return acceptance_repo.of_design(session=session, team_id=self.team_id, design_id=design.id)

    def verdicts(self, name: str) -> list[ReviewVerdict]:
        """Every reviewer's verdict on the design, oldest first."""
        design = self.design(name)
        with session_scope(self.engine) as session:
            return signoff_repo.verdicts_of(session=session, team_id=self.team_id, design_id=design.id)

    def next_nudge_due(self, name: str) -> float:
        """When the design's next scheduled revisit falls due, in seconds since 1970."""
        due = [n.due_at for n in self.nudges(name) if n.status == "scheduled" and n.due_at is not None]
        assert due, f"no revisit scheduled for {name!r}"
        return min(due).timestamp()

    def count_designs(self) -> int:
        with session_scope(self.engine) as session:
            return design_repo.count_designs(session=session, team_id=self.team_id, channel_id=CHANNEL)

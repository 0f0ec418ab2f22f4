"""A design's thread in Slack: the parent message in the channel, one message per question, the ✅ on answered
replies, and the messages for its end and its deployment."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackClientError

from bot.outbound.posting import Posting, prompt_key
from bot.outbound.slack_errors import CHANNEL_ERRORS, TOKEN_ERRORS, code_of, is_transient, skipping_message_errors
from bot.outbound.snapshot import Snapshot, progress_of
from bot.render import blocks
from bot.render.ids import MetadataType
from flows.walkthrough import AnswerStatus
from storage import answers as answer_repo
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage import publishing as publishing_repo
from storage.engine import read_scope, session_scope
from storage.models import Prompt, stored_id

logger = logging.getLogger(__name__)

CHECKMARK = "white_check_mark"
# Any other refusal of a design's first message: nothing of it reached the channel, so it is removed like the above.
FIRST_POST_REFUSED = "Slack refused the design's first message (`{code}`), so nothing was started. Please try again."


class ThreadSync:
    def __init__(self, posting: Posting) -> None:
        self._posting = posting

    def post_parent(self, snapshot: Snapshot) -> bool:
        """Post the design's message in the channel (or find the one a crashed attempt posted); True if posted now."""
        design = snapshot.design
        ts, posted = self._posting.post_once(
            design,
            claim="parent_claimed_at",
            event_type=MetadataType.DESIGN,
            build=lambda: blocks.parent_message(design, snapshot.catalog, progress_of(snapshot)),
        )
        self._posting.record(design, parent_ts=ts, permalink=self._posting.permalink(design, ts))
        return posted

    def update_parent(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        message = blocks.parent_message(design, snapshot.catalog, progress_of(snapshot))
        assert design.parent_ts is not None
        with skipping_message_errors(f"updating the parent of design {design.id}"):
            self._posting.slack(design).chat_update(
                channel=design.channel_id, ts=design.parent_ts, text=message.text, blocks=message.blocks
            )

    def give_up_on_channel(self, snapshot: Snapshot, error: Exception) -> bool:
        """A design whose first post can't go out in this channel is removed and its starter told why."""
        code = code_of(error)
        design = snapshot.design
        if design.parent_ts is not None or is_transient(error) or code in TOKEN_ERRORS:
            return False
        logger.info("design %s removed: cannot post in channel (%s)", snapshot.design_id, code)
        with session_scope(self._posting.engine) as session:
            design_repo.delete_design(session=session, team_id=design.team_id, design_id=snapshot.design_id)
        webhook = self._posting.clients.webhook(design.response_url) if design.response_url else None
        if webhook is not None:
            try:
                explanation = CHANNEL_ERRORS.get(code or "") or FIRST_POST_REFUSED.format(code=code or "error")
                webhook.send(text=f":warning: {explanation}", response_type="ephemeral")
            except (SlackClientError, OSError) as webhook_error:
                logger.warning("could not tell the starter of design %s: %s", snapshot.design_id, webhook_error)
        return True

    def ensure_prompt(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        assert design.current_question_id is not None
        prompt = next((prompt for prompt in snapshot.prompts if prompt.step == design.step), None)
        if prompt is not None and prompt.message_ts is not None:
            return
        question = snapshot.catalog.question(design.current_question_id)
        answer = snapshot.answers.get(question.id)
        payload = {"design_id": snapshot.design_id, "step": design.step}
        ts = None
        if prompt is None:
            now = self._posting.clock.now()
            prompt = Prompt(
                design_id=snapshot.design_id,
                team_id=design.team_id,
                step=design.step,
                question_id=question.id,
                created_at=now,
                post_started_at=now,
            )
            with session_scope(self._posting.engine) as session:
                if not publishing_repo.claim_prompt(session=session, prompt=prompt):
                    return  # another publisher posts this step
        else:
            thread = self._posting.prompts_posted(design, [prompt])
            ts = self._posting.find_posted(thread, MetadataType.PROMPT, payload)
            self._posting.settle(design, thread, {prompt_key(prompt): ts})
            if ts is None:  # the attempt now is the one a later lookup must cover
                prompt.post_started_at = self._posting.clock.now()
                self._posting.save_prompt(prompt)
        if ts is None:
            message = blocks.question_message(
                design=design,
                catalog=snapshot.catalog,
                question=question,
                answer=answer,
                is_current=True,
                assignee=snapshot.assignee(question.id),
            )
            ts = self._posting.post(design, message, MetadataType.PROMPT, payload, thread_ts=design.parent_ts)
        prompt.message_ts = ts
        prompt.rendered_answer_id = answer.id if answer else None
        prompt.rendered_current = True
        self._posting.save_prompt(prompt)
        snapshot.prompts.append(prompt)

    def reconcile_unposted(self, snapshot: Snapshot) -> None:
        """Questions claimed but never recorded as posted, and since moved past (a crash in between): find
        each by its metadata and record it, so it is re-rendered as answered; forget the ones never sent."""
        design = snapshot.design
        stale = [p for p in snapshot.prompts if p.message_ts is None and p.step != design.step]
        if not stale:
            return
        thread = self._posting.prompts_posted(design, stale)
        messages = list(thread)
        found = {
            prompt_key(prompt): self._posting.find_posted(
                messages, MetadataType.PROMPT, {"design_id": snapshot.design_id, "step": prompt.step}
            )
            for prompt in stale
        }
        for prompt in stale:
            if (ts := found[prompt_key(prompt)]) is not None:
                prompt.message_ts, prompt.rendered_current, prompt.rendered_answer_id = ts, True, None
                self._posting.save_prompt(prompt)
        self._posting.settle(design, thread, found)  # the ones not seen wait while the read has further to go
        for prompt in stale:
            if found[prompt_key(prompt)] is None:
                with session_scope(self._posting.engine) as session:
                    publishing_repo.delete_prompt(session=session, prompt_id=prompt.id, team_id=design.team_id)
                snapshot.prompts.remove(prompt)

    def refresh_prompts(self, snapshot: Snapshot) -> None:
        """Re-render question messages whose answer changed or that are no longer the current question."""
        design = snapshot.design
        for prompt in snapshot.prompts:
            if prompt.message_ts is None or prompt.question_id not in snapshot.catalog:
                continue
            answer = snapshot.answers.get(prompt.question_id)
            answer_id = answer.id if answer else None
            is_current = prompt.step == design.step and design.current_question_id == prompt.question_id
            if prompt.rendered_answer_id == answer_id and prompt.rendered_current == is_current:
                continue
            message = blocks.question_message(
                design=design,
                catalog=snapshot.catalog,
                question=snapshot.catalog.question(prompt.question_id),
                answer=answer,
                is_current=is_current,
                assignee=snapshot.assignee(prompt.question_id),
            )
            with skipping_message_errors(f"updating question {prompt.question_id} of design {design.id}"):
                self._posting.slack(design).chat_update(
                    channel=design.channel_id, ts=prompt.message_ts, text=message.text, blocks=message.blocks
                )
            prompt.rendered_answer_id = answer_id
            prompt.rendered_current = is_current
            self._posting.save_prompt(prompt)

    def react_to_answers(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        with read_scope(self._posting.engine) as session:
            pending = answer_repo.answers_awaiting_reaction(
                session=session, team_id=design.team_id, design_id=snapshot.design_id
            )
        # A reply's latest version says what its ✅ should be: there while it answers, gone once undone.
        latest = {answer.source_ts: answer for answer in pending if answer.source_ts}
        for source_ts, answer in latest.items():
            with skipping_message_errors(f"reacting to {source_ts}"):
                if answer.status == AnswerStatus.WITHDRAWN:
                    self._posting.slack(design).reactions_remove(
                        channel=design.channel_id, timestamp=source_ts, name=CHECKMARK
                    )
                else:
                    self._posting.slack(design).reactions_add(
                        channel=design.channel_id, timestamp=source_ts, name=CHECKMARK
                    )
            with session_scope(self._posting.engine) as session:
                answer_repo.mark_reacted(
                    session=session,
                    team_id=design.team_id,
                    design_id=snapshot.design_id,
                    source_ts=source_ts,
                    up_to_id=stored_id(answer),
                )

    def post_closing(self, snapshot: Snapshot) -> None:
        design = snapshot.design
        ts, _ = self._posting.post_once(
            design,
            claim="closing_claimed_at",
            event_type=MetadataType.CLOSING,
            build=lambda: blocks.closing_message(design, progress_of(snapshot)),
            thread_ts=design.parent_ts,
        )
        self._posting.record(design, closing_ts=ts)

    def post_deployed(self, snapshot: Snapshot) -> None:
        """Tell the team in the design's thread that it is deployed and which decisions come back when, once."""
        design = snapshot.design
        with read_scope(self._posting.engine) as session:
            revisits = len(
                nudge_repo.open_nudges(session=session, team_id=design.team_id, design_id=snapshot.design_id)
            )
            next_nudge = nudge_repo.next_due_at(session=session, team_id=design.team_id, design_id=snapshot.design_id)
        message = blocks.notice(
            "deployed.j2",
            name=design.name,
            deployed_at=design.deployed_at,
            owner=design.started_by,
            revisits=revisits if design.reminders_enabled else 0,
            next_nudge=next_nudge if design.reminders_enabled else None,
        )
        ts, _ = self._posting.post_once(
            design,
            claim="deployed_claimed_at",
            event_type=MetadataType.DEPLOYED,
            build=lambda: message,
            thread_ts=design.parent_ts,
        )
        self._posting.record(design, deployed_ts=ts)

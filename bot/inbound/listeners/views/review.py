"""The "Request changes" form submitted: the comment is required; the verdict is recorded on the answers as they
stand and the review message updates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.payloads import submission_id, team_id_of
from bot.inbound.listeners.recording import Recording
from bot.render.forms import MalformedForm, form_problem
from bot.render.ids import InputId
from bot.render.signoff import submitted_changes
from bot.usecases import signoff
from bot.usecases.errors import UserFacingError
from bot.usecases.signoff import VerdictRequest
from flows.signoff import Verdict

MAX_ERROR = 150


def submit_changes(deps: Recording) -> Callable[..., None]:
    def handle_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            design_id, comment = submitted_changes(view)
        except MalformedForm as error:
            ack(response_action="update", view=form_problem(str(error)))
            return
        if not comment.strip():
            ack(response_action="errors", errors={InputId.COMMENT: "Say what should change."})
            return
        request = VerdictRequest(
            team_id=team_id_of(body),
            user_id=body["user"]["id"],
            design_id=design_id,
            verdict=Verdict.CHANGES,
            comment=comment,
            interaction_id=submission_id(body, view),
        )
        try:
            with deps.db.unit_of_work() as session:
                done = signoff.decide(session=session, request=request, now=deps.clock.now())
        except UserFacingError as error:  # no longer a reviewer, or the design went
            ack(response_action="update", view=form_problem(str(error)[:MAX_ERROR]))
            return
        ack()
        if done is not None:
            deps.outbox.publish(request.team_id, done)

    return handle_submission

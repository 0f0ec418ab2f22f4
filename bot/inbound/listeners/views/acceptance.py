"""The "Accept…" form submitted: each field's problem shown beside it, or the acceptance recorded and published."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.payloads import submission_id, team_id_of
from bot.inbound.listeners.recording import Recording
from bot.render.acceptance import submitted_acceptance
from bot.render.forms import MalformedForm, form_problem
from bot.render.ids import InputId
from bot.usecases import acceptances
from bot.usecases.acceptances import AcceptanceRefused, AcceptRequest
from bot.usecases.errors import UserFacingError
from flows.permissions import NotAnOwner

MAX_ERROR = 150  # Slack shows at most this much of an input's error


def submit_acceptance(deps: Recording) -> Callable[..., None]:
    def handle_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            submitted = submitted_acceptance(view)
        except MalformedForm as error:
            ack(response_action="update", view=form_problem(str(error)))
            return
        team_id = team_id_of(body)
        request = AcceptRequest(
            team_id=team_id,
            user_id=body["user"]["id"],
            design_id=submitted.design_id,
            rule_id=submitted.rule_id,
            rationale=submitted.rationale,
            until=submitted.until,
            interaction_id=submission_id(body, view),
        )
        try:
            with deps.db.unit_of_work() as session:
                done = acceptances.accept(
                    session=session, catalogs=deps.catalogs, request=request, now=deps.clock.now()
                )
        except AcceptanceRefused as refused:
            problems = {InputId.RATIONALE: refused.problems.rationale, InputId.UNTIL: refused.problems.until}
            ack(
                response_action="errors",
                errors={block: text[:MAX_ERROR] for block, text in problems.items() if text is not None},
            )
            return
        except NotAnOwner as error:  # owners changed while the form was open
            ack(
                response_action="update",
                view=form_problem(f"Only the owners of “{error.design_name}” can {error.action}."),
            )
            return
        except UserFacingError as error:  # the design went, or the answers no longer raise the finding
            ack(response_action="update", view=form_problem(str(error)))
            return
        ack()
        if done is not None:
            deps.outbox.publish(team_id, done.design_id)
            for message_ts in done.renewed_in:
                deps.outbox.refresh_nudge(team_id, done.design_id, message_ts)

    return handle_submission

"""The review message's buttons: Approve records the verdict at once; Request changes… opens the form asking what
should change. Anyone not named as a reviewer is told who the reviewers are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.payloads import id_value, team_id_of
from bot.inbound.listeners.recording import Recording
from bot.render.signoff import changes_form
from bot.usecases import signoff
from bot.usecases.signoff import VerdictRequest
from flows.signoff import Verdict


def approve(deps: Recording) -> Callable[..., None]:
    def handle_approve(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        user_id = body["user"]["id"]
        request = VerdictRequest(
            team_id=team_id_of(body),
            user_id=user_id,
            design_id=id_value(action, "review"),
            verdict=Verdict.APPROVE,
            comment="",
            interaction_id=f"action:{action.get('action_ts')}:{user_id}:{action['action_id']}",
        )
        with deps.db.unit_of_work() as session:
            design_id = signoff.decide(session=session, request=request, now=deps.clock.now())
        ack()
        if design_id is not None:
            deps.outbox.publish(request.team_id, design_id)

    return handle_approve


def open_changes_form(deps: Recording) -> Callable[..., None]:
    def handle_changes(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        team_id = team_id_of(body)
        with deps.db.read_only() as session:
            design = signoff.design_for_reviewer(
                session=session, team_id=team_id, design_id=id_value(action, "review"), user_id=body["user"]["id"]
            )
        view = changes_form(design)
        ack()
        deps.outbox.open_form(team_id, body, view)

    return handle_changes

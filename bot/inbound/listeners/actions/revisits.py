"""Buttons after deployment: "Mark as deployed" on the summary, and the buttons of a revisit nudge."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.payloads import id_value, team_id_of
from bot.inbound.listeners.recording import Recording
from bot.render.nudges import measure_form, stop_confirmation, update_form
from bot.usecases import revisits
from bot.usecases.revisits import NudgeAction
from flows.nudges import NudgeStatus


def parse_nudge_action(body: dict[str, Any], action: dict[str, Any]) -> NudgeAction:
    user_id = body["user"]["id"]
    return NudgeAction(
        team_id=team_id_of(body),
        user_id=user_id,
        nudge_id=id_value(action, "revisit"),
        interaction_id=f"action:{action.get('action_ts')}:{user_id}:{action['action_id']}",
    )


def resolve_nudge(deps: Recording, outcome: NudgeStatus) -> Callable[..., None]:
    def handle_nudge(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        nudge_action = parse_nudge_action(body, action)
        with deps.db.unit_of_work() as session:
            done = revisits.resolve(
                session=session,
                catalogs=deps.catalogs,
                action=nudge_action,
                outcome=outcome,
                now=deps.clock.now(),
            )
        ack()
        if done is not None:
            deps.outbox.publish(nudge_action.team_id, done.design_id)
            deps.outbox.refresh_nudge(nudge_action.team_id, done.design_id, done.message_ts)

    return handle_nudge


def open_update_form(deps: Recording) -> Callable[..., None]:
    """Open the "Update…" form from the background, within the trigger's three seconds."""

    def handle_update(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        nudge_action = parse_nudge_action(body, action)
        with deps.db.read_only() as session:
            revisit = revisits.open_nudge(session=session, action=nudge_action)
        view = update_form(
            catalog=deps.catalogs.of(revisit.design), nudge=revisit.nudge, design=revisit.design, answer=revisit.answer
        )
        ack()
        deps.outbox.open_form(nudge_action.team_id, body, view)

    return handle_update


def open_measure_form(deps: Recording) -> Callable[..., None]:
    """ "Record the value…" on the success target's revisit: the form, with the target beside it."""

    def handle_measure(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        nudge_action = parse_nudge_action(body, action)
        with deps.db.read_only() as session:
            revisit = revisits.open_nudge(session=session, action=nudge_action)
        target = revisit.answer.text if revisit.answer is not None else ""
        view = measure_form(design=revisit.design, nudge=revisit.nudge, target=target)
        ack()
        deps.outbox.open_form(nudge_action.team_id, body, view)

    return handle_measure


def open_stop_confirmation(deps: Recording) -> Callable[..., None]:
    """ "Stop these reminders…": a non-owner is told who may; an owner confirms in a dialog."""

    def handle_stop(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        nudge_action = parse_nudge_action(body, action)
        with deps.db.read_only() as session:
            design = revisits.check_may_stop(session=session, action=nudge_action)
        ack()
        view = stop_confirmation(design=design, nudge_id=nudge_action.nudge_id)
        deps.outbox.open_form(nudge_action.team_id, body, view)

    return handle_stop


def mark_deployed(deps: Recording) -> Callable[..., None]:
    def handle_mark_deployed(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        design_id = id_value(action, "summary")
        team_id = team_id_of(body)
        with deps.db.unit_of_work() as session:
            revisits.deploy_from_summary(
                session=session,
                catalogs=deps.catalogs,
                team_id=team_id,
                design_id=design_id,
                user_id=body["user"]["id"],
                now=deps.clock.now(),
            )
        ack()
        deps.outbox.publish(team_id, design_id)
        deps.outbox.learn_owner_timezone(team_id, design_id)

    return handle_mark_deployed

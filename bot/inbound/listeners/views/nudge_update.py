"""The "Update…" form of a revisit nudge: a new version of the answer, then the summary updates in place."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.payloads import submission_id, team_id_of
from bot.inbound.listeners.recording import Recording
from bot.render.forms import form_problem
from bot.render.ids import InputId
from bot.usecases import revisits
from bot.usecases.errors import UserFacingError
from bot.usecases.revisits import NudgeAction, Revisited
from flows.nudges import NudgeStatus
from flows.permissions import NotAnOwner


def form_values(view: dict[str, Any]) -> tuple[int, str | None, list[str] | None]:
    """The nudge id, the text (None: keep it) and the choices (None: the question has none) of a submission."""
    metadata = json.loads(view.get("private_metadata") or "{}")
    values = (view.get("state") or {}).get("values") or {}
    text = ((values.get(InputId.TEXT) or {}).get(InputId.TEXT) or {}).get("value")
    if not (text or "").strip():
        text = None if metadata.get("keep_text") else ""
    choices = None
    if InputId.CHOICES in values:
        element = values[InputId.CHOICES].get(InputId.CHOICES) or {}
        if "selected_options" in element:
            choices = [option["value"] for option in element["selected_options"] or []]
        else:
            selected = element.get("selected_option")
            choices = [selected["value"]] if selected else []
    return int(metadata["nudge_id"]), text, choices


def submitted_action(body: dict[str, Any], view: dict[str, Any], nudge_id: int) -> NudgeAction:
    """A revisit form's submission as the use cases take it; one submission of one view is one interaction."""
    user_id = body["user"]["id"]
    return NudgeAction(
        team_id=team_id_of(body), user_id=user_id, nudge_id=nudge_id, interaction_id=submission_id(body, view)
    )


def _show(deps: Recording, action: NudgeAction, done: Revisited | None) -> None:
    """After the acknowledgement: the summary and the nudge message show the revisit's outcome."""
    if done is not None:
        deps.outbox.publish(action.team_id, done.design_id)
        deps.outbox.refresh_nudge(action.team_id, done.design_id, done.message_ts)


def submit_update(deps: Recording) -> Callable[..., None]:
    def handle_submission(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        nudge_id, text, choices = form_values(view)
        if text == "" and not choices:
            ack(response_action="errors", errors={InputId.TEXT: "Write the answer, or pick an option."})
            return
        action = submitted_action(body, view, nudge_id)
        try:
            with deps.db.unit_of_work() as session:
                done = revisits.update_answer(
                    session=session,
                    catalogs=deps.catalogs,
                    action=action,
                    text=text,
                    choices=choices,
                    now=deps.clock.now(),
                )
        except UserFacingError as error:
            ack(response_action="errors", errors={InputId.TEXT: str(error)[:150]})
            return
        ack()
        _show(deps, action, done)

    return handle_submission


def submit_measure(deps: Recording) -> Callable[..., None]:
    """The value measured since launch, recorded on the success target's revisit."""

    def handle_measure(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        metadata = json.loads(view.get("private_metadata") or "{}")
        values = (view.get("state") or {}).get("values") or {}
        text = ((values.get(InputId.MEASURED) or {}).get(InputId.MEASURED) or {}).get("value") or ""
        if not text.strip():
            ack(response_action="errors", errors={InputId.MEASURED: "Write the value measured since launch."})
            return
        action = submitted_action(body, view, int(metadata["nudge_id"]))
        try:
            with deps.db.unit_of_work() as session:
                done = revisits.record_measurement(
                    session=session, catalogs=deps.catalogs, action=action, text=text, now=deps.clock.now()
                )
        except UserFacingError as error:
            ack(response_action="update", view=form_problem(str(error)))
            return
        ack()
        _show(deps, action, done)

    return handle_measure


def submit_stop(deps: Recording) -> Callable[..., None]:
    """The owner confirmed: the reminders stop (checked again: owners may have changed since the dialog opened)."""

    def handle_stop(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        metadata = json.loads(view.get("private_metadata") or "{}")
        action = submitted_action(body, view, int(metadata["nudge_id"]))
        try:
            with deps.db.unit_of_work() as session:
                done = revisits.resolve(
                    session=session,
                    catalogs=deps.catalogs,
                    action=action,
                    outcome=NudgeStatus.STOPPED,
                    now=deps.clock.now(),
                )
        except (UserFacingError, NotAnOwner) as error:  # no longer an owner, or the design went meanwhile
            ack(response_action="update", view=form_problem(_plain(error)))
            return
        ack()
        _show(deps, action, done)

    return handle_stop


def _plain(error: Exception) -> str:
    if isinstance(error, NotAnOwner):
        return f"Only the owners of “{error.design_name}” can {error.action}; the reminders go on."
    return str(error)

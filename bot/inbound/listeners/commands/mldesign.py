"""`/mldesign <verb> …`: each verb is a small handler that answers in the acknowledgement (ephemerally);
posts to the channel (a new design, its summary, its document, a nudge) follow it in the background."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack

from bot.inbound.listeners.commands.alerts import alerts_command
from bot.inbound.listeners.commands.invocation import Invocation, Outcome
from bot.inbound.listeners.recording import Recording
from bot.render import blocks, forms
from bot.render.signoff import changes_message
from bot.render.text import unescape_slack
from bot.usecases import designs, overview, ownership, revisits, signoff
from flows.commands import (
    Alerts,
    Assign,
    Changes,
    Command,
    Delete,
    Deployed,
    Export,
    Help,
    ListDesigns,
    Owners,
    Remind,
    RequestReview,
    Start,
    Status,
    Summary,
    mentioned_ids,
    parse_command,
)
from flows.nudges import RemindNow, RemindOff, parse_reminder


def mldesign_command(deps: Recording) -> Callable[..., None]:
    def handle_mldesign(ack: Ack, command: dict[str, Any], context: dict[str, Any]) -> None:
        invocation = Invocation(
            command["team_id"],
            command["channel_id"],
            command["user_id"],
            command.get("response_url"),
            context.get("bot_user_id"),
        )
        raw = command.get("text", "")
        parsed = parse_command(unescape_slack(raw), mentioned=mentioned_ids(raw))
        reply, after = HANDLERS[type(parsed)](deps, invocation, parsed)
        if reply is None:
            ack()
        else:
            ack(text=reply.text, blocks=reply.blocks, response_type="ephemeral")
        if after is not None:
            after()

    return handle_mldesign


def _help(deps: Recording, who: Invocation, command: Command) -> Outcome:
    return blocks.notice("help.j2"), None


# The most recently changed designs a list shows: what fits one section of a message, a glance not an index.
LIST_LIMIT = 10


def _list(deps: Recording, who: Invocation, command: Command) -> Outcome:
    with deps.db.read_only() as session:
        items, hidden = overview.channel_designs(
            session=session, catalogs=deps.catalogs, team_id=who.team_id, channel_id=who.channel_id, limit=LIST_LIMIT
        )
    return blocks.notice("list.j2", designs=items, hidden=hidden), None


def _status(deps: Recording, who: Invocation, command: Command) -> Outcome:
    assert isinstance(command, Status)
    with deps.db.read_only() as session:
        shown = overview.design_status(
            session=session,
            catalogs=deps.catalogs,
            team_id=who.team_id,
            channel_id=who.channel_id,
            name=command.name,
            today=deps.clock.now().date(),
        )
    reply = blocks.notice(
        "status.j2",
        name=shown.name,
        permalink=shown.permalink,
        started_by=shown.started_by,
        progress=shown.progress,
        readiness=shown.readiness,
        findings=shown.findings,
        review=shown.review,
        current_prompt=shown.current_prompt,
        extra=[forms.question_menu_block(design_id=shown.design_id, catalog=shown.catalog, answers=shown.answers)],
    )
    return reply, None


def _start(deps: Recording, who: Invocation, command: Command) -> Outcome:
    assert isinstance(command, Start)
    with deps.db.unit_of_work() as session:
        design_id = designs.start_design(
            session=session,
            catalogs=deps.catalogs,
            team_id=who.team_id,
            channel_id=who.channel_id,
            user_id=who.user_id,
            name=command.name,
            response_url=who.response_url,
            now=deps.clock.now(),
        )
    return None, lambda: deps.outbox.publish(who.team_id, design_id)


def _summary(deps: Recording, who: Invocation, command: Command) -> Outcome:
    assert isinstance(command, Summary)
    with deps.db.unit_of_work() as session:
        design = designs.request_summary(
            session=session, team_id=who.team_id, channel_id=who.channel_id, name=command.name, now=_now(deps)
        )
        design_id, name, posted = _id(design.id), design.name, design.summary_ts is not None
    reply = blocks.notice("summary_requested.j2", name=name, posted=posted)
    return reply, lambda: deps.outbox.publish(who.team_id, design_id)


def _export(deps: Recording, who: Invocation, command: Command) -> Outcome:
    assert isinstance(command, Export)
    with deps.db.read_only() as session:
        design = designs.find_design(session=session, team_id=who.team_id, channel_id=who.channel_id, name=command.name)
        design_id, name = _id(design.id), design.name

    def after() -> None:
        deps.db.remember_request()
        deps.outbox.export(team_id=who.team_id, design_id=design_id, user_id=who.user_id, response_url=who.response_url)

    return blocks.notice("export_requested.j2", name=name), after


def _deployed(deps: Recording, who: Invocation, command: Command) -> Outcome:
    assert isinstance(command, Deployed)
    with deps.db.unit_of_work() as session:
        plan = revisits.mark_deployed(
            session=session,
            catalogs=deps.catalogs,
            team_id=who.team_id,
            channel_id=who.channel_id,
            user_id=who.user_id,
            name=command.name,
            on=command.on,
            now=_now(deps),
        )
    design, design_id = plan.design, _id(plan.design.id)
    reply = blocks.notice(
        "deployed.j2",
        name=design.name,
        deployed_at=design.deployed_at,
        owner=design.started_by,
        revisits=plan.open_revisits,
        next_nudge=plan.next_due,
    )

    def after() -> None:
        deps.outbox.publish(who.team_id, design_id)
        deps.outbox.learn_owner_timezone(who.team_id, design_id)

    return reply, after


def _remind(deps: Recording, who: Invocation, command: Command) -> Outcome:
    assert isinstance(command, Remind)
    setting = parse_reminder(command.setting)
    with deps.db.unit_of_work() as session:
        plan = revisits.set_reminders(
            session=session,
            catalogs=deps.catalogs,
            team_id=who.team_id,
            channel_id=who.channel_id,
            user_id=who.user_id,
            name=command.name,
            setting=setting,
            now=_now(deps),
        )
    design_id = _id(plan.design.id)
    reply = blocks.notice(
        "remind.j2",
        name=plan.design.name,
        off=isinstance(setting, RemindOff),
        now=isinstance(setting, RemindNow),
        every=plan.design.remind_every_days,
        next_nudge=plan.next_due,
    )

    def after() -> None:
        deps.outbox.publish(who.team_id, design_id)
        if isinstance(setting, RemindNow):
            deps.outbox.dispatch_nudges()

    return reply, after


def _owners(deps: Recording, who: Invocation, command: Command) -> Outcome:
    assert isinstance(command, Owners)
    if command.change is None:
        with deps.db.read_only() as session:
            design = designs.find_design(
                session=session, team_id=who.team_id, channel_id=who.channel_id, name=command.name
            )
            people = ownership.owners(session, design)
        return blocks.notice("owners.j2", name=design.name, owners=people, changed=None), None
    with deps.db.unit_of_work() as session:
        design, people = ownership.change_owners(
            session=session,
            team_id=who.team_id,
            channel_id=who.channel_id,
            name=command.name,
            user_id=who.user_id,
            change=command.change,
            people=command.user_ids,
            now=_now(deps),
        )
    return blocks.notice("owners.j2", name=design.name, owners=people, changed=command.change), None


def _assign(deps: Recording, who: Invocation, command: Command) -> Outcome:
    assert isinstance(command, Assign)
    with deps.db.unit_of_work() as session:
        done = ownership.assign(
            session=session,
            catalogs=deps.catalogs,
            team_id=who.team_id,
            channel_id=who.channel_id,
            name=command.name,
            user_id=who.user_id,
            target=command.target,
            assignee=command.user_id,
            now=_now(deps),
        )
    reply = blocks.notice("assigned.j2", name=done.design.name, target=done.target.title, assignee=done.user_id)
    design_id = _id(done.design.id)
    return reply, lambda: deps.outbox.publish(who.team_id, design_id)


def _review(deps: Recording, who: Invocation, command: Command) -> Outcome:
    assert isinstance(command, RequestReview)
    with deps.db.unit_of_work() as session:
        done = signoff.request_review(
            session=session,
            team_id=who.team_id,
            channel_id=who.channel_id,
            name=command.name,
            user_id=who.user_id,
            reviewers=command.user_ids,
            bot_user_id=who.bot_user_id,
            now=_now(deps),
        )
    reply = blocks.notice("review_requested.j2", name=done.design.name, reviewers=done.reviewers)
    design_id = _id(done.design.id)
    return reply, lambda: deps.outbox.publish(who.team_id, design_id)


def _changes(deps: Recording, who: Invocation, command: Command) -> Outcome:
    assert isinstance(command, Changes)
    with deps.db.read_only() as session:
        found = signoff.design_changes(
            session=session,
            catalogs=deps.catalogs,
            team_id=who.team_id,
            channel_id=who.channel_id,
            name=command.name,
            since=command.since,
            until=command.until,
        )
        reply = changes_message(found.design, deps.catalogs.of(found.design), found.since, found.changes)
    return reply, None


def _delete(deps: Recording, who: Invocation, command: Command) -> Outcome:
    """Ask first: the confirmation's buttons do the deleting (an owner's call, checked again then)."""
    assert isinstance(command, Delete)
    with deps.db.read_only() as session:
        design, answers = ownership.deletion_preview(
            session=session, team_id=who.team_id, channel_id=who.channel_id, name=command.name, user_id=who.user_id
        )
    return blocks.delete_confirmation(design, answers), None


HANDLERS: dict[type, Callable[[Recording, Invocation, Any], Outcome]] = {
    Help: _help,
    ListDesigns: _list,
    Status: _status,
    Start: _start,
    Summary: _summary,
    Export: _export,
    Deployed: _deployed,
    Remind: _remind,
    Owners: _owners,
    Delete: _delete,
    Assign: _assign,
    RequestReview: _review,
    Changes: _changes,
    Alerts: alerts_command,
}


def _now(deps: Recording) -> datetime:
    return deps.clock.now()


def _id(design_id: int | None) -> int:
    assert design_id is not None, "a stored design has an id"
    return design_id

"""Use cases of production alerts: an owner's webhook token, and a delivery from monitoring reopening decisions.

A firing alert reopens the decisions it bears on (``flows.alerts.bearing``) as revisits due now, at any hour, so the
dispatcher (``bot.outbound.nudger``), which already sends each due revisit exactly once across processes, posts them:
the database is the queue. A revisit still waiting for its outcome is asked again in the alert's message; one not sent
yet is brought forward. A resolution updates the messages that showed the alert.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from bot.usecases import ownership, revisit_schedule
from bot.usecases.catalogs import Catalogs
from bot.usecases.designs import find_design, lock_design
from flows.alerts import Alert, AlertStatus, Delivery, bearing
from flows.nudges import NudgeStatus
from flows.permissions import OwnerAction
from flows.walkthrough import chosen_in
from storage import alerts as alert_repo
from storage import answers as answer_repo
from storage import designs as design_repo
from storage import nudges as nudge_repo
from storage.models import AlertToken, Design, Nudge, ProductionAlert, stored_id

TOKEN_PREFIX = "mldesign_"  # so a secret scanner, or a person, can tell what a leaked token is


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class WebhookToken:
    """What `/mldesign alerts <name>` tells an owner: a new token (shown this once), or when the current one was
    made and by whom."""

    design: Design
    current: AlertToken
    token: str | None = None  # set only when it was just made


def webhook_token(
    *, session: Session, team_id: str, channel_id: str, user_id: str, name: str, rotate: bool, now: datetime
) -> WebhookToken:
    """The design's webhook token, made on first asking or when rotated (the old one then stops working). Owners
    only: the token lets anyone who holds it post in the design's thread."""
    design = find_design(session=session, team_id=team_id, channel_id=channel_id, name=name)
    ownership.require(session, design, user_id, OwnerAction.MANAGE_ALERTS)
    current = alert_repo.token_of(session=session, team_id=team_id, design_id=stored_id(design))
    if current is not None and not rotate:
        return WebhookToken(design=design, current=current)
    design = lock_design(session, design)
    current = alert_repo.token_of(session=session, team_id=team_id, design_id=stored_id(design))
    if current is not None and not rotate:  # another owner made it a moment ago: theirs stands
        return WebhookToken(design=design, current=current)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    current = alert_repo.replace_token(
        session=session,
        team_id=team_id,
        design_id=stored_id(design),
        token_hash=hash_token(token),
        created_by=user_id,
        now=now,
    )
    return WebhookToken(design=design, current=current, token=token)


def token_holder(*, session: Session, token: str) -> AlertToken | None:
    """Whose token a sender presented; None for a token no design has (never made, or rotated away)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return alert_repo.token_by_hash(session=session, token_hash=hash_token(token))


@dataclass
class Received:
    """What a delivery changed: the answer to the sender, and what Slack must show after the commit."""

    team_id: str
    design_id: int
    new: int = 0  # alerts not seen before (firing, or resolved before we saw them fire)
    resolved: int = 0  # alerts seen firing that are resolved now
    duplicates: int = 0  # Alertmanager resending what was already recorded
    reopened: list[str] = field(default_factory=list)  # the decisions asked again
    unknown_questions: list[str] = field(default_factory=list)  # named by a label, not revisited in this design
    redraw: list[str] = field(default_factory=list)  # nudge messages to update: a resolution, a revisit asked anew


def receive(*, session: Session, catalogs: Catalogs, holder: AlertToken, delivery: Delivery, now: datetime) -> Received:
    """Record a delivery's alerts once each and reopen what the firing ones bear on. The design's row is locked
    first, so the same delivery arriving at two processes at once is recorded by one of them."""
    received = Received(team_id=holder.team_id, design_id=holder.design_id)
    design = design_repo.get_design(
        session=session, team_id=holder.team_id, design_id=holder.design_id, for_update=True
    )
    if design is None:  # deleted since: its token went with it, so this is only a race with the delete
        return received
    revisited = _revisited(session, catalogs, design)
    # Read once for the whole delivery (a group can hold a thousand alerts, all under the design's lock).
    known = alert_repo.alerts_by_key(
        session=session, design_id=stored_id(design), keys=[(a.key, a.starts_at) for a in delivery.alerts]
    )
    waiting = {
        nudge.question_id: nudge
        for nudge in nudge_repo.open_nudges(
            session=session, team_id=design.team_id, design_id=stored_id(design), for_update=True
        )
    }
    new: list[tuple[ProductionAlert, list[int]]] = []  # stored together at the end: one round trip, not one each
    resolved: list[int] = []  # alerts seen firing before, whose messages now show them resolved
    for alert in delivery.alerts:
        found = known.get((alert.key, alert.starts_at))
        if alert.status is AlertStatus.FIRING:
            if found is not None:
                received.duplicates += 1
                continue
            row, reopened = _fire(session, design, alert, revisited, waiting, now, received)
            known[(alert.key, alert.starts_at)] = row
            new.append((row, reopened))
        elif found is None:  # it fired and ended between deliveries, or before the webhook was set up
            row = _row(design, alert, [], now, resolved=True)
            known[(alert.key, alert.starts_at)] = row
            new.append((row, []))
            received.new += 1
        elif found.resolved_at is None:
            found.resolved_at, found.ended_at = now, alert.ended_at or now
            session.add(found)
            received.resolved += 1
            if found.id is not None:  # one that fired earlier in this delivery is in no message yet
                resolved.append(found.id)
        else:
            received.duplicates += 1
    alert_repo.add_alerts(session=session, alerts=[row for row, _ in new])
    alert_repo.link_many(
        session=session, links=[(_alert_id(row), nudge_id) for row, reopened in new for nudge_id in reopened]
    )
    if received.new or received.resolved:
        design_repo.mark_changed(session=session, design=design, now=now)
    received.redraw = sorted({*received.redraw, *alert_repo.messages_of(session=session, alert_ids=resolved)})
    return received


def _revisited(session: Session, catalogs: Catalogs, design: Design) -> list[str]:
    """The design's decisions that revisits bring back and that its answers call for, in catalog order."""
    catalog = catalogs.of(design)
    answers = answer_repo.current_answers(session=session, team_id=design.team_id, design_id=stored_id(design))
    applying = {question.id for question in catalog.applicable(chosen_in(answers))}
    return [q.id for q in catalog.questions if q.revisit_after_deployment and q.id in applying]


def _fire(
    session: Session,
    design: Design,
    alert: Alert,
    revisited: list[str],
    waiting: dict[str, Nudge],
    now: datetime,
    received: Received,
) -> tuple[ProductionAlert, list[int]]:
    """A new firing alert (not stored yet) and the revisits it reopens; ``waiting``, each question's open
    revisit, is kept current for the delivery's next alerts."""
    bears = bearing(alert, revisited)
    row = _row(design, alert, list(bears.questions), now, resolved=False)
    received.new += 1
    received.unknown_questions += [name for name in bears.unknown if name not in received.unknown_questions]
    reopened: list[int] = []
    for question_id in bears.questions:
        nudge = waiting.get(question_id)
        if nudge is not None and nudge.status == NudgeStatus.SCHEDULED:
            # Not sent yet: it goes now, at any hour. A dispatcher holding it gives it up (its lease is taken
            # over, so it stands aside, and posts nothing it drew without the alert), unless its message is on
            # its way: taken over then, it would go out twice. That dispatcher keeps it, and redraws the message
            # with the alert once it is sent (a post a crash left unrecorded is found by the next dispatch).
            if nudge.claim is None or nudge.send_started_at is None:
                nudge.due_at, nudge.not_before, nudge.claim = now, None, None
            nudge.any_hour = nudge.by_alert = True
            session.add(nudge)
        else:
            if nudge is not None:  # asked already and waiting: asked again in the alert's message
                revisit_schedule.close(session, nudge, NudgeStatus.SUPERSEDED, by=None, now=now)
                if nudge.message_ts:
                    received.redraw.append(nudge.message_ts)
            nudge = revisit_schedule.add(session, design, question_id, now, by_alert=True)
            waiting[question_id] = nudge
        assert nudge.id is not None
        reopened.append(nudge.id)
        received.reopened.append(question_id)
    return row, reopened


def _row(design: Design, alert: Alert, questions: list[str], now: datetime, *, resolved: bool) -> ProductionAlert:
    return ProductionAlert(
        design_id=stored_id(design),
        team_id=design.team_id,
        fingerprint=alert.key,
        starts_at=alert.starts_at,
        name=alert.name,
        summary=alert.summary,
        link=alert.link,
        questions=questions,
        received_at=now,
        resolved_at=now if resolved else None,
        ended_at=alert.ended_at if resolved else None,
    )


def _alert_id(alert: ProductionAlert) -> int:
    assert alert.id is not None
    return alert.id

"""Production alerts: each design's webhook token, the alerts monitoring sent, and the revisits they reopened.

Callers hold the design's row lock (``storage.designs.get_design(for_update=True)``) while they look an alert up and
record it, so two processes given the same delivery at once record it once: the second waits, then finds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session, col, select

from storage.models import AlertNudge, AlertToken, Nudge, ProductionAlert


def token_by_hash(*, session: Session, token_hash: str) -> AlertToken | None:
    """The token row a sender's secret hashes to (any workspace: the secret alone names the design)."""
    return session.exec(select(AlertToken).where(AlertToken.token_hash == token_hash)).first()


def token_of(*, session: Session, team_id: str, design_id: int) -> AlertToken | None:
    return session.exec(
        select(AlertToken).where(AlertToken.team_id == team_id, AlertToken.design_id == design_id)
    ).first()


def replace_token(
    *, session: Session, team_id: str, design_id: int, token_hash: str, created_by: str, now: datetime
) -> AlertToken:
    """The design's one token from now on; the one before stops working in the same commit."""
    row = token_of(session=session, team_id=team_id, design_id=design_id)
    if row is None:
        row = AlertToken(design_id=design_id, team_id=team_id, token_hash=token_hash, created_by=created_by)
    row.token_hash, row.created_by, row.created_at = token_hash, created_by, now
    session.add(row)
    session.flush()
    return row


def alerts_by_key(
    *, session: Session, design_id: int, keys: Sequence[tuple[str, datetime]]
) -> dict[tuple[str, datetime], ProductionAlert]:
    """The design's alerts among these (fingerprint, start) pairs, in one query."""
    if not keys:
        return {}
    wanted = set(keys)
    rows = session.exec(
        select(ProductionAlert).where(
            ProductionAlert.design_id == design_id,
            col(ProductionAlert.fingerprint).in_(sorted({fingerprint for fingerprint, _ in keys})),
            col(ProductionAlert.starts_at).in_(sorted({starts_at for _, starts_at in keys})),
        )
    ).all()
    return {(row.fingerprint, row.starts_at): row for row in rows if (row.fingerprint, row.starts_at) in wanted}


def add_alerts(*, session: Session, alerts: Sequence[ProductionAlert]) -> None:
    """Store many alerts in one round trip (a delivery's), ids and all."""
    session.add_all(alerts)
    session.flush()


def link_many(*, session: Session, links: Sequence[tuple[int, int]]) -> None:
    """Record (alert, revisit) pairs, each once, in one statement."""
    rows = [{"alert_id": alert_id, "nudge_id": nudge_id} for alert_id, nudge_id in dict.fromkeys(links)]
    if rows:
        session.connection().execute(insert(AlertNudge), rows)


def alerts_of_nudges(*, session: Session, nudge_ids: Sequence[int]) -> dict[int, list[ProductionAlert]]:
    """The alerts that reopened each of these revisits, oldest first; revisits no alert reopened are left out."""
    if not nudge_ids:
        return {}
    rows = session.exec(
        select(AlertNudge.nudge_id, ProductionAlert)
        .join(ProductionAlert, col(ProductionAlert.id) == col(AlertNudge.alert_id))
        .where(col(AlertNudge.nudge_id).in_(nudge_ids))
        .order_by(col(ProductionAlert.starts_at), col(ProductionAlert.id))
    ).all()
    found: dict[int, list[ProductionAlert]] = {}
    for nudge_id, alert in rows:
        found.setdefault(nudge_id, []).append(alert)
    return found


def messages_of(*, session: Session, alert_ids: Sequence[int]) -> list[str]:
    """The nudge messages that show these alerts, in one query (a revisit not sent yet has none)."""
    if not alert_ids:
        return []
    rows = session.exec(
        select(Nudge.message_ts)
        .join(AlertNudge, col(AlertNudge.nudge_id) == col(Nudge.id))
        .where(col(AlertNudge.alert_id).in_(alert_ids), col(Nudge.message_ts).is_not(None))
        .distinct()
    ).all()
    return sorted(ts for ts in rows if ts)


def recent_alerts(*, session: Session, team_id: str, design_id: int, limit: int = 10) -> Sequence[ProductionAlert]:
    """A design's latest alerts, newest first: the design document lists them."""
    return session.exec(
        select(ProductionAlert)
        .where(ProductionAlert.team_id == team_id, ProductionAlert.design_id == design_id)
        .order_by(col(ProductionAlert.starts_at).desc(), col(ProductionAlert.id).desc())
        .limit(limit)
    ).all()

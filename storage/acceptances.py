"""Review findings accepted by an owner: appended, never changed, read back as a design's history of them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session, col, select

from storage.models import FindingAcceptance


def accept(
    *,
    session: Session,
    team_id: str,
    design_id: int,
    rule_id: str,
    rationale: str,
    by: str,
    until: date,
    now: datetime,
) -> FindingAcceptance:
    acceptance = FindingAcceptance(
        design_id=design_id,
        team_id=team_id,
        rule_id=rule_id,
        rationale=rationale,
        accepted_by=by,
        accepted_at=now,
        until=until,
    )
    session.add(acceptance)
    session.flush()
    return acceptance


def of_design(*, session: Session, team_id: str, design_id: int) -> list[FindingAcceptance]:
    """Every acceptance the design has had, oldest first (``flows.acceptance.holding`` picks those that hold)."""
    return list(
        session.exec(
            select(FindingAcceptance)
            .where(FindingAcceptance.team_id == team_id, FindingAcceptance.design_id == design_id)
            .order_by(col(FindingAcceptance.id))
        ).all()
    )


def of_designs(*, session: Session, team_id: str, design_ids: Sequence[int]) -> dict[int, list[FindingAcceptance]]:
    """The same for several designs of one workspace in one query (every id present)."""
    found: dict[int, list[FindingAcceptance]] = {design_id: [] for design_id in design_ids}
    if not design_ids:
        return found
    rows = session.exec(
        select(FindingAcceptance)
        .where(FindingAcceptance.team_id == team_id, col(FindingAcceptance.design_id).in_(design_ids))
        .order_by(col(FindingAcceptance.id))
    ).all()
    for row in rows:
        found[row.design_id].append(row)
    return found

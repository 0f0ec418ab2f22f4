"""How far the looks for posts a crash left unrecorded have read (``PostLookup``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import delete
from sqlmodel import Session, col, select

from storage.models import PostLookup


def progress(*, session: Session, team_id: str, design_id: int, keys: Iterable[str]) -> dict[str, str]:
    """key → the Slack ts a look for that post has read up to, for the keys that have one."""
    wanted = list(keys)
    rows = session.exec(
        select(PostLookup.key, PostLookup.looked_up_to).where(
            PostLookup.team_id == team_id, PostLookup.design_id == design_id, col(PostLookup.key).in_(wanted)
        )
    ).all()
    return dict(rows)


def save_progress(*, session: Session, team_id: str, design_id: int, looked_up_to: Mapping[str, str]) -> None:
    """Remember how far each look has read, replacing what was remembered."""
    forget(session=session, team_id=team_id, design_id=design_id, keys=looked_up_to)
    for key, ts in looked_up_to.items():
        session.add(PostLookup(design_id=design_id, key=key, team_id=team_id, looked_up_to=ts))


def forget(*, session: Session, team_id: str, design_id: int, keys: Iterable[str]) -> None:
    """The looks are settled (the post was found, or is known never to have gone out)."""
    wanted = list(keys)
    if wanted:
        session.exec(  # type: ignore[call-overload]
            delete(PostLookup).where(
                col(PostLookup.team_id) == team_id,
                col(PostLookup.design_id) == design_id,
                col(PostLookup.key).in_(wanted),
            )
        )

"""The catalog versions designs were started with. Catalogs belong to the deployment, not to a workspace,
so these are the only queries without a team id: they hold questions, never a team's answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from storage.models import CatalogVersion


def get_catalog_version(*, session: Session, catalog_id: str, version: int) -> CatalogVersion | None:
    return session.exec(
        select(CatalogVersion).where(CatalogVersion.catalog_id == catalog_id, CatalogVersion.version == version)
    ).first()


def keep_catalog_version(
    *, session: Session, catalog_id: str, version: int, digest: str, content: dict[str, Any]
) -> CatalogVersion:
    """Store a version the first time it is used and return what is stored (another process may have been
    first, so the caller compares digests)."""
    stored = get_catalog_version(session=session, catalog_id=catalog_id, version=version)
    if stored is not None:
        return stored
    row = CatalogVersion(catalog_id=catalog_id, version=version, digest=digest, content=content)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = get_catalog_version(session=session, catalog_id=catalog_id, version=version)
        assert found is not None
        return found
    return row

"""Which questions a design asks: the catalog and version it was started with, kept in the database, so a
team that changes ``MLDESIGN_CATALOG`` never breaks a design in progress or its summary."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from sqlalchemy import Engine

from flows.catalog import Catalog, CatalogError
from storage import catalogs as catalog_repo
from storage.engine import read_scope, session_scope

logger = logging.getLogger(__name__)


class HasCatalog(Protocol):
    catalog_id: str
    catalog_version: int


class Catalogs:
    """The configured catalog for new designs, and every stored version for the designs started with it."""

    def __init__(self, *, engine: Engine, current: Catalog) -> None:
        self._engine = engine
        self.current = current
        self._known: dict[tuple[str, int], Catalog] = {(current.id, current.version): current}
        self._lock = threading.Lock()

    def keep_current(self) -> None:
        """Store the configured catalog's version at start; refuse one whose questions changed under the same
        version, since designs started with the old questions would silently read the new ones."""
        catalog = self.current
        with session_scope(self._engine) as session:
            stored = catalog_repo.keep_catalog_version(
                session=session,
                catalog_id=catalog.id,
                version=catalog.version,
                digest=catalog.digest,
                content=catalog.model_dump(mode="json"),
            )
            digest = stored.digest
        if digest != catalog.digest:
            raise CatalogError(
                f"MLDESIGN_CATALOG: catalog {catalog.id!r} version {catalog.version} is already in use with other "
                f"questions; give the changed catalog a new version."
            )

    def of(self, design: HasCatalog) -> Catalog:
        """The catalog a design was started with (the configured one if that version was never stored)."""
        key = (design.catalog_id, design.catalog_version)
        found = self._known.get(key)
        if found is not None:
            return found
        with read_scope(self._engine) as session:
            stored = catalog_repo.get_catalog_version(session=session, catalog_id=key[0], version=key[1])
            content = None if stored is None else stored.content
        if content is None:
            logger.warning("catalog %s version %s is not stored; using the configured one", *key)
            return self.current
        catalog = Catalog.model_validate(content)
        with self._lock:
            return self._known.setdefault(key, catalog)

"""Where installs are kept when mldesign is distributed (OAuth): slack_sdk's own SQLAlchemy installation and
OAuth state stores, in mldesign's database. Their tables are declared on SQLModel's metadata, so the
migrations create and check them like any other table."""

from __future__ import annotations

from datetime import UTC, datetime

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, delete
from sqlmodel import Session, SQLModel

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"
OAUTH_STATE_SECONDS = 600

installations_table = SQLAlchemyInstallationStore.build_installations_table(SQLModel.metadata, INSTALLATIONS_TABLE)
bots_table = SQLAlchemyInstallationStore.build_bots_table(SQLModel.metadata, BOTS_TABLE)
oauth_states_table = SQLAlchemyOAuthStateStore.build_oauth_states_table(SQLModel.metadata, OAUTH_STATES_TABLE)


def installation_store(*, engine: Engine, client_id: str) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(
        client_id=client_id,
        engine=engine,
        bots_table_name=BOTS_TABLE,
        installations_table_name=INSTALLATIONS_TABLE,
    )


def oauth_state_store(*, engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=OAUTH_STATE_SECONDS, engine=engine, table_name=OAUTH_STATES_TABLE
    )


def prune_expired_states(*, session: Session, now: datetime) -> None:
    """Forget the OAuth states nobody came back with: slack_sdk deletes a state only when it is used, and each
    visit to the install page stores one. Its column holds naive UTC times."""
    expired = oauth_states_table.c.expire_at < now.astimezone(UTC).replace(tzinfo=None)
    session.execute(delete(oauth_states_table).where(expired))

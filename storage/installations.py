"""Where installs are kept when mldesign is distributed (OAuth): slack_sdk's own SQLAlchemy installation and
OAuth state stores, in mldesign's database. Their tables are declared on SQLModel's metadata, so the
migrations create and check them like any other table.

Every token (bot, user, refresh) and the incoming webhook URL are encrypted at rest with Fernet (AES-128-CBC and
HMAC-SHA256, from ``cryptography``) under the keys in MLDESIGN_TOKEN_KEYS: a copy of the database, a backup or a
leaked dump holds no credential that works in Slack without the key. The first key encrypts; the others only
decrypt, so a key is rotated by putting a new one first and running `mldesign keys rotate`, which also encrypts
any value an older mldesign wrote in clear.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Column, Connection, Dialect, Engine, String, Table, Text, delete, desc, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.types import TypeDecorator
from sqlmodel import Session, SQLModel

logger = logging.getLogger(__name__)

if TYPE_CHECKING:  # cryptography is imported where tokens are handled: a single-token install never needs it
    from cryptography.fernet import MultiFernet

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
OAUTH_STATES_TABLE = "slack_oauth_states"
ORG_TEAMS_TABLE = "slack_org_teams"
OAUTH_STATE_SECONDS = 600
# What in slack_sdk's tables would let someone act in Slack: kept encrypted, in text columns wide enough for it.
SECRET_COLUMNS = {
    INSTALLATIONS_TABLE: ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token", "incoming_webhook_url"),
    BOTS_TABLE: ("bot_token", "bot_refresh_token"),
}
# Every Fernet token begins with its version byte, 0x80, which base64 writes as "gAAAAA"; no Slack token does.
ENCRYPTED_PREFIX = "gAAAAA"


def _with_secret_columns(table: Table, column_type: Any) -> Table:
    for name in SECRET_COLUMNS[table.name]:
        table.c[name].type = column_type
    return table


# The tables as the migrations build them: secrets as text (a token's ciphertext is about three times its length).
installations_table = _with_secret_columns(
    SQLAlchemyInstallationStore.build_installations_table(SQLModel.metadata, INSTALLATIONS_TABLE), Text()
)
bots_table = _with_secret_columns(SQLAlchemyInstallationStore.build_bots_table(SQLModel.metadata, BOTS_TABLE), Text())
oauth_states_table = SQLAlchemyOAuthStateStore.build_oauth_states_table(SQLModel.metadata, OAUTH_STATES_TABLE)
# Which organization's org-wide install serves a workspace: Slack stores such an install under the organization
# alone (no team), while mldesign's work is per workspace. Learned from the workspace's requests.
org_teams_table = Table(
    ORG_TEAMS_TABLE,
    SQLModel.metadata,
    Column("team_id", String(32), primary_key=True),
    Column("enterprise_id", String(32), nullable=False, index=True),
)


class UnreadableToken(Exception):
    """A stored token that none of the configured keys decrypts: the key it was encrypted with was removed."""


def token_cipher(keys: Sequence[str]) -> MultiFernet:
    """The cipher for MLDESIGN_TOKEN_KEYS: the first key encrypts, every key decrypts."""
    from cryptography.fernet import Fernet, MultiFernet

    return MultiFernet([Fernet(key) for key in keys])


def new_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


class EncryptedText(TypeDecorator[str]):
    """A text column whose values are Fernet-encrypted on the way in and decrypted on the way out."""

    impl = Text
    cache_ok = True

    def __init__(self, cipher: MultiFernet) -> None:
        super().__init__()
        self.cipher = cipher

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else self.cipher.encrypt(value.encode()).decode()

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        """The stored value decrypted; one still in clear (written by an older mldesign during a rolling upgrade,
        say) is read as it is, and `mldesign keys rotate` encrypts it."""
        from cryptography.fernet import InvalidToken

        if value is None or not value.startswith(ENCRYPTED_PREFIX):
            return value
        try:
            return self.cipher.decrypt(value.encode()).decode()
        except InvalidToken:
            raise UnreadableToken(
                "a stored Slack token can't be decrypted with MLDESIGN_TOKEN_KEYS: put back the key it was "
                "encrypted with (after the new one) and run `mldesign keys rotate`"
            ) from None


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """slack_sdk's installation store, reading and writing the same tables with their secrets encrypted."""

    def __init__(self, *, client_id: str, engine: Engine, cipher: MultiFernet) -> None:
        super().__init__(
            client_id=client_id, engine=engine, bots_table_name=BOTS_TABLE, installations_table_name=INSTALLATIONS_TABLE
        )
        # The store built its own copy of the tables; the same ones, with encrypting secret columns.
        _with_secret_columns(self.installations, EncryptedText(cipher))
        _with_secret_columns(self.bots, EncryptedText(cipher))

    def find_team_bot(self, team_id: str) -> Bot | None:
        """The bot token that serves a workspace: its own install (in an Enterprise Grid organization or not),
        else the org-wide install of the organization it belongs to."""
        c = self.bots.c
        own = (
            select(c.enterprise_id)
            .where(c.client_id == self.client_id, c.team_id == team_id, c.bot_token.is_not(None))
            .order_by(desc(c.installed_at))
            .limit(1)
        )
        org = select(org_teams_table.c.enterprise_id).where(org_teams_table.c.team_id == team_id)
        with self.engine.connect() as connection:
            installed = connection.execute(own).first()
            enterprise_id = connection.execute(org).scalar_one_or_none()
        if installed is not None:
            return self.find_bot(enterprise_id=installed.enterprise_id, team_id=team_id)
        if enterprise_id is not None:
            return self.find_bot(enterprise_id=enterprise_id, team_id=None, is_enterprise_install=True)
        return None

    def remember_org_team(self, team_id: str, enterprise_id: str) -> None:
        """A workspace is served by its organization's org-wide install."""
        table = org_teams_table
        with self.engine.begin() as connection:
            changed = connection.execute(
                update(table).where(table.c.team_id == team_id).values(enterprise_id=enterprise_id)
            ).rowcount
            if not changed:
                try:
                    with connection.begin_nested():
                        connection.execute(table.insert().values(team_id=team_id, enterprise_id=enterprise_id))
                except IntegrityError:
                    pass  # another process remembered it at the same moment

    def forget_org_team(self, team_id: str) -> None:
        """A workspace's data is gone (its grace period over): so is which organization served it."""
        with self.engine.begin() as connection:
            connection.execute(delete(org_teams_table).where(org_teams_table.c.team_id == team_id))

    def org_teams(self, enterprise_id: str) -> list[str]:
        """The workspaces known to be served by an organization's org-wide install."""
        query = select(org_teams_table.c.team_id).where(org_teams_table.c.enterprise_id == enterprise_id)
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())


def installation_store(*, engine: Engine, client_id: str, cipher: MultiFernet) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(client_id=client_id, engine=engine, cipher=cipher)


def oauth_state_store(*, engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=OAUTH_STATE_SECONDS, engine=engine, table_name=OAUTH_STATES_TABLE
    )


def count_live_states(*, session: Session, now: datetime) -> int:
    """How many installs are under way: OAuth states issued and not yet used or expired."""
    live = oauth_states_table.c.expire_at >= now.astimezone(UTC).replace(tzinfo=None)
    return session.execute(select(func.count()).select_from(oauth_states_table).where(live)).scalar_one()


def prune_expired_states(*, session: Session, now: datetime) -> None:
    """Forget the OAuth states nobody came back with: slack_sdk deletes a state only when it is used, and each
    visit to the install page stores one. Its column holds naive UTC times."""
    expired = oauth_states_table.c.expire_at < now.astimezone(UTC).replace(tzinfo=None)
    session.execute(delete(oauth_states_table).where(expired))


def count_clear_secrets(connection: Connection) -> int:
    """How many stored secrets are not encrypted (written before encryption, by an older mldesign)."""
    return sum(
        1
        for table in (installations_table, bots_table)
        for row in connection.execute(select(*(table.c[name] for name in SECRET_COLUMNS[table.name])))
        for value in row
        if value is not None and not value.startswith(ENCRYPTED_PREFIX)
    )


Transform = Callable[[str], str]


def reencrypt_secrets(connection: Connection, transform: Transform) -> int:
    """Apply ``transform`` to every stored secret (encrypt, rotate, decrypt); how many values changed."""
    changed = 0
    for table in (installations_table, bots_table):
        names = SECRET_COLUMNS[table.name]
        for row in connection.execute(select(table.c.id, *(table.c[name] for name in names))).all():
            values = {name: transform(value) for name, value in zip(names, row[1:], strict=True) if value is not None}
            changes = {name: value for name, value in values.items() if value != getattr(row, name)}
            if changes:
                connection.execute(update(table).where(table.c.id == row.id).values(**changes))
                changed += len(changes)
    return changed


def encrypt_clear(cipher: MultiFernet) -> Transform:
    """A transform that encrypts what is still in clear and leaves what is encrypted."""
    return lambda value: value if value.startswith(ENCRYPTED_PREFIX) else cipher.encrypt(value.encode()).decode()


def rotate_to_first_key(cipher: MultiFernet) -> Transform:
    """A transform that re-encrypts a value with the first key (after a new key was put first), and encrypts one
    still in clear."""
    from cryptography.fernet import InvalidToken

    def rotate(value: str) -> str:
        if not value.startswith(ENCRYPTED_PREFIX):
            return cipher.encrypt(value.encode()).decode()
        try:
            return cipher.rotate(value.encode()).decode()
        except InvalidToken:
            raise UnreadableToken(
                "a stored Slack token can't be decrypted with MLDESIGN_TOKEN_KEYS: keep the old key after the new "
                "one until `mldesign keys rotate` has run"
            ) from None

    return rotate


def rotate_tokens(*, engine: Engine, cipher: MultiFernet) -> int:
    """Re-encrypt every stored secret with the first key, in one transaction; how many were rewritten."""
    with engine.begin() as connection:
        return reencrypt_secrets(connection, rotate_to_first_key(cipher))


def check_readable(*, engine: Engine, cipher: MultiFernet) -> None:
    """Fail (UnreadableToken) if the configured keys can't decrypt every stored secret; at start-up, so a removed
    key is one line then, not a failed request later. Secrets still in clear are named in a warning."""
    decrypt = EncryptedText(cipher).process_result_value
    with engine.connect() as connection:
        for table in (installations_table, bots_table):
            for row in connection.execute(select(*(table.c[name] for name in SECRET_COLUMNS[table.name]))):
                for value in row:
                    decrypt(value, connection.dialect)
        clear = count_clear_secrets(connection)
    if clear:
        logger.warning("%d stored Slack tokens are in clear: `mldesign keys rotate` encrypts them", clear)

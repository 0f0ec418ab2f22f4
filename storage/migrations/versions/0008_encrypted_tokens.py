"""Slack tokens encrypted at rest: their columns widened to text, and the tokens stored in clear encrypted with
the first key of MLDESIGN_TOKEN_KEYS (which `mldesign db upgrade` hands over; see storage.installations).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from storage.installations import (
    ENCRYPTED_PREFIX,
    SECRET_COLUMNS,
    EncryptedText,
    UnreadableToken,
    count_clear_secrets,
    encrypt_clear,
    reencrypt_secrets,
)
from storage.schema import SchemaError

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEEDS_KEYS = (
    "{count} Slack tokens are stored in clear; set MLDESIGN_TOKEN_KEYS (make a key with `mldesign keys new`) "
    "and run `mldesign db upgrade` again to encrypt them"
)


def upgrade() -> None:
    for table, columns in SECRET_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=sa.String(length=200), type_=sa.Text())
    connection = op.get_bind()
    cipher = context.config.attributes.get("token_cipher")
    if cipher is None:
        clear = count_clear_secrets(connection)
        if clear:
            raise SchemaError(NEEDS_KEYS.format(count=clear))
        return
    reencrypt_secrets(connection, encrypt_clear(cipher))


def downgrade() -> None:
    connection = op.get_bind()
    cipher = context.config.attributes.get("token_cipher")
    if cipher is None:
        stored = count_encrypted(connection)
        if stored:
            raise SchemaError(f"{stored} Slack tokens are encrypted; set MLDESIGN_TOKEN_KEYS to decrypt them first")
    else:
        read = EncryptedText(cipher).process_result_value
        try:
            reencrypt_secrets(connection, lambda value: read(value, connection.dialect) or value)
        except UnreadableToken as error:
            raise SchemaError(f"MLDESIGN_TOKEN_KEYS: {error}") from None
    for table, columns in SECRET_COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.String(length=200))


def count_encrypted(connection: sa.Connection) -> int:
    tables = sa.MetaData()
    found = 0
    for name, columns in SECRET_COLUMNS.items():
        table = sa.Table(name, tables, *(sa.Column(column, sa.Text()) for column in columns))
        for row in connection.execute(sa.select(*table.c)):
            found += sum(1 for value in row if value is not None and value.startswith(ENCRYPTED_PREFIX))
    return found

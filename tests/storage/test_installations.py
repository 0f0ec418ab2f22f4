"""Workspaces' tokens at rest: encrypted in the database, read back through slack_sdk's store, encrypted in place
when an older database is migrated, re-encrypted when a key is rotated, and refused loudly by a wrong key."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import Engine, insert, select, text

from storage import schema
from storage.engine import make_engine
from storage.installations import (
    BOTS_TABLE,
    INSTALLATIONS_TABLE,
    SECRET_COLUMNS,
    UnreadableToken,
    bots_table,
    check_readable,
    installation_store,
    installations_table,
    new_key,
    rotate_tokens,
    token_cipher,
)

BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
REFRESH_TOKEN = "xoxe-1-My0xLTEyMzQ1Njc4OTAtMTIzNDU2Nzg5MC1hYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3ODk"
KEY, OTHER_KEY = new_key(), new_key()


def raw(engine: Engine, table: str, column: str) -> list[str | None]:
    """A column as it is in the database, read with plain SQL."""
    with engine.connect() as connection:
        return [value for (value,) in connection.execute(text(f"SELECT {column} FROM {table} ORDER BY id"))]


USER_TOKEN = "xoxp-1234567890-0987654321-1122334455-aabbccddeeff00112233445566778899"
WEBHOOK = "https://hooks.slack.com/services/T0ONE/B0HOOK/abcdefghijklmnopqrstuvwx"


def installation(team_id: str = "T0ONE", bot_token: str = BOT_TOKEN) -> Installation:
    return Installation(
        app_id="A0APP",
        team_id=team_id,
        user_id="U0ALICE",
        user_token=USER_TOKEN,
        user_refresh_token=REFRESH_TOKEN,
        incoming_webhook_url=WEBHOOK,
        bot_token=bot_token,
        bot_refresh_token=REFRESH_TOKEN,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write",
        installed_at=datetime(2026, 12, 1, 10, 0).timestamp(),
    )


def test_a_saved_installation_is_encrypted_in_its_rows_and_read_back_in_clear(engine):
    store = installation_store(engine=engine, client_id="C1", cipher=token_cipher([KEY]))

    store.save(installation())

    for table, columns in SECRET_COLUMNS.items():
        for column in columns:
            (stored,) = raw(engine, table, column)
            assert stored is not None and stored.startswith("gAAAAA"), (table, column)
            assert not {BOT_TOKEN, REFRESH_TOKEN, USER_TOKEN, WEBHOOK} & {stored}
    (refresh,) = raw(engine, BOTS_TABLE, "bot_refresh_token")
    assert refresh is not None and len(refresh) > 200  # wider than slack_sdk's own columns
    bot = store.find_bot(enterprise_id=None, team_id="T0ONE")
    found = store.find_installation(enterprise_id=None, team_id="T0ONE", user_id="U0ALICE")
    assert bot is not None and (bot.bot_token, bot.bot_refresh_token) == (BOT_TOKEN, REFRESH_TOKEN)
    assert found is not None
    assert (found.bot_token, found.user_token, found.incoming_webhook_url) == (BOT_TOKEN, USER_TOKEN, WEBHOOK)


def test_an_installation_saved_again_is_updated_encrypted(engine):
    """A token refresh saves the same installation again: slack_sdk updates its row in place."""
    store = installation_store(engine=engine, client_id="C1", cipher=token_cipher([KEY]))
    store.save(installation())

    store.save(installation(bot_token="xoxb-refreshed-token-0000000000"))

    assert len(raw(engine, BOTS_TABLE, "bot_token")) == 1
    (stored,) = raw(engine, BOTS_TABLE, "bot_token")
    assert stored is not None and stored.startswith("gAAAAA") and "refreshed" not in stored
    bot = store.find_bot(enterprise_id=None, team_id="T0ONE")
    assert bot is not None and bot.bot_token == "xoxb-refreshed-token-0000000000"


def test_a_token_written_in_clear_by_an_older_release_still_works_and_rotating_encrypts_it(engine, caplog):
    """During a rolling upgrade an old process may still save an install in clear."""
    with engine.begin() as connection:
        connection.execute(
            insert(bots_table),
            [
                {
                    "client_id": "C1",
                    "app_id": "A0",
                    "team_id": "T0OLD",
                    "bot_token": BOT_TOKEN,
                    "installed_at": datetime.now(),
                }
            ],
        )
    store = installation_store(engine=engine, client_id="C1", cipher=token_cipher([KEY]))

    with caplog.at_level(logging.WARNING, logger="storage.installations"):
        check_readable(engine=engine, cipher=token_cipher([KEY]))
    bot = store.find_bot(enterprise_id=None, team_id="T0OLD")
    rotated = rotate_tokens(engine=engine, cipher=token_cipher([KEY]))

    assert "1 stored Slack tokens are in clear: `mldesign keys rotate` encrypts them" in caplog.text
    assert bot is not None and bot.bot_token == BOT_TOKEN
    assert rotated == 1
    (stored,) = raw(engine, BOTS_TABLE, "bot_token")
    assert stored is not None and stored.startswith("gAAAAA")


def test_a_store_with_only_another_key_refuses_to_read_the_tokens(engine):
    installation_store(engine=engine, client_id="C1", cipher=token_cipher([KEY])).save(installation())
    stranger = installation_store(engine=engine, client_id="C1", cipher=token_cipher([OTHER_KEY]))

    with pytest.raises(UnreadableToken, match="put back the key it was encrypted with"):
        stranger.find_bot(enterprise_id=None, team_id="T0ONE")
    with pytest.raises(UnreadableToken):
        check_readable(engine=engine, cipher=token_cipher([OTHER_KEY]))
    check_readable(engine=engine, cipher=token_cipher([OTHER_KEY, KEY]))  # the old key still decrypts


def test_rotating_re_encrypts_every_token_with_the_new_key_so_the_old_one_can_go(engine):
    installation_store(engine=engine, client_id="C1", cipher=token_cipher([KEY])).save(installation())
    before = raw(engine, BOTS_TABLE, "bot_token")

    rotated = rotate_tokens(engine=engine, cipher=token_cipher([OTHER_KEY, KEY]))

    assert rotated == 7  # every secret column: five of the installation's, two of the bot's
    assert raw(engine, BOTS_TABLE, "bot_token") != before
    check_readable(engine=engine, cipher=token_cipher([OTHER_KEY]))
    bot = installation_store(engine=engine, client_id="C1", cipher=token_cipher([OTHER_KEY])).find_bot(
        enterprise_id=None, team_id="T0ONE"
    )
    assert bot is not None and bot.bot_token == BOT_TOKEN


def seed_clear_tokens(url: str) -> Engine:
    """A database at the last schema before encryption, holding an install's tokens in clear."""
    schema.upgrade(url, "0007")
    engine = make_engine(url)
    row = {
        "client_id": "C1",
        "app_id": "A0APP",
        "team_id": "T0ONE",
        "bot_token": BOT_TOKEN,
        "installed_at": datetime.now(),
    }
    with engine.begin() as connection:
        connection.execute(insert(installations_table), [row | {"user_id": "U0ALICE", "is_enterprise_install": False}])
        connection.execute(insert(bots_table), [row | {"is_enterprise_install": False}])
    return engine


def test_migrating_an_older_database_encrypts_the_tokens_it_holds(empty_database_url):
    engine = seed_clear_tokens(empty_database_url)

    assert schema.upgrade(empty_database_url, token_cipher=token_cipher([KEY])) == schema.head()

    for table in (INSTALLATIONS_TABLE, BOTS_TABLE):
        (stored,) = raw(engine, table, "bot_token")
        assert stored is not None and stored.startswith("gAAAAA")
    bot = installation_store(engine=engine, client_id="C1", cipher=token_cipher([KEY])).find_bot(
        enterprise_id=None, team_id="T0ONE"
    )
    assert bot is not None and bot.bot_token == BOT_TOKEN

    schema.downgrade(empty_database_url, "0007", token_cipher=token_cipher([KEY]))  # a rollback to the release before
    assert raw(engine, BOTS_TABLE, "bot_token") == [BOT_TOKEN]
    engine.dispose()


def test_migrating_clear_tokens_without_a_key_stops_and_changes_nothing(empty_database_url):
    engine = seed_clear_tokens(empty_database_url)

    with pytest.raises(schema.SchemaError) as refused:
        schema.upgrade(empty_database_url)

    assert str(refused.value) == (
        "2 Slack tokens are stored in clear; set MLDESIGN_TOKEN_KEYS (make a key with `mldesign keys new`) "
        "and run `mldesign db upgrade` again to encrypt them"
    )
    assert schema.current(engine) == "0007"
    assert raw(engine, BOTS_TABLE, "bot_token") == [BOT_TOKEN]
    with engine.connect() as connection:
        assert connection.execute(select(bots_table.c.team_id)).scalars().all() == ["T0ONE"]
    engine.dispose()


def grid_installation(*, team_id: str | None, enterprise_id: str, bot_token: str, org_wide: bool) -> Installation:
    return Installation(
        app_id="A0APP",
        enterprise_id=enterprise_id,
        team_id=team_id,
        user_id="U0ALICE",
        bot_token=bot_token,
        bot_id="B0BOT",
        bot_user_id="U0BOT",
        bot_scopes="commands,chat:write",
        is_enterprise_install=org_wide,
        installed_at=datetime(2026, 12, 1, 10, 0).timestamp(),
    )


def test_a_workspace_finds_its_own_grid_install_and_else_its_organizations_org_wide_one(engine):
    store = installation_store(engine=engine, client_id="C1", cipher=token_cipher([KEY]))
    store.save(grid_installation(team_id="T0ML", enterprise_id="E0ACME", bot_token="xoxb-ml", org_wide=False))
    store.save(grid_installation(team_id=None, enterprise_id="E0ACME", bot_token="xoxb-acme", org_wide=True))

    before = store.find_team_bot("T0SALES")
    store.remember_org_team("T0SALES", "E0ACME")
    store.remember_org_team("T0SALES", "E0ACME")  # a second process learns it too

    own, served = store.find_team_bot("T0ML"), store.find_team_bot("T0SALES")
    assert own is not None and own.bot_token == "xoxb-ml", "a workspace's own install wins"
    assert before is None, "an org-wide install serves only the workspaces it was seen serving"
    assert served is not None and served.bot_token == "xoxb-acme"
    assert store.org_teams("E0ACME") == ["T0SALES"]
    store.forget_org_team("T0SALES")
    assert store.find_team_bot("T0SALES") is None and store.find_team_bot("T0UNKNOWN") is None

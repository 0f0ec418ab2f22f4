"""Start-up problems end in one line naming the setting, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.base.settings import Settings
from bot.cli import main
from sandbox import FakeSlack
from storage import schema

SLACK_VARIABLES = (
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "MLDESIGN_CATALOG",
    "MLDESIGN_TOKEN_KEYS",
)
SIGNING_SECRET = "cli-signing-secret-0123456789abcdef"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env file here
    for name in SLACK_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("command", "environment", "message"),
    [
        ("serve", {}, "mldesign: SLACK_BOT_TOKEN is not set"),
        ("serve", {"SLACK_BOT_TOKEN": "xoxb-1"}, "mldesign: SLACK_SIGNING_SECRET is not set"),
        ("socket", {"SLACK_BOT_TOKEN": "xoxb-1"}, "mldesign: SLACK_APP_TOKEN is not set"),
        (
            "serve",
            {"SLACK_API_URL": "https://slack.com/api"},
            "mldesign: SLACK_API_URL is invalid: must be",
        ),
        ("serve", {"PORT": "http"}, "mldesign: PORT is invalid"),
        (
            "serve",
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"},
            "mldesign: SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set",
        ),
        ("serve", {"SLACK_CLIENT_ID": "1.2"}, "mldesign: SLACK_CLIENT_SECRET is not set"),
        (
            "serve",
            {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"},
            "mldesign: MLDESIGN_TOKEN_KEYS is not set; distribution keeps each workspace's token in the database, "
            "encrypted with it: make a key with `mldesign keys new`",
        ),
        (
            "serve",
            {"MLDESIGN_TOKEN_KEYS": "pYQ3cW0iJ9d7vG2Kx8n1u5ZtT4aRbL6mE0sHqFjNwCk=, not-a-key"},
            "mldesign: MLDESIGN_TOKEN_KEYS is invalid: key 2 is not a Fernet key; `mldesign keys new` makes one",
        ),
        ("serve", {"LOG_FORMAT": "xml"}, "mldesign: LOG_FORMAT is invalid"),
        ("serve", {"SLACK_SIGNING_SECRET": ""}, "mldesign: SLACK_SIGNING_SECRET is invalid: it is empty; copy"),
        (
            "serve",
            {"SLACK_SIGNING_SECRET": "..."},
            "mldesign: SLACK_SIGNING_SECRET is invalid: it is the placeholder from .env.example; copy",
        ),
        (
            "serve",
            {"SLACK_SIGNING_SECRET": "abc123"},
            "mldesign: SLACK_SIGNING_SECRET is invalid: it has 6 characters where Slack's have 32; copy",
        ),
    ],
    ids=[
        "no-token",
        "no-secret",
        "socket-without-app-token",
        "api-url-without-slash",
        "port-not-a-number",
        "token-and-oauth",
        "client-id-without-secret",
        "distributed-without-token-keys",
        "a-token-key-that-is-no-key",
        "bad-log-format",
        "empty-signing-secret",
        "placeholder-signing-secret",
        "short-signing-secret",
    ],
)
def test_a_missing_or_malformed_setting_stops_start_up_with_one_line(
    capsys, monkeypatch, command, environment, message
):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)

    code, err = run(capsys, command)

    assert code == 2
    assert err.startswith(message)
    assert err.count("\n") == 1


def test_the_env_example_file_as_it_comes_is_refused_with_what_to_change(capsys, tmp_path):
    example = Path(__file__).resolve().parents[2] / ".env.example"
    (tmp_path / ".env").write_text(example.read_text())  # the working directory of this test

    code, err = run(capsys, "serve")

    assert code == 2
    assert err == (
        "mldesign: SLACK_SIGNING_SECRET is invalid: it is the placeholder from .env.example; "
        "copy the Signing Secret from the app's Basic Information page (App Credentials)\n"
    )


def test_a_bad_catalog_file_is_named_at_start_up(capsys, monkeypatch, tmp_path):
    catalog = tmp_path / "ours.toml"
    catalog.write_text('id = "ours"\nversion = 1\ntitle = "Ours"\n[[areas]]\nid = "x"\ntitle = "X"\n')
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("MLDESIGN_CATALOG", str(catalog))

    code, err = run(capsys, "serve")

    assert code == 2
    assert err.startswith(f"mldesign: {catalog}: areas[x].questions: Field required")


def test_a_token_slack_refuses_is_reported_without_echoing_it(capsys, monkeypatch):
    assert run(capsys, "db", "upgrade")[0] == 0
    with FakeSlack() as slack:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-the-right-one")
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
        monkeypatch.setenv("SLACK_API_URL", slack.api_url)

        code, err = run(capsys, "serve")

    assert code == 2
    assert err == "mldesign: SLACK_BOT_TOKEN was refused by Slack (invalid_auth).\n"


def test_serve_refuses_a_database_that_was_never_migrated(capsys, monkeypatch):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)

    code, err = run(capsys, "serve")

    assert code == 2
    assert err == "mldesign: the database has no mldesign schema yet: run `mldesign db upgrade` first.\n"


def test_db_upgrade_brings_the_database_to_the_code_schema_and_can_run_again(capsys):
    main(["db", "current"])
    before = capsys.readouterr().out

    first = main(["db", "upgrade"])
    first_out = capsys.readouterr().out
    again = main(["db", "upgrade"])
    again_out = capsys.readouterr().out
    main(["db", "current"])
    current = capsys.readouterr().out

    head = schema.head()
    assert before == f"database: empty (never migrated); this code: {head}\n"
    assert (first, again) == (0, 0)
    assert first_out == again_out == f"mldesign: the database is at schema {head}\n"
    assert current == f"database: {head}; this code: {head}\n"


def test_db_upgrade_names_an_unreachable_database_in_one_line(capsys, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/nothing")

    code, err = run(capsys, "db", "upgrade")

    assert code == 2
    assert err.startswith("mldesign: DATABASE_URL: ")
    assert err.count("\n") == 1


def test_the_procfile_migrates_on_release_and_serves_on_web(capsys, monkeypatch, tmp_path):
    """What a platform runs: `release` before each deploy, then `web`, with the small-dyno defaults."""
    procfile = (Path(__file__).resolve().parents[2] / "Procfile").read_text(encoding="utf-8")
    processes = dict(line.split(": ", 1) for line in procfile.strip().splitlines())
    environment = dict(word.split("=", 1) for word in processes["web"].split() if "=" in word)

    assert set(processes) == {"release", "web"}
    # `python -m bot.cli` is `mldesign` without the package installed: a buildpack installs requirements.txt only.
    assert processes["release"] == "python -m bot.cli db upgrade"
    assert processes["web"].endswith("python -m bot.cli serve")
    assert environment == {"WEB_CONCURRENCY": "${WEB_CONCURRENCY:-2}", "MLDESIGN_THREADS": "${MLDESIGN_THREADS:-8}"}
    assert main(processes["release"].split()[3:]) == 0


def test_env_example_lists_every_setting():
    listed = {
        line.lstrip("# ").split("=", 1)[0]
        for line in (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8").splitlines()
        if "=" in line and line.lstrip("# ").split("=", 1)[0].isupper()
    }

    assert listed == {name.upper() for name in Settings.model_fields}


def test_keys_new_prints_a_key_that_settings_take(capsys):
    assert main(["keys", "new"]) == 0
    key = capsys.readouterr().out.strip()

    assert Settings(slack_signing_secret=SIGNING_SECRET, mldesign_token_keys=key).token_keys() == [key]


def test_keys_rotate_says_how_many_secrets_it_re_encrypted(capsys, monkeypatch):
    assert run(capsys, "db", "upgrade")[0] == 0
    main(["keys", "new"])
    monkeypatch.setenv("MLDESIGN_TOKEN_KEYS", capsys.readouterr().out.strip())

    code = main(["keys", "rotate"])

    assert code == 0
    assert capsys.readouterr().out == (
        "mldesign: 0 stored secrets are encrypted with the first key; the others can be removed\n"
    )


def test_keys_rotate_without_keys_is_one_line(capsys):
    code, err = run(capsys, "keys", "rotate")

    assert code == 2
    assert err == "mldesign: MLDESIGN_TOKEN_KEYS is not set; it is required for this command.\n"

"""Log lines are one JSON object each, and the secrets filter masks tokens wherever they hide in a record."""

from __future__ import annotations

import json
import logging

from bot.runtime.logs import JsonFormatter, Redactor, TextFormatter

SECRET = "signing-secret-123456"


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("bot.test", logging.WARNING, __file__, 1, message, args, None)
    for name, value in extra.items():
        setattr(made, name, value)
    return made


def test_tokens_and_configured_secrets_are_masked_in_message_arguments_and_fields():
    line = record("calling with %s and %s", "xoxb-123-456-abc", SECRET, kind="command xapp-1-A1-2-xyz")

    Redactor([SECRET]).filter(line)
    printed = JsonFormatter().format(line)

    assert json.loads(printed) == {
        "time": json.loads(printed)["time"],
        "level": "WARNING",
        "logger": "bot.test",
        "pid": line.process,
        "message": "calling with [redacted] and [redacted]",
        "kind": "command [redacted]",
    }


def test_a_token_inside_an_exception_traceback_is_masked():
    try:
        raise RuntimeError("refused token xoxp-999-888-zzz")
    except RuntimeError:
        import sys

        line = logging.LogRecord("bot.test", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())

    Redactor([]).filter(line)
    printed = TextFormatter().format(line)

    assert "xoxp-999" not in printed
    assert "RuntimeError: refused token [redacted]" in printed


def test_text_lines_keep_request_fields_on_the_same_line():
    line = record("slack request", team="T1", kind="event message", status=200)

    printed = TextFormatter().format(line)

    assert printed.endswith("WARNING bot.test slack request team=T1 kind=event message status=200")
    assert "\n" not in printed


def test_the_token_encryption_keys_are_masked_like_every_configured_secret():
    from bot.base.settings import Settings
    from storage.installations import new_key

    old, new = new_key(), new_key()
    settings = Settings(
        slack_client_id="1.2",
        slack_client_secret="client-secret-123456",
        slack_signing_secret="signing-secret-0123456789abcdefghij",
        mldesign_token_keys=f"{new},{old}",
    )
    line = record("keys were %s", f"{new},{old}")

    Redactor(settings.secrets()).filter(line)

    assert line.getMessage() == "keys were [redacted],[redacted]"

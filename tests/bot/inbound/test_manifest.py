"""The app manifest asks for what the bot uses and no more, and the file in the repository is current."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bot.cli import main
from bot.inbound.manifest import BOT_EVENTS, BOT_SCOPES, manifest

ROOT = Path(__file__).resolve().parents[3]
# Slack's documented scope for each Web API method and event the bot relies on.
METHOD_SCOPES = {
    "chat_postMessage": "chat:write",
    "chat_update": "chat:write",
    "chat_postEphemeral": "chat:write",
    "chat_delete": "chat:write",
    "chat_getPermalink": None,
    "conversations_history": "channels:history",
    "conversations_replies": "channels:history",
    "pins_add": "pins:write",
    "reactions_add": "reactions:write",
    "reactions_remove": "reactions:write",
    "users_info": "users:read",
    "files_upload_v2": "files:write",
    "views_open": None,
    "views_publish": None,
    "canvases_create": "canvases:write",
    "canvases_edit": "canvases:write",
    "canvases_access_set": "canvases:write",
}
EVENT_SCOPES = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "pin_removed": "pins:read",
    "app_home_opened": None,
    "app_uninstalled": None,
    "tokens_revoked": None,
    "user_change": "users:read",
}


def web_api_methods_called() -> set[str]:
    families = "|".join(("chat", "conversations", "pins", "reactions", "users", "files", "views", "canvases"))
    pattern = re.compile(r"\.(" + families + r")_([A-Za-z0-9_]+)\(")
    found: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        found.update(f"{family}_{name}" for family, name in pattern.findall(path.read_text(encoding="utf-8")))
    return found


def test_the_manifest_file_is_the_one_the_code_declares():
    on_disk = json.loads((ROOT / "manifest.json").read_text(encoding="utf-8"))

    assert on_disk == manifest(), "regenerate it: mldesign manifest > manifest.json"


def test_every_scope_is_needed_by_a_call_or_an_event_and_every_call_is_covered():
    called = web_api_methods_called()
    unknown = called - METHOD_SCOPES.keys()
    needed = {METHOD_SCOPES[m] for m in called if METHOD_SCOPES.get(m)} | {
        EVENT_SCOPES[e] for e in BOT_EVENTS if EVENT_SCOPES[e]
    }

    assert unknown == set(), "add the new Web API method's scope to the manifest and to METHOD_SCOPES"
    assert needed - set(BOT_SCOPES) == set()
    assert set(BOT_SCOPES) - needed == {"commands"}  # the slash command itself
    assert set(BOT_EVENTS) <= EVENT_SCOPES.keys()


def test_the_manifest_command_prints_request_urls_for_a_host(capsys):
    code = main(["manifest", "--url", "https://ml.example.org/"])
    printed = json.loads(capsys.readouterr().out)

    assert code == 0
    assert printed["settings"]["event_subscriptions"]["request_url"] == "https://ml.example.org/slack/events"
    assert printed["settings"]["interactivity"]["request_url"] == "https://ml.example.org/slack/events"
    assert printed["features"]["slash_commands"][0]["url"] == "https://ml.example.org/slack/events"
    assert printed["oauth_config"]["redirect_urls"] == ["https://ml.example.org/slack/oauth_redirect"]
    assert printed["settings"]["socket_mode_enabled"] is False


def test_the_socket_mode_manifest_has_no_request_urls(capsys):
    code = main(["manifest", "--socket"])
    printed = json.loads(capsys.readouterr().out)

    assert code == 0
    assert printed["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in printed["settings"]["event_subscriptions"]
    assert "request_url" not in printed["settings"]["interactivity"]
    assert "url" not in printed["features"]["slash_commands"][0]
    assert printed["settings"]["event_subscriptions"]["bot_events"] == list(BOT_EVENTS)


def test_a_plain_http_url_is_refused_in_one_line(capsys):
    code = main(["manifest", "--url", "http://ml.example.org"])

    assert code == 2
    assert capsys.readouterr().err == (
        "mldesign: --url must start with https:// (Slack only sends requests to HTTPS URLs)\n"
    )

"""The HTTP endpoint under hostile and random input, in process against the fake Slack: unsigned or replayed
requests get 401, anything signed but malformed a 4xx, never a 500, and nothing is written on the way."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, col, select
from starlette.testclient import TestClient

from bot.base.settings import Settings
from bot.inbound.app import error_handler
from bot.runtime.wiring import Process, build_process, web_app
from sandbox import FakeSlack
from storage.engine import make_engine
from storage.models import Answer, Design

SECRET = "gate-signing-secret-0123456789abcd"
PROCESSES: list[Process] = []  # the running server's, for tests that call its error handler directly
FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def signed(body: bytes, timestamp: int | None = None) -> dict[str, str]:
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def command(text: str, **fields: str) -> bytes:
    form = {"team_id": "T0SANDBOX", "user_id": "U0ALICE", "channel_id": "C0MLTEAM", "command": "/mldesign"}
    return urlencode(form | {"text": text, "trigger_id": str(time.monotonic_ns())} | fields).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[TestClient, FakeSlack, str]]:
    from storage import schema

    url = f"sqlite:///{tmp_path_factory.mktemp('gate') / 'gate.db'}"
    schema.upgrade(url)
    with FakeSlack() as fake, bot_process(fake, url) as client:
        yield client, fake, url


@contextmanager
def bot_process(fake: FakeSlack, url: str) -> Iterator[TestClient]:
    """A bot on ``url``, in process: its own parts, so its own memory of request signatures."""
    configured = Settings(
        slack_bot_token=fake.workspace.bot_token,
        slack_signing_secret=SECRET,
        slack_api_url=fake.api_url,
        database_url=url,
    )
    process = build_process(configured)
    PROCESSES.append(process)
    with TestClient(web_app(process, scheduler=True), raise_server_exceptions=False) as client:
        yield client


def counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    with Session(engine) as session:
        found = (
            session.exec(select(func.count()).select_from(Design)).one(),
            session.exec(select(func.count()).select_from(Answer)).one(),
        )
    engine.dispose()
    return found


def post(client: TestClient, body: bytes, headers: dict[str, str], content_type: str) -> int:
    return client.post("/slack/events", content=body, headers={"Content-Type": content_type, **headers}).status_code


@pytest.fixture(scope="module")
def second_process(server) -> Iterator[TestClient]:
    """Another bot process on the same database."""
    _, fake, url = server
    with bot_process(fake, url) as client:
        yield client


@pytest.mark.parametrize("replayed_to", ["the same process", "another process"])
def test_a_replayed_valid_request_is_refused_and_changes_nothing(server, second_process, replayed_to):
    """The same process remembers the signature; another one finds it stored with the change, which rolls back."""
    client, _, url = server
    receiver = client if replayed_to == "the same process" else second_process
    body = command(f"start Replayed to {replayed_to}")
    headers = signed(body)

    first = post(client, body, headers, "application/x-www-form-urlencoded")
    before = counts(url)
    again = receiver.post(
        "/slack/events", content=body, headers={"Content-Type": "application/x-www-form-urlencoded", **headers}
    )

    assert first == 200
    assert (again.status_code, again.text) == (401, "this request was already received (replay)")
    assert counts(url) == before


def test_a_replayed_export_is_refused_by_another_process_too(server, second_process):
    """An export writes nothing to the database but posts a document in Slack: it counts as a change."""
    client, _, _ = server
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert post(client, command("start Exported twice?"), {}, form["Content-Type"]) == 401  # unsigned, to be sure
    started = command("start Exported twice")
    assert post(client, started, signed(started), form["Content-Type"]) == 200
    body = command("export Exported twice")
    headers = signed(body)

    first = client.post("/slack/events", content=body, headers={**form, **headers})
    again = second_process.post("/slack/events", content=body, headers={**form, **headers})

    assert first.status_code == 200
    assert (again.status_code, again.text) == (401, "this request was already received (replay)")


def test_a_read_only_request_is_refused_again_by_its_process_but_answered_by_another(server, second_process):
    """Documented trade-off (bot.inbound.replays): help and list store nothing, so only the process that answered them
    remembers; another process shows the replayer the same answer the original exchange already showed."""
    client, _, _ = server
    body = command("help")
    headers = signed(body)
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    first = client.post("/slack/events", content=body, headers={**form, **headers})
    same_process = client.post("/slack/events", content=body, headers={**form, **headers})
    other_process = second_process.post("/slack/events", content=body, headers={**form, **headers})

    assert first.status_code == 200
    assert same_process.status_code == 401
    assert other_process.status_code == 200
    assert other_process.json()["text"] == first.json()["text"]


def test_a_retry_header_exempts_only_events_from_the_replay_check(server):
    client, _, url = server
    body = command("start Replayed with a retry header")
    headers = signed(body)
    form = {"Content-Type": "application/x-www-form-urlencoded"}

    first = post(client, body, headers, form["Content-Type"])
    before = counts(url)
    again = client.post("/slack/events", content=body, headers={**form, **headers, "X-Slack-Retry-Num": "1"})

    assert first == 200
    assert again.status_code == 401, "the header is not signed: a command can't be replayed with it"
    assert counts(url) == before


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"},
        {"X-Slack-Signature": "v0=é".encode("latin-1")},
    ],
    ids=["timestamp-not-a-number", "signature-not-ascii"],
)
def test_malformed_signature_headers_get_401_not_500(server, headers):
    client, _, _ = server
    body = command("help")
    stamp = {"X-Slack-Request-Timestamp": str(int(time.time()))}

    response = client.post(
        "/slack/events",
        content=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **stamp, **headers},
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("body", "content_type", "status", "reason"),
    [
        (b"payload=%7Bnot json", "application/x-www-form-urlencoded", 400, "malformed body"),
        (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded", 400, "malformed request: the body is not"),
        (
            b'{"type":"event_callback","team_id":"T1","event":{"type":"message"}}',
            "application/json",
            400,
            "malformed request: event_id",
        ),
        (
            b'{"type":"event_callback","team_id":"T1","event_id":"Ev1","event":{"type":"app_home_opened"}}',
            "application/json",
            400,
            "malformed request: user",
        ),
        (
            b'{"type":"block_actions","user":{"id":"U1"},"team":{"id":"T1"},"actions":[]}',
            "application/json",
            400,
            "malformed request: actions",
        ),
        (b"command=%2Fmldesign&text=help", "application/x-www-form-urlencoded", 400, "malformed request: team_id"),
        (b"<xml/>", "text/xml", 400, "malformed request: neither"),
    ],
    ids=["bad-json-payload", "list-payload", "event-without-id", "home-without-user", "no-actions", "no-team", "xml"],
)
def test_signed_but_malformed_requests_get_a_400_naming_the_problem(server, body, content_type, status, reason):
    client, _, url = server
    before = counts(url)

    response = client.post("/slack/events", content=body, headers={"Content-Type": content_type, **signed(body)})

    assert response.status_code == status
    assert response.text.startswith(reason)
    assert counts(url) == before


CLICK = {
    "type": "block_actions",
    "user": {"id": "U0ALICE"},
    "team": {"id": "T0SANDBOX"},
    "actions": [{"action_id": "x"}],
}
SUBMISSION = {
    "type": "view_submission",
    "user": {"id": "U0ALICE"},
    "team": {"id": "T0SANDBOX"},
    "view": {"id": "V1", "type": "modal"},
}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (command("start Elsewhere", response_url="http://169.254.169.254/latest/meta-data/"), "response_url"),
        (command("start Elsewhere", response_url="https://hooks.slack.com.evil.example/commands/1"), "response_url"),
        (
            urlencode({"payload": json.dumps(CLICK | {"response_url": "https://hooks.slack.com@evil.example/x"})}),
            "response_url",
        ),
        (
            urlencode({"payload": json.dumps(SUBMISSION | {"response_urls": [{"response_url": "http://10.0.0.1/"}]})}),
            "response_urls.0.response_url",
        ),
    ],
    ids=["command-to-a-metadata-service", "command-to-a-look-alike-host", "click-with-userinfo", "modal"],
)
def test_a_request_naming_a_response_url_that_is_not_slacks_is_refused(server, body, field):
    """mldesign posts to a request's response URL: a forged one would make it send requests anywhere (SSRF)."""
    client, _, url = server
    raw = body if isinstance(body, bytes) else body.encode()
    before = counts(url)

    response = client.post(
        "/slack/events", content=raw, headers={"Content-Type": "application/x-www-form-urlencoded", **signed(raw)}
    )

    assert (response.status_code, response.text) == (
        400,
        f"malformed request: {field}: not one of Slack's response URLs",
    )
    assert counts(url) == before


def test_a_command_with_slacks_response_url_is_answered(server):
    client, _, _ = server
    body = command("help", response_url="https://hooks.slack.com/commands/T0SANDBOX/1/abc")

    response = client.post(
        "/slack/events", content=body, headers={"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
    )

    assert response.status_code == 200 and "/mldesign start" in response.text


@FUZZ
@given(
    body=st.binary(max_size=2000),
    content_type=st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain", ""]),
)
def test_unsigned_random_bodies_get_401_and_write_nothing(server, body, content_type):
    client, _, url = server
    before = counts(url)
    try:
        body.decode("utf-8")
        expected = 401
    except UnicodeDecodeError:
        expected = 400  # not UTF-8: not Slack's, and not even verifiable

    assert post(client, body, {}, content_type) == expected
    assert counts(url) == before


# A well-formed request of every kind the bot reads, for type confusion: each field in turn made another JSON type.
VIEW = {
    "id": "V1",
    "type": "modal",
    "callback_id": "nudge_update_form",
    "private_metadata": json.dumps({"design_id": 1, "question_id": "goals", "nudge_id": 1}),
    "state": {"values": {"answer_text": {"answer_text": {"type": "plain_text_input", "value": "x"}}}},
}
PERSON = {"user": {"id": "U0ALICE", "team_id": "T0SANDBOX"}, "team": {"id": "T0SANDBOX"}}


def _click(action_id: str) -> dict:
    action = {"action_id": action_id, "block_id": "choices:1:goals", "value": "1", "action_ts": "1.1"}
    return PERSON | {
        "type": "block_actions",
        "channel": {"id": "C0MLTEAM"},
        "trigger_id": "1.2",
        "container": {"message_ts": "1.0"},
        "message": {"ts": "1.0", "thread_ts": "1.0"},
        "actions": [action | {"selected_option": {"value": "x"}, "selected_options": [{"value": "x"}]}],
    }


def _event(inner: dict) -> dict:
    return {"type": "event_callback", "team_id": "T0SANDBOX", "event_id": "Ev1", "event_time": 1, "event": inner}


REPLY = {
    "type": "message",
    "channel": "C0MLTEAM",
    "user": "U0ALICE",
    "text": "hi",
    "ts": "1.000001",
    "thread_ts": "1.0",
}
KINDS: dict[str, tuple[str, dict]] = {
    "command": (
        "form",
        {"team_id": "T0SANDBOX", "user_id": "U0ALICE", "channel_id": "C0MLTEAM", "command": "/mldesign"},
    ),
    "reply": ("json", _event(REPLY)),
    "edit": (
        "json",
        _event({"type": "message", "subtype": "message_changed", "channel": "C0MLTEAM", "message": REPLY}),
    ),
    "home": ("json", _event({"type": "app_home_opened", "user": "U0ALICE", "tab": "home"})),
    "unpin": (
        "json",
        _event({"type": "pin_removed", "channel_id": "C0MLTEAM", "item": {"type": "message", "message": {"ts": "1"}}}),
    ),
    "tokens_revoked": ("json", _event({"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}})),
    "app_uninstalled": ("json", _event({"type": "app_uninstalled"})),
    **{f"click {action}": ("payload", _click(action)) for action in ("choose_option:x", "skip_question", "nudge_stop")},
    **{f"click {action}": ("payload", _click(action)) for action in ("select_options", "export_design")},
    "view_submission": ("payload", PERSON | {"type": "view_submission", "view": VIEW}),
    "view_closed": ("payload", PERSON | {"type": "view_closed", "view": VIEW}),
    "url_verification": ("json", {"type": "url_verification", "challenge": "abc", "token": "t"}),
}
CONFUSIONS = [{"a": 1}, [1], 1.5, None, "x"]  # an object, a list, a number, null, a string


def fields(value: object, path: tuple = ()) -> list[tuple]:
    """Every path into ``value``: each key of each object and each item of each list, at any depth."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += [(*path, key), *fields(inner, (*path, key))]
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += [(*path, index), *fields(inner, (*path, index))]
    return found


def confused(base: dict, path: tuple, value: object) -> dict:
    changed = json.loads(json.dumps(base))
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


def encoded(encoding: str, envelope: dict) -> tuple[bytes, str]:
    envelope = envelope | {"nonce": time.monotonic_ns()}  # a fresh body each time: never refused as a replay
    if encoding == "json":
        return json.dumps(envelope).encode(), "application/json"
    if encoding == "payload":
        return urlencode({"payload": json.dumps(envelope)}).encode(), "application/x-www-form-urlencoded"
    form = {key: value if isinstance(value, str) else json.dumps(value) for key, value in envelope.items()}
    return urlencode(form).encode(), "application/x-www-form-urlencoded"


@pytest.mark.parametrize("kind", KINDS)
def test_no_field_of_any_type_in_any_kind_of_request_gets_a_500(server, kind):
    """Every field of a well-formed request, in turn, as an object, a list, a number, null and a string."""
    client, _, _ = server
    encoding, base = KINDS[kind]
    failures = []

    for path in fields(base):
        for value in CONFUSIONS:
            body, content_type = encoded(encoding, confused(base, path, value))
            status = post(client, body, signed(body), content_type)
            if status >= 500:
                failures.append(f"{'.'.join(map(str, path))} = {value!r}: {status}")

    assert failures == []


@pytest.mark.parametrize(
    ("envelope", "reason"),
    [
        ({"type": {"a": 1}, "team_id": "T1"}, "malformed request: type: not a string"),
        ({"type": ["block_actions"]}, "malformed request: type: not a string"),
        ({"type": "url_verification"}, "malformed request: challenge: Field required"),
        (PERSON | {"type": "view_submission", "view": VIEW | {"type": None}}, "malformed request: view.type"),
    ],
    ids=["object-as-type", "list-as-type", "url-verification-without-challenge", "view-without-type"],
)
@pytest.mark.parametrize("encoding", ["json", "payload"])
def test_a_mistyped_field_gets_a_400_naming_it(server, envelope, reason, encoding):
    client, _, _ = server
    body, content_type = encoded(encoding, envelope)

    response = client.post("/slack/events", content=body, headers={"Content-Type": content_type, **signed(body)})

    assert response.status_code == 400 and response.text.startswith(reason)


@FUZZ
@given(data=st.data())
def test_signed_envelopes_of_every_kind_with_any_fields_confused_never_get_a_500(server, data):
    client, _, _ = server
    kind = data.draw(st.sampled_from(sorted(KINDS)))
    encoding, envelope = KINDS[kind]
    for path in data.draw(st.lists(st.sampled_from(fields(envelope)), min_size=1, max_size=3, unique=True)):
        try:
            envelope = confused(envelope, path, data.draw(json_values))
        except (KeyError, IndexError, TypeError):  # an earlier change took this path's parent away
            continue
    body, content_type = encoded(encoding, envelope)

    assert post(client, body, signed(body), content_type) < 500


def test_an_ssl_check_is_answered_200_without_a_signature_and_nothing_else(server):
    client, _, url = server
    before = counts(url)
    body = b"ssl_check=1&token=legacy&command=%2Fmldesign&text=start+Sneaky&team_id=T0SANDBOX"

    response = client.post("/slack/events", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})

    assert (response.status_code, response.text) == (200, "")
    assert counts(url) == before


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
envelopes = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["event_callback", "block_actions", "view_submission", "url_verification", "shortcut"]),
        "team_id": json_values,
        "event_id": json_values,
        "event": st.fixed_dictionaries(
            {"type": st.sampled_from(["message", "app_home_opened", "pin_removed", "reaction_added"])},
            optional={
                "user": json_values,
                "channel": json_values,
                "ts": json_values,
                "thread_ts": json_values,
                "text": json_values,
                "item": json_values,
                "message": json_values,
                "subtype": json_values,
            },
        ),
        "user": json_values,
        "team": json_values,
        "actions": json_values,
        "view": json_values,
        "trigger_id": json_values,
    },
)


@FUZZ
@given(envelope=envelopes, as_form=st.booleans())
def test_signed_random_envelopes_never_get_a_500(server, envelope, as_form):
    client, _, _ = server
    envelope = envelope | {"nonce": time.monotonic_ns()}  # a fresh body each time: never refused as a replay
    body = urlencode({"payload": json.dumps(envelope)}).encode() if as_form else json.dumps(envelope).encode()
    content_type = "application/x-www-form-urlencoded" if as_form else "application/json"

    assert post(client, body, signed(body), content_type) < 500


@FUZZ
@given(
    text=st.text(max_size=300)
    | st.sampled_from(["start {{ 7*7 }}", "start <!channel>", "status ‮evil", "start " + "x" * 40_000])
)
def test_any_command_text_is_answered_without_an_exception_and_echoed_inert(server, text):
    client, _, _ = server
    body = command(text)

    response = client.post(
        "/slack/events", content=body, headers={"Content-Type": "application/x-www-form-urlencoded", **signed(body)}
    )

    assert response.status_code == 200
    shown = response.text
    assert "<!channel>" not in shown and "<!here>" not in shown


def event(inner: dict, event_id: str) -> bytes:
    return json.dumps(
        {"type": "event_callback", "team_id": "T0SANDBOX", "event_id": event_id, "event_time": 1, "event": inner}
    ).encode()


def slack_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.fixture(scope="module")
def answered(server) -> tuple[str, str]:
    """A design with one answer given by a thread reply: (the thread's ts, the reply's ts)."""
    client, fake, _ = server
    body = command("start Fuzzed answers")
    assert post(client, body, signed(body), "application/x-www-form-urlencoded") == 200
    fake.workspace.wait_for(lambda ws: any("Fuzzed answers" in m.get("text", "") for m in ws.messages("C0MLTEAM")))
    parent = next(m for m in fake.workspace.messages("C0MLTEAM") if "Fuzzed answers" in m.get("text", ""))
    fake.workspace.wait_for(lambda ws: len(ws.replies("C0MLTEAM", parent["ts"])) >= 1)
    reply_ts = f"{time.time() + 5:.6f}"
    reply = {"type": "message", "channel": "C0MLTEAM", "user": "U0BOB", "text": "first", "ts": reply_ts}
    body = event(reply | {"thread_ts": parent["ts"]}, "EvFirstAnswer")
    assert post(client, body, signed(body), "application/json") == 200
    return parent["ts"], reply_ts


def latest_answer(url: str) -> str:
    engine = make_engine(url)
    with Session(engine) as session:
        found = session.exec(select(Answer).order_by(col(Answer.id).desc())).first()
    engine.dispose()
    assert found is not None
    return found.text


@FUZZ
@given(
    text=st.text(max_size=500)
    | st.sampled_from(
        [
            "x" * 40_000,
            "<!channel> <!here> <@U0ALICE> <https://evil.example|click>",
            "{{ 7*7 }} {% raw %} ${7*7}",
            "'; DROP TABLE answer; --",
            "*bold* _it_ ~strike~ `code` ```block``` > quote",
            "مرحبا \u202eevil\u202c שלום",
            "tab\there\r\nnull\x00end",
            '{"type": "section", "text": {"type": "mrkdwn", "text": "<!channel>"}}',
        ]
    )
)
def test_any_answer_text_is_stored_as_typed(server, answered, text):
    client, _, url = server
    thread_ts, reply_ts = answered
    edited = {"type": "message", "user": "U0BOB", "text": slack_escaped(text), "ts": reply_ts, "thread_ts": thread_ts}
    edited |= {"edited": {"user": "U0BOB", "ts": f"{time.time():.6f}"}}
    change = {"type": "message", "subtype": "message_changed", "channel": "C0MLTEAM", "message": edited}
    body = event(change, f"Ev{time.monotonic_ns()}")
    before = latest_answer(url)

    status = post(client, body, signed(body), "application/json")

    typed = text.replace("\x00", "")
    assert status == 200
    assert latest_answer(url) == (typed if typed.strip() and typed != before else before)


def test_an_unexpected_error_shows_an_id_never_its_text_or_a_secret(server):
    token = "xoxb-sandbox-token"
    handler = error_handler(PROCESSES[0].recording.outbox)
    body = {"command": "/mldesign", "team_id": "T0SANDBOX", "user_id": "U0ALICE", "channel_id": "C0MLTEAM"}

    response = handler(RuntimeError(f"Slack refused {token} signed with {SECRET}"), body)

    shown = json.loads(response.body)["text"]
    assert response.status == 200
    assert "Something went wrong on my side (error id " in shown
    assert token not in shown and SECRET not in shown and "refused" not in shown


def test_the_design_document_never_holds_a_token_or_the_signing_secret(server, answered):
    client, fake, _ = server
    body = command("export Fuzzed answers")

    assert post(client, body, signed(body), "application/x-www-form-urlencoded") == 200

    def this_design(file: dict) -> bool:  # other tests of the module export their own designs
        return file["state"] == "complete" and file["text"].startswith("# Fuzzed answers")

    fake.workspace.wait_for(lambda ws: any(this_design(f) for f in ws.files()), timeout=10)
    document = next(f["text"] for f in fake.workspace.files() if this_design(f))
    assert fake.workspace.bot_token not in document and SECRET not in document and "xoxb-" not in document

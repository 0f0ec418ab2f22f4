"""Web API calls over kept-alive connections, against the fake Slack over HTTP and HTTPS: one connection for
successive calls, and every answer and failure as slack_sdk's own urllib transport reports it."""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
from collections.abc import Iterator
from urllib.error import URLError

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from bot.outbound.clients import SlackClients
from bot.outbound.keepalive import IDLE_SECONDS, ConnectionPool, KeepAliveWebClient
from sandbox import FakeSlack
from sandbox.tls import Certificate, write_self_signed_certificate

CHANNEL = "C0MLTEAM"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return write_self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(params=["http", "https"])
def scheme(request: pytest.FixtureRequest) -> str:
    return request.param


def serve(scheme: str, certificate: Certificate, **options: float) -> FakeSlack:
    return FakeSlack(certificate=certificate if scheme == "https" else None, **options)  # type: ignore[arg-type]


@pytest.fixture
def fake(scheme: str, certificate: Certificate) -> Iterator[FakeSlack]:
    with serve(scheme, certificate) as running:
        yield running


class Clock:
    """The pool's clock, moved on by the test instead of waiting for connections to go idle."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def client_of(fake: FakeSlack, certificate: Certificate, **pool_options: object) -> KeepAliveWebClient:
    """A client as `web_client` makes it (429s retried twice), trusting the fake's certificate."""
    pool = ConnectionPool(context=certificate.client_context(), **pool_options)  # type: ignore[arg-type]
    return KeepAliveWebClient(
        token=fake.workspace.bot_token,
        base_url=fake.api_url,
        timeout=5,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
        pool=pool,
    )


def posted_texts(fake: FakeSlack) -> list[str]:
    return [message["text"] for message in fake.workspace.messages(CHANNEL)]


def test_successive_calls_from_one_client_share_one_connection(fake, certificate):
    client = client_of(fake, certificate)

    for number in range(3):
        assert client.chat_postMessage(channel=CHANNEL, text=f"post {number}")["ok"] is True
    client.reactions_add(channel=CHANNEL, timestamp=fake.workspace.messages(CHANNEL)[0]["ts"], name="white_check_mark")

    assert posted_texts(fake) == ["post 0", "post 1", "post 2"]
    assert fake.connections.accepted == 1


def test_the_bots_clients_keep_connections_alive_trusting_what_python_trusts(fake, certificate, monkeypatch):
    """`SlackClients` builds its clients with `web_client`; over HTTPS they trust SSL_CERT_FILE, as urllib did."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert_path))
    client = SlackClients(base_url=fake.api_url, token=fake.workspace.bot_token).for_team(fake.workspace.team_id)

    assert client.auth_test()["ok"] is True
    assert client.chat_postMessage(channel=CHANNEL, text="hello")["ok"] is True
    assert fake.connections.accepted == 1


def test_threads_calling_at_once_each_get_a_connection_and_every_post_lands_once(fake, certificate):
    client, threads, start = client_of(fake, certificate), 4, threading.Barrier(4)
    failures: list[BaseException] = []

    def post(thread: int) -> None:
        start.wait()
        try:
            for number in range(10):
                client.chat_postMessage(channel=CHANNEL, text=f"{thread}.{number}")
        except BaseException as error:  # reported below: an assertion in a thread would pass unseen
            failures.append(error)

    workers = [threading.Thread(target=post, args=(thread,)) for thread in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)

    assert failures == []
    assert sorted(posted_texts(fake)) == sorted(f"{t}.{n}" for t in range(threads) for n in range(10))
    assert 1 <= fake.connections.accepted <= threads


def test_a_429_with_retry_after_is_waited_out_and_sent_again(fake, certificate):
    client = client_of(fake, certificate)
    fake.workspace.fail_next("chat.postMessage", "ratelimited", http_status=429, retry_after=0)

    assert client.chat_postMessage(channel=CHANNEL, text="after the limit")["ok"] is True

    assert posted_texts(fake) == ["after the limit"]
    assert len(fake.workspace.calls("chat.postMessage")) == 2
    assert fake.connections.accepted == 1


@pytest.mark.parametrize(
    ("error", "status"), [("channel_not_found", None), ("internal_error", 500)], ids=["refusal", "5xx"]
)
def test_slacks_errors_raise_slack_api_error_and_the_connection_stays_usable(fake, certificate, error, status):
    client = client_of(fake, certificate)
    fake.workspace.fail_next("chat.postMessage", error, http_status=status)

    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel=CHANNEL, text="refused")
    assert refused.value.response["error"] == error
    assert refused.value.response.status_code == (status or 200)

    assert client.chat_postMessage(channel=CHANNEL, text="accepted")["ok"] is True
    assert posted_texts(fake) == ["accepted"]
    assert fake.connections.accepted == 1


def test_a_connection_the_fake_closed_while_idle_is_not_used_and_nothing_is_lost_or_doubled(scheme, certificate):
    with serve(scheme, certificate, keep_alive_seconds=0.1) as fake:
        client = client_of(fake, certificate)
        client.chat_postMessage(channel=CHANNEL, text="before")
        fake.connections.wait_closed(1)  # the fake's keep-alive ran out; the pool still holds the connection

        assert client.chat_postMessage(channel=CHANNEL, text="after")["ok"] is True

        assert posted_texts(fake) == ["before", "after"]
        assert len(fake.workspace.calls("chat.postMessage")) == 2
        assert fake.connections.accepted == 2


def test_a_connection_idle_longer_than_the_pool_keeps_them_is_closed_not_reused(fake, certificate):
    clock = Clock()
    client = client_of(fake, certificate, clock=clock)
    client.chat_postMessage(channel=CHANNEL, text="first")
    clock.now += IDLE_SECONDS / 2
    client.chat_postMessage(channel=CHANNEL, text="soon after")
    assert fake.connections.accepted == 1

    clock.now += IDLE_SECONDS + 0.1
    client.chat_postMessage(channel=CHANNEL, text="much later")

    fake.connections.wait_closed(1)  # the pool closed the old one
    assert fake.connections.accepted == 2
    assert posted_texts(fake) == ["first", "soon after", "much later"]


def test_a_reused_connection_dropped_before_any_answer_fails_the_call_and_is_not_sent_again(fake, certificate):
    """The request may have reached Slack: the caller hears of it (as an OSError, as from urllib) and checks
    before posting again, rather than the transport posting twice."""
    client = client_of(fake, certificate)
    client.auth_test()
    fake.workspace.reset_next("chat.postMessage")

    with pytest.raises(OSError):
        client.chat_postMessage(channel=CHANNEL, text="dropped")

    assert [call.response for call in fake.workspace.calls("chat.postMessage")] == [{"reset": True}]
    assert client.chat_postMessage(channel=CHANNEL, text="next")["ok"] is True
    assert posted_texts(fake) == ["next"]
    assert fake.connections.accepted == 2


def test_a_certificate_the_client_does_not_trust_fails_as_with_urllib(certificate):
    with serve("https", certificate) as fake:
        client = KeepAliveWebClient(token=fake.workspace.bot_token, base_url=fake.api_url, retry_handlers=[])
        plain = WebClient(token=fake.workspace.bot_token, base_url=fake.api_url, retry_handlers=[])

        for each in (client, plain):
            with pytest.raises(URLError) as refused:
                each.auth_test()
            assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
        assert fake.workspace.calls() == []


def test_an_answer_that_is_no_http_is_a_failed_call_not_an_http_client_error():
    """urllib would let http.client's BadStatusLine through, which no caller of ours catches; it is a URLError."""
    with socket.create_server(("127.0.0.1", 0)) as server:

        def answer_garbage() -> None:
            connection, _ = server.accept()
            with connection, connection.makefile("rb") as request:
                length = 0
                while (line := request.readline()) not in (b"\r\n", b""):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request.read(length)  # all of it: closing on unread bytes would reset the connection instead
                connection.sendall(b"not http at all\r\n\r\n")

        garbage = threading.Thread(target=answer_garbage, daemon=True)
        garbage.start()
        url = f"http://127.0.0.1:{server.getsockname()[1]}/api/"
        client = KeepAliveWebClient(token="xoxb-1", base_url=url, timeout=5, retry_handlers=[])

        with pytest.raises(URLError) as failed:
            client.auth_test()
        garbage.join(5)

    assert isinstance(failed.value.reason, http.client.BadStatusLine)

"""The fake over HTTPS, as Slack serves its API: a client that trusts the fake's self-signed certificate talks to it,
one that doesn't is refused; and the fake counts the connections it serves, to show whether a client reuses them."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.error import URLError

import httpx
import pytest
from slack_sdk import WebClient

from sandbox import FakeSlack
from sandbox.tls import Certificate, write_self_signed_certificate

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return write_self_signed_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def secure(certificate: Certificate) -> Iterator[FakeSlack]:
    with FakeSlack(certificate=certificate) as running:
        yield running


def test_with_a_certificate_every_url_of_the_fake_says_https(secure):
    assert secure.base_url == f"https://127.0.0.1:{secure.port}/"
    assert secure.api_url.startswith("https://") and secure.hooks_url.startswith("https://")


def test_a_client_trusting_the_certificate_gets_answers(secure, certificate):
    client = WebClient(token=secure.workspace.bot_token, base_url=secure.api_url, ssl=certificate.client_context())

    assert client.auth_test()["ok"] is True
    assert [call.method for call in secure.workspace.calls()] == ["auth.test"]


def test_localhost_is_a_name_of_the_certificate_too(secure, certificate):
    url = f"https://localhost:{secure.port}/api/"
    client = WebClient(token=secure.workspace.bot_token, base_url=url, ssl=certificate.client_context())

    assert client.auth_test()["ok"] is True


def test_a_client_that_does_not_trust_it_fails_verification_and_nothing_reaches_the_fake(secure):
    client = WebClient(token=secure.workspace.bot_token, base_url=secure.api_url, retry_handlers=[])

    with pytest.raises(URLError) as refused:
        client.auth_test()

    assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
    assert secure.workspace.calls() == []


def test_plain_http_to_the_https_fake_gets_no_answer(secure):
    with pytest.raises(httpx.HTTPError):
        httpx.post(secure.api_url.replace("https://", "http://") + "auth.test", timeout=5)

    assert secure.workspace.calls() == []


def test_slack_sdk_in_a_process_with_ssl_cert_file_trusts_the_fake(secure, certificate):
    """How a benchmark's bot process trusts the fake: Python's default context reads SSL_CERT_FILE, and slack_sdk's
    urllib path uses that context when given none."""
    program = (
        "import sys; from slack_sdk import WebClient;"
        " print(WebClient(token=sys.argv[1], base_url=sys.argv[2]).auth_test()['ok'])"
    )
    environment = os.environ | {"SSL_CERT_FILE": str(certificate.cert_path)}
    trusted = subprocess.run(
        [sys.executable, "-c", program, secure.workspace.bot_token, secure.api_url],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )

    assert (trusted.returncode, trusted.stdout.strip()) == (0, "True"), trusted.stderr
    assert [call.method for call in secure.workspace.calls()] == ["auth.test"]


@pytest.mark.parametrize("tls", [False, True], ids=["http", "https"])
def test_the_fake_counts_the_connections_it_serves(tls, certificate):
    with FakeSlack(certificate=certificate if tls else None) as fake:
        verify = certificate.client_context() if tls else True
        with httpx.Client(verify=verify, timeout=5) as kept_alive:
            for _ in range(3):
                kept_alive.post(fake.api_url + "api.test").raise_for_status()
            assert (fake.connections.accepted, fake.connections.closed) == (1, 0)
        fake.connections.wait_closed(1)

        for _ in range(2):
            httpx.post(fake.api_url + "api.test", verify=verify, timeout=5).raise_for_status()
        fake.connections.wait_closed(3)
        assert fake.connections.accepted == 3


def test_the_fake_closes_a_connection_idle_longer_than_its_keep_alive(certificate):
    with (
        FakeSlack(certificate=certificate, keep_alive_seconds=0.1) as fake,
        httpx.Client(verify=certificate.client_context(), timeout=5) as client,
    ):
        client.post(fake.api_url + "api.test").raise_for_status()
        fake.connections.wait_closed(1)  # by the fake: the client still holds it open

        client.post(fake.api_url + "api.test").raise_for_status()  # httpx sees it closed and opens another
        assert fake.connections.accepted == 2


def test_stopping_drops_a_connection_a_client_keeps_alive_at_once(certificate):
    """Over TLS a graceful close waits for the client's answer, which an idle kept-alive client never sends."""
    fake = FakeSlack(certificate=certificate).start()
    with httpx.Client(verify=certificate.client_context(), timeout=5) as client:
        client.post(fake.api_url + "api.test").raise_for_status()

        port = fake.port
        fake.stop()

        assert not [t for t in threading.enumerate() if t.name == f"uvicorn-{port}"], "the server is still running"
        assert (fake.connections.accepted, fake.connections.closed) == (1, 1)

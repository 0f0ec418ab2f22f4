"""Where mldesign may post: the Web API at SLACK_API_URL, and response URLs only under SLACK_HOOKS_URL."""

from __future__ import annotations

import logging

import pytest

from bot.outbound.clients import SlackClients, is_response_url


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/commands/T0123/456/abc", True),
        ("https://hooks.slack.com/actions/T0123/456/abc", True),
        ("https://HOOKS.slack.com/actions/T0123/456/abc", True),
        ("http://hooks.slack.com/actions/T0123/456/abc", False),
        ("https://hooks.slack.com.evil.example/actions/1", False),
        ("https://hooks.slack.com@evil.example/actions/1", False),
        ("https://user:pass@hooks.slack.com/actions/1", False),
        ("https://hooks.slack.com:8443/actions/1", False),
        ("https://evil.example/https://hooks.slack.com/", False),
        ("http://169.254.169.254/latest/meta-data/", False),
        ("https://[::1/", False),
        ("", False),
        ("https://hooks.sla\tck.com/actions/1", False),  # urlsplit drops the tab; the request would not
        ("https://hooks.slack.com/actions/1\r\nHost: evil.example", False),
        ("https://hooks.slack.com/actions/é", False),
        ("https://hooks.slack.com/actions/../../services/T1/B1/x", False),
        ("https://hooks.slack.com/actions/%2e%2e/services/T1/B1/x", False),
        ("https://hooks.slack.com/actions/./1", False),
    ],
)
def test_only_slacks_response_urls_are_allowed(url, allowed):
    assert is_response_url(url) is allowed


def test_a_fake_slack_names_its_own_hooks_and_only_those():
    assert is_response_url("http://127.0.0.1:4000/response/42", "http://127.0.0.1:4000/response/")
    assert not is_response_url("http://127.0.0.1:4000/api/chat.postMessage", "http://127.0.0.1:4000/response/")
    assert not is_response_url("http://127.0.0.1:4000/response/../api/x", "http://127.0.0.1:4000/response/")
    assert not is_response_url("http://127.0.0.1:4001/response/42", "http://127.0.0.1:4000/response/")


def test_no_client_is_made_for_any_other_url_and_the_refusal_is_logged(caplog):
    clients = SlackClients(base_url="https://slack.com/api/", token="xoxb-1")

    with caplog.at_level(logging.WARNING):
        refused = clients.webhook("http://10.0.0.1/admin")
    allowed = clients.webhook("https://hooks.slack.com/actions/T1/2/x")

    assert refused is None
    assert "refused to post to a response URL outside SLACK_HOOKS_URL" in caplog.text
    assert allowed is not None and allowed.url == "https://hooks.slack.com/actions/T1/2/x"

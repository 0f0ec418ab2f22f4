"""One Web API client per workspace: the token of the workspace a piece of work belongs to, never a global
token swapped per request. With ``SLACK_BOT_TOKEN`` (one workspace) every team gets that client; when
distributed (OAuth), each team's bot token comes from slack_sdk's installation store."""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import unquote, urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.outbound.keepalive import ConnectionPool, KeepAliveWebClient
from storage.installations import EncryptedInstallationStore

logger = logging.getLogger(__name__)

WEB_API_TIMEOUT_SECONDS = 10
# How long a looked-up token is reused before asking the store again (an uninstall also forgets it at once).
TOKEN_CACHE_SECONDS = 60.0


class NotInstalled(SlackClientError):
    """mldesign holds no token for this workspace: never installed, or uninstalled since."""


def web_client(
    *,
    base_url: str,
    token: str | None,
    timeout: float = WEB_API_TIMEOUT_SECONDS,
    pool: ConnectionPool | None = None,
) -> WebClient:
    """slack_sdk's client, retrying only 429s (waiting out Retry-After: Slack did not act on the call), over
    kept-alive connections (`pool`, shared by the clients of one process; its own if None), so the calls of a
    publish pay one TLS handshake rather than one each.

    A 5xx or a dropped connection may come after Slack posted the message, so those are not retried
    blindly here: the publisher and the dispatcher retry them after checking, by message metadata,
    whether the post went out."""
    return KeepAliveWebClient(
        token=token,
        base_url=base_url,
        timeout=timeout,  # type: ignore[arg-type]  (slack_sdk annotates int; http.client takes any number)
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
        pool=pool,
    )


SLACK_HOOKS_URL = "https://hooks.slack.com/"


def is_response_url(url: str, hooks_url: str = SLACK_HOOKS_URL) -> bool:
    """Whether ``url`` is one of Slack's response URLs (under ``hooks_url``): the only place mldesign posts to that
    a request names, so a forged request or job can't make it send anywhere else. It is read as urllib will
    send it: printable ASCII only (urlsplit drops tabs and line breaks that the request would keep), and no dot
    segment that would climb out of the hooks' path."""
    if not url.isascii() or any(ord(character) <= 0x20 or ord(character) == 0x7F for character in url):
        return False
    try:
        found, hooks = urlsplit(url), urlsplit(hooks_url)
        segments = unquote(found.path).split("/")
        return (
            "." not in segments
            and ".." not in segments
            and found.scheme == hooks.scheme
            and found.username is None
            and found.password is None
            and (found.hostname, found.port) == (hooks.hostname, hooks.port)
            and found.path.startswith(hooks.path)
        )
    except ValueError:  # a port that is no number, brackets that don't close
        return False


class SlackClients:
    def __init__(
        self,
        *,
        base_url: str,
        token: str | None = None,
        installation_store: EncryptedInstallationStore | None = None,
        timeout: float = WEB_API_TIMEOUT_SECONDS,
        hooks_url: str = SLACK_HOOKS_URL,
    ) -> None:
        if (token is None) == (installation_store is None):
            raise ValueError("give either one workspace's token or an installation store")
        self._base_url = base_url
        self._hooks_url = hooks_url
        self._timeout = timeout
        self._store = installation_store
        self._pool = ConnectionPool()  # every team's client sends over the same connections to Slack
        # Without a token: oauth.v2.access and other calls that take no token (and the single-workspace client).
        self.shared = web_client(base_url=base_url, token=token, timeout=timeout, pool=self._pool)
        self._by_team: dict[str, tuple[float, WebClient]] = {}
        # (team, enterprise) -> when this process last stored it: stored again after TOKEN_CACHE_SECONDS, so a row
        # another process removed meanwhile comes back with the next request.
        self._org_teams: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def for_team(self, team_id: str) -> WebClient:
        if self._store is None:
            return self.shared
        now = time.monotonic()
        with self._lock:
            cached = self._by_team.get(team_id)
        if cached is not None and now - cached[0] < TOKEN_CACHE_SECONDS:
            return cached[1]
        bot = self._store.find_team_bot(team_id)
        if bot is None or not bot.bot_token:
            self.forget(team_id)
            raise NotInstalled(f"mldesign is not installed in workspace {team_id}")
        client = web_client(base_url=self._base_url, token=bot.bot_token, timeout=self._timeout, pool=self._pool)
        with self._lock:
            self._by_team[team_id] = (now, client)
        return client

    def served_by_org(self, team_id: str, enterprise_id: str) -> None:
        """A request from ``team_id`` came through its organization's org-wide install: remember that (once per
        process), so background work for the workspace finds the organization's token."""
        now = time.monotonic()
        with self._lock:
            stored = self._org_teams.get((team_id, enterprise_id))
        if self._store is None or (stored is not None and now - stored < TOKEN_CACHE_SECONDS):
            return
        self._store.remember_org_team(team_id, enterprise_id)
        with self._lock:
            self._org_teams[(team_id, enterprise_id)] = now

    def org_teams(self, enterprise_id: str) -> list[str]:
        """The workspaces an organization's org-wide install was seen serving (each forgotten here, so the next
        job there looks its token up again: after an org-wide uninstall or reinstall)."""
        if self._store is None:
            return []
        teams = self._store.org_teams(enterprise_id)
        for team_id in teams:
            self.forget(team_id)
        return teams

    @property
    def installation_store(self) -> EncryptedInstallationStore | None:
        """Where the workspaces' tokens are kept (distributed), for Bolt's OAuth flow and authorize."""
        return self._store

    def webhook(self, response_url: str) -> WebhookClient | None:
        """A client for one of Slack's response URLs; None (and a warning) for any other URL."""
        if not is_response_url(response_url, self._hooks_url):
            logger.warning("refused to post to a response URL outside SLACK_HOOKS_URL")
            return None
        return WebhookClient(response_url, timeout=self._timeout)  # type: ignore[arg-type]  (urllib takes any number)

    def is_installed(self, team_id: str) -> bool:
        """Distributed: whether the store holds a token for the workspace. One workspace: a workspace that
        uninstalled comes back only with a new token, and a restart (see ``workspace_returned``)."""
        if self._store is None:
            return False
        bot = self._store.find_team_bot(team_id)
        return bot is not None and bool(bot.bot_token)

    def forget(self, team_id: str) -> None:
        """After an uninstall: the next call looks the workspace up again (and finds no token)."""
        with self._lock:
            self._by_team.pop(team_id, None)

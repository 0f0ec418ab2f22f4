"""Slack's OAuth v2 install flow on the fake: the approval page, the redirect back with a code, oauth.v2.access.

An app is configured on the fake with a client id and secret (FakeSlack(client_id=..., client_secret=...)).
A person sent to `GET /oauth/v2/authorize?client_id&scope&user_scope&redirect_uri&state[&team]` sees a small
page naming the workspace and the scopes, with Allow and Cancel links. To keep tests non-interactive those are
plain GETs: Allow (`/oauth/v2/authorize/approve?...same params...&team=T…[&user=U…]`) answers 302 to
`redirect_uri?code=…&state=…`, Cancel (`/oauth/v2/authorize/cancel?...`) 302 to `redirect_uri?error=access_denied
&state=…`. The app then exchanges the code at `POST /api/oauth.v2.access` (sandbox/web_api.py calls `exchange`)
for a new bot token of that workspace.

Codes not yet exchanged live in memory only: a restart forgets them (they expire after ten minutes anyway).
"""

from __future__ import annotations

import base64
import binascii
import html
import secrets
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.records import SlackError, User
from sandbox.state import Workspace

DEFAULT_CLIENT_ID = "sandbox-client-id"
DEFAULT_CLIENT_SECRET = "sandbox-client-secret"
CODE_TTL_SECONDS = 600  # Slack's codes expire after ten minutes
AUTHORIZE_PATH = "/oauth/v2/authorize"
APPROVE_PATH = "/oauth/v2/authorize/approve"
CANCEL_PATH = "/oauth/v2/authorize/cancel"
FORM = "application/x-www-form-urlencoded"
FLOW_PARAMS = ("client_id", "scope", "user_scope", "redirect_uri", "state", "team", "user")
ORG_WIDE = "enterprise_install"  # Allow's flag for an org-wide install (an Enterprise Grid admin's choice)


@dataclass(frozen=True)
class Grant:
    """An approved install waiting for the app to exchange its code."""

    code: str
    team_id: str
    user: str
    scopes: tuple[str, ...]
    user_scopes: tuple[str, ...]
    redirect_uri: str
    issued_at: float
    enterprise_install: bool = False


class FlowError(Exception):
    """A request the approval page refuses, shown as a 400 page (Slack shows an error page, not a redirect)."""


def _scopes(value: str) -> tuple[str, ...]:
    """Slack's scope lists are comma-separated (spaces tolerated)."""
    return tuple(dict.fromkeys(s.strip() for s in value.replace(" ", ",").split(",") if s.strip()))


def with_query(url: str, params: dict[str, str]) -> str:
    """`url` with `params` added to its query string (keeping what it already had)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit(parts._replace(query=urlencode(query)))


def client_credentials(args: dict[str, Any], authorization: str) -> tuple[str, str]:
    """(client_id, client_secret) from HTTP Basic auth, which Slack prefers, else from the form fields."""
    if authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise SlackError("invalid_client_id") from None
        client_id, _, client_secret = decoded.partition(":")
        return client_id, client_secret
    return str(args.get("client_id") or ""), str(args.get("client_secret") or "")


class OAuthApp:
    """The app's OAuth settings on the fake and the codes its approval page handed out.

    `workspaces` is the fake's live list, so a workspace added later can be installed to as well.
    """

    def __init__(
        self,
        workspaces: Sequence[Workspace],
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
    ) -> None:
        self.workspaces = workspaces
        self.client_id = client_id
        self.client_secret = client_secret
        self._grants: dict[str, Grant] = {}
        self._used: set[str] = set()
        self._lock = threading.Lock()

    def routes(self) -> list[BaseRoute]:
        """The approval page and its Allow / Cancel targets."""
        return [
            Route(AUTHORIZE_PATH, self.authorize, methods=["GET"]),
            Route(APPROVE_PATH, self.approve, methods=["GET", "POST"]),
            Route(CANCEL_PATH, self.cancel, methods=["GET", "POST"]),
        ]

    # -- the approval page -----------------------------------------------------------------------------

    def _workspace(self, team_id: str) -> Workspace:
        if not team_id:
            return self.workspaces[0]
        found = next((ws for ws in self.workspaces if ws.team_id == team_id), None)
        if found is None:
            raise FlowError(f"There is no workspace {team_id!r} in this sandbox.")
        return found

    def _checked(self, params: dict[str, str]) -> tuple[Workspace, tuple[str, ...], tuple[str, ...]]:
        """The workspace and (bot, user) scopes of a valid authorize request; a FlowError says what is wrong."""
        if params.get("client_id") != self.client_id:
            raise FlowError(f"Unknown client_id {params.get('client_id', '')!r}: no such app is configured.")
        redirect = urlsplit(params.get("redirect_uri", ""))
        if redirect.scheme not in ("http", "https") or not redirect.netloc:
            raise FlowError("redirect_uri is missing or is not an http(s) URL (bad_redirect_uri).")
        scopes = _scopes(params.get("scope", ""))
        if not scopes:
            raise FlowError("No bot scopes were requested (scope=...): the sandbox installs bot tokens only.")
        return self._workspace(params.get("team", "")), scopes, _scopes(params.get("user_scope", ""))

    async def _params(self, request: Request) -> dict[str, str]:
        """The query string, plus a posted form's fields (url-encoded, as an HTML form sends them)."""
        params = dict(request.query_params)
        if request.method == "POST" and request.headers.get("content-type", "").startswith(FORM):
            params |= dict(parse_qsl((await request.body()).decode(errors="replace"), keep_blank_values=True))
        return params

    async def authorize(self, request: Request) -> Response:
        """Slack's install page: which workspace, which scopes, Allow or Cancel."""
        params = await self._params(request)
        try:
            ws, scopes, user_scopes = self._checked(params)
            installer = self._installer(ws, params.get("user", ""))
        except FlowError as error:
            return _error_page(str(error))
        flow = {k: params[k] for k in FLOW_PARAMS if params.get(k)} | {"team": ws.team_id}
        base = str(request.base_url).rstrip("/")
        allow = f"{base}{APPROVE_PATH}?{urlencode(flow)}"
        cancel = f"{base}{CANCEL_PATH}?{urlencode(flow)}"
        others = {
            _e(o.team_name): f"{base}{AUTHORIZE_PATH}?{urlencode(flow | {'team': o.team_id})}"
            for o in self.workspaces
            if o.team_id != ws.team_id
        }
        parts = [
            f"<h1>{_e(ws.bot.name)} is requesting permission to access the "
            f'<span id="team-name">{_e(ws.team_name)}</span> Slack workspace</h1>',
            f"<p>Workspace <strong>{_e(ws.team_name)}</strong> ({_e(ws.team_domain)}, "
            f'<code id="team-id">{_e(ws.team_id)}</code>), signed in as {_e(installer.real_name)} '
            f"(@{_e(installer.name)}).</p>",
            f"<h2>What will {_e(ws.bot.name)} be able to do?</h2>",
            _list("scopes", [f"<code>{_e(s)}</code>" for s in scopes]),
        ]
        if user_scopes:
            parts += ["<h2>On your behalf</h2>", _list("user-scopes", [f"<code>{_e(s)}</code>" for s in user_scopes])]
        parts.append(f'<p><a id="cancel" href="{_e(cancel)}">Cancel</a> <a id="allow" href="{_e(allow)}">Allow</a></p>')
        if ws.enterprise is not None:
            org_wide = f"{allow}&{urlencode({ORG_WIDE: '1'})}"
            parts.append(
                f'<p>Or, as an admin of {_e(ws.enterprise["name"])}: <a id="allow-org" href="{_e(org_wide)}">'
                "Allow in every workspace of the organization</a></p>"
            )
        if others:
            links = [f'<a class="switch" href="{_e(url)}">{name}</a>' for name, url in others.items()]
            parts += ["<h2>Install to another workspace</h2>", _list("workspaces", links)]
        body = "\n".join(parts)
        return HTMLResponse(_page(f"Install {ws.bot.name} · {ws.team_name}", body))

    def _installer(self, ws: Workspace, user_id: str) -> User:
        """Who approves: `user` if given (a person of the workspace), else its first person."""
        humans = [u for u in ws.users() if not u.is_bot]
        if not user_id:
            if not humans:
                raise FlowError(f"The workspace {ws.team_name} has no people to approve the install.")
            return humans[0]
        found = next((u for u in humans if u.id == user_id), None)
        if found is None:
            raise FlowError(f"{user_id!r} is not a person in the workspace {ws.team_name}.")
        return found

    async def approve(self, request: Request) -> Response:
        """Allow: hand out a code and send the person back to the app."""
        params = await self._params(request)
        try:
            ws, scopes, user_scopes = self._checked(params)
            installer = self._installer(ws, params.get("user", ""))
        except FlowError as error:
            return _error_page(str(error))
        org_wide = params.get(ORG_WIDE) in ("1", "true")
        if org_wide and ws.enterprise is None:
            return _error_page(f"{ws.team_name} belongs to no Enterprise Grid organization: install it alone.")
        code = f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}.{secrets.token_hex(32)}"
        grant = Grant(code, ws.team_id, installer.id, scopes, user_scopes, params["redirect_uri"], ws.now(), org_wide)
        with self._lock:
            self._grants[code] = grant
        back = {"code": code} | ({"state": params["state"]} if "state" in params else {})
        return RedirectResponse(with_query(params["redirect_uri"], back), status_code=302)

    async def cancel(self, request: Request) -> Response:
        """Cancel: back to the app with `error=access_denied`."""
        params = await self._params(request)
        try:
            self._checked(params)
        except FlowError as error:
            return _error_page(str(error))
        back = {"error": "access_denied"} | ({"state": params["state"]} if "state" in params else {})
        return RedirectResponse(with_query(params["redirect_uri"], back), status_code=302)

    # -- oauth.v2.access ---------------------------------------------------------------------------------

    def check_client(self, client_id: str, client_secret: str) -> None:
        """Slack's `invalid_client_id` / `bad_client_secret` unless these are the app's credentials."""
        if client_id != self.client_id:
            raise SlackError("invalid_client_id")
        if not secrets.compare_digest(client_secret.encode(), self.client_secret.encode()):
            raise SlackError("bad_client_secret")

    def workspace_for_code(self, code: str) -> Workspace | None:
        """The workspace a code was issued for (to log the exchange there), or None."""
        with self._lock:
            grant = self._grants.get(code)
        return self._team(grant.team_id) if grant else None

    def _team(self, team_id: str) -> Workspace | None:
        return next((ws for ws in self.workspaces if ws.team_id == team_id), None)

    def exchange(self, args: dict[str, Any], authorization: str) -> dict[str, Any]:
        """oauth.v2.access: swap a fresh, unused code for a new bot token of its workspace, in Slack's shape."""
        self.check_client(*client_credentials(args, authorization))
        grant_type = str(args.get("grant_type") or "authorization_code")
        if grant_type != "authorization_code":
            raise SlackError("invalid_grant_type")  # token rotation is not simulated
        code, redirect_uri = str(args.get("code") or ""), str(args.get("redirect_uri") or "")
        with self._lock:
            grant = self._grants.get(code)
            ws = self._team(grant.team_id) if grant else None
            if grant is None or ws is None or code in self._used or ws.now() - grant.issued_at > CODE_TTL_SECONDS:
                raise SlackError("invalid_code")
            if redirect_uri and redirect_uri != grant.redirect_uri:
                raise SlackError("bad_redirect_uri")
            self._used.add(code)
            del self._grants[code]
        token = ws.issue_token(grant.scopes, grant.user, enterprise_install=grant.enterprise_install)
        if grant.enterprise_install:  # one token for the organization: every workspace of it honours it
            for other in self.workspaces:
                if other is not ws and other.enterprise_id == ws.enterprise_id:
                    other.adopt_token(token)
        return {
            "app_id": ws.app_id,
            "authed_user": {"id": grant.user},
            "scope": ",".join(grant.scopes),
            "token_type": "bot",
            "access_token": token.token,
            "bot_user_id": ws.bot.id,
            # An org-wide install belongs to the organization, not to the workspace it was approved from.
            "team": None if grant.enterprise_install else {"id": ws.team_id, "name": ws.team_name},
            "enterprise": ws.enterprise,
            "is_enterprise_install": grant.enterprise_install,
        }


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _list(list_id: str, items: list[str]) -> str:
    """An HTML list of already-escaped items."""
    return f'<ul id="{list_id}">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _page(title: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;color:#1d1c1d}}
a#allow{{background:#007a5a;color:#fff;padding:.5em 1.2em;border-radius:4px;text-decoration:none}}
a#cancel{{margin-right:1em}}</style></head>
<body>{body}</body></html>"""


def _error_page(message: str) -> Response:
    body = f'<h1>Something went wrong installing this app</h1><p id="error">{_e(message)}</p>'
    return HTMLResponse(_page("Install error", body), status_code=400)

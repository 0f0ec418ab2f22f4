"""A tiny stand-in for an app's install pages (NOT the bot): "Add to Slack", a state cookie, the code exchange.

It does what an OAuth-installed Slack app does with slack_sdk: `/slack/install` shows an "Add to Slack" link to
the fake's authorize URL (built by slack_sdk's AuthorizeUrlGenerator) and sets a state cookie;
`/slack/oauth_redirect` checks the state against the cookie and exchanges the code with oauth.v2.access.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth import AuthorizeUrlGenerator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

SCOPES = ["chat:write", "commands", "app_mentions:read"]
USER_SCOPES = ["identify"]


@dataclass
class InstallerApp:
    """Not the bot: serves the install pages and keeps every installation (the oauth.v2.access answers)."""

    api_url: str
    authorize_url: str
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    base_url: str = ""  # where this app is served, set once its server has started
    installations: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}slack/oauth_redirect"

    def asgi(self) -> Starlette:
        async def install(request: Request) -> Response:
            state = secrets.token_urlsafe(16)
            generator = AuthorizeUrlGenerator(
                client_id=self.client_id,
                scopes=SCOPES,
                user_scopes=USER_SCOPES,
                redirect_uri=self.redirect_uri,
                authorization_url=self.authorize_url,
            )
            link = generator.generate(state)
            page = HTMLResponse(f'<html><body><a id="add" href="{link.replace("&", "&amp;")}">Add to Slack</a></body>')
            page.set_cookie("slack-app-oauth-state", state, httponly=True)
            return page

        async def oauth_redirect(request: Request) -> Response:
            query = request.query_params
            if query.get("state") != request.cookies.get("slack-app-oauth-state"):
                self.failures.append("state mismatch")
                return PlainTextResponse("state mismatch", status_code=400)
            if "error" in query:
                self.failures.append(query["error"])
                return PlainTextResponse(f"install cancelled: {query['error']}", status_code=200)
            try:
                answer = WebClient(base_url=self.api_url).oauth_v2_access(
                    client_id=self.client_id,
                    client_secret=self.client_secret,
                    code=query["code"],
                    redirect_uri=self.redirect_uri,
                )
            except SlackApiError as error:
                self.failures.append(error.response["error"])
                return PlainTextResponse(error.response["error"], status_code=400)
            self.installations.append(answer.data)  # type: ignore[arg-type]
            return PlainTextResponse(f"installed in {answer['team']['name']}")

        return Starlette(
            routes=[
                Route("/slack/install", install, methods=["GET"]),
                Route("/slack/oauth_redirect", oauth_redirect, methods=["GET"]),
            ]
        )

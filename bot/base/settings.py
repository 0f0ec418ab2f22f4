"""Configuration from the environment (and an optional .env file), validated once at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from flows.catalog import DEFAULT_CATALOG_PATH

# Slack's signing secrets are 32 hexadecimal characters; anything shorter is a placeholder or a typo, and a short
# HMAC key is one an attacker can guess.
SIGNING_SECRET_LENGTH = 32
_WHERE_THE_SECRET_IS = "copy the Signing Secret from the app's Basic Information page (App Credentials)"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    # Distribution (OAuth, many workspaces): set both instead of SLACK_BOT_TOKEN.
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    # Where Slack sends people back after "Allow" (the app's Redirect URL); Slack uses the configured one if unset.
    slack_redirect_uri: str | None = None
    slack_authorize_url: str = "https://slack.com/oauth/v2/authorize"
    slack_api_url: str = "https://slack.com/api/"
    # Where Slack's response URLs point: a request naming any other is refused, and nothing is ever sent elsewhere.
    slack_hooks_url: str = "https://hooks.slack.com/"
    # How long a Web API call may take before it counts as failed (and is retried after a check).
    slack_timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0
    database_url: str = "sqlite:///mldesign.db"
    host: str = "0.0.0.0"
    port: Annotated[int, Field(ge=0, le=65535)] = 3000
    mldesign_catalog: Path = DEFAULT_CATALOG_PATH
    mldesign_background_workers: Annotated[int, Field(ge=1, le=64)] = 4
    # Processes `mldesign serve` starts (Heroku's WEB_CONCURRENCY), and threads per process that answer Slack.
    web_concurrency: Annotated[int, Field(ge=1, le=32)] = 1
    mldesign_threads: Annotated[int, Field(ge=1, le=200)] = 16
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error"] = "INFO"
    # JSON lines for a log pipeline; "text" for a person reading a terminal.
    log_format: Literal["json", "text"] = "json"
    # How often the dispatcher looks for revisit nudges that fell due (the database says which), and how
    # often the sweep looks for changes not yet shown in Slack (left by a crash or a Slack outage).
    mldesign_dispatch_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    mldesign_sweep_seconds: Annotated[float, Field(gt=0, le=3600)] = 30.0
    # Distribution: the keys the workspaces' tokens are encrypted with in the database, comma-separated, newest
    # first (Fernet keys: `mldesign keys new` makes one). Only the first encrypts; the others still decrypt.
    mldesign_token_keys: SecretStr | None = None
    # Days a workspace's designs are kept after it uninstalls mldesign (reinstalling within them keeps them).
    mldesign_uninstall_grace_days: Annotated[int, Field(ge=0, le=3650)] = 30
    # Where monitoring reaches this bot (its public https address): `/mldesign alerts` shows the webhook URL under it.
    mldesign_public_url: str | None = None
    # Sandbox only: follow the fake Slack's clock, which can be fast-forwarded.
    mldesign_clock_url: str | None = None

    @field_validator("mldesign_public_url")
    @classmethod
    def _a_web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL, e.g. https://mldesign.example.com")
        return value.rstrip("/") if value else None

    @field_validator("slack_api_url", "slack_hooks_url")
    @classmethod
    def _ends_with_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or not value.endswith("/"):
            raise ValueError("must be an http(s) URL ending with '/', e.g. https://slack.com/api/")
        return value

    @field_validator("slack_signing_secret")
    @classmethod
    def _a_real_signing_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        secret = value.get_secret_value().strip()
        if not secret:
            raise ValueError(f"it is empty; {_WHERE_THE_SECRET_IS}")
        if "..." in secret or "<" in secret:
            raise ValueError(f"it is the placeholder from .env.example; {_WHERE_THE_SECRET_IS}")
        if len(secret) < SIGNING_SECRET_LENGTH:
            raise ValueError(
                f"it has {len(secret)} characters where Slack's have {SIGNING_SECRET_LENGTH}; {_WHERE_THE_SECRET_IS}"
            )
        return SecretStr(secret)

    @field_validator("mldesign_token_keys")
    @classmethod
    def _fernet_keys(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        from cryptography.fernet import Fernet  # only when distributed: a single-token install never loads it

        keys = [key.strip() for key in value.get_secret_value().split(",")]
        for number, key in enumerate(keys, start=1):
            try:
                Fernet(key)
            except ValueError:
                raise ValueError(f"key {number} is not a Fernet key; `mldesign keys new` makes one") from None
        return SecretStr(",".join(keys))

    @model_validator(mode="after")
    def _one_way_to_get_tokens(self) -> Self:
        if (self.slack_client_id is None) != (self.slack_client_secret is None):
            missing = "slack_client_secret" if self.slack_client_secret is None else "slack_client_id"
            raise ValueError(f"{missing.upper()} is not set; distribution needs both SLACK_CLIENT_ID and it")
        if self.slack_client_id is not None and self.slack_bot_token is not None:
            raise ValueError(
                "SLACK_BOT_TOKEN and SLACK_CLIENT_ID are both set; use the token for one workspace, or "
                "SLACK_CLIENT_ID/SLACK_CLIENT_SECRET to install in many, not both"
            )
        if self.slack_client_id is not None and self.mldesign_token_keys is None:
            raise ValueError(
                "MLDESIGN_TOKEN_KEYS is not set; distribution keeps each workspace's token in the database, "
                "encrypted with it: make a key with `mldesign keys new`"
            )
        return self

    def secrets(self) -> list[str]:
        """Every configured secret, for the log filter that masks them."""
        values = (self.slack_bot_token, self.slack_signing_secret, self.slack_app_token, self.slack_client_secret)
        return [value.get_secret_value() for value in values if value is not None] + self.token_keys()

    def token_keys(self) -> list[str]:
        """MLDESIGN_TOKEN_KEYS, newest first (none when not set)."""
        return self.mldesign_token_keys.get_secret_value().split(",") if self.mldesign_token_keys else []

    @property
    def distributed(self) -> bool:
        """Installed per workspace through OAuth, with tokens in the database (rather than one bot token)."""
        return self.slack_client_id is not None

    def require(self, *names: str) -> None:
        """Fail with one line naming the first missing setting a mode needs."""
        for name in names:
            if getattr(self, name) is None:
                raise SettingsError(f"{name.upper()} is not set; it is required for this command.")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line naming it."""


def load_settings(**overrides: object) -> Settings:
    """The environment's settings (``overrides`` are command-line flags, validated like the rest)."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        problem = error.errors()[0]
        if not problem["loc"]:  # a rule across settings: its message names them
            raise SettingsError(str(problem["msg"]).removeprefix("Value error, ")) from None
        message = str(problem["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"{str(problem['loc'][0]).upper()} is invalid: {message}") from None

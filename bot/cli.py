"""The `mldesign` command: `serve` (HTTP mode), `socket` (Socket Mode), `sandbox` (a fake Slack) and
`export` (a design document on standard output)."""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from typing import TYPE_CHECKING

from bot.settings import Settings, SettingsError, load_settings
from flows.catalog import CatalogError

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.services import Services


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mldesign", description="An ML system design assistant for Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve Slack's HTTP requests on $PORT (default 3000)")
    commands.add_parser("socket", help="connect to Slack over Socket Mode (needs SLACK_APP_TOKEN)")
    sandbox = commands.add_parser("sandbox", help="try mldesign in a browser against a fake Slack on this machine")
    sandbox.add_argument("--port", type=int, help="the page's port (default: $PORT or 3000)")
    sandbox.add_argument("--state-dir", help="keep the sandbox's workspace and database here across restarts")
    export = commands.add_parser("export", help="print a design's Markdown document (every answer, its history)")
    export.add_argument("design", metavar="NAME_OR_ID", help="the design's name (any channel) or its id")
    export.add_argument("--team", metavar="TEAM_ID", help="only look in this workspace")
    arguments = parser.parse_args(argv)
    if arguments.command == "sandbox":
        return run_sandbox(port=arguments.port, state_dir=arguments.state_dir)
    try:
        settings = load_settings()
        _configure_logging(settings)
        if arguments.command == "export":
            return export_document(settings, arguments.design, team_id=arguments.team)
        if arguments.command == "serve":
            serve(settings)
        else:
            socket_mode(settings)
    except (SettingsError, CatalogError) as error:
        print(f"mldesign: {error}", file=sys.stderr)
        return 2
    return 0


def export_document(settings: Settings, reference: str, *, team_id: str | None) -> int:
    """Print one design's document; when the reference matches none or several, say so and fail."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.export import load_document
    from flows.catalog import load_catalog
    from storage import repositories as repo
    from storage.engine import make_engine, read_scope
    from storage.models import utc_now

    catalog = load_catalog(settings.mldesign_catalog)
    engine = make_engine(settings.database_url)
    try:
        with read_scope(engine) as session:
            matches = repo.find_designs(session=session, reference=" ".join(reference.split()), team_id=team_id)
            if len(matches) != 1:
                where = f" in workspace {team_id}" if team_id else ""
                if not matches:
                    print(f"mldesign: no design named or numbered “{reference}”{where}.", file=sys.stderr)
                    return 1
                print(f"mldesign: “{reference}” matches {len(matches)} designs{where}; give one id:", file=sys.stderr)
                for design in matches:
                    started = f"{design.created_at:%Y-%m-%d}"
                    print(
                        f"  {design.id}  {design.name}  (workspace {design.team_id}, channel {design.channel_id},"
                        f" started {started})",
                        file=sys.stderr,
                    )
                return 1
            document = load_document(session=session, catalog=catalog, design=matches[0], exported_at=utc_now())
    except SQLAlchemyError as error:
        raise SettingsError(f"cannot read designs from DATABASE_URL ({type(error).__name__})") from None
    finally:
        engine.dispose()
    sys.stdout.write(document.markdown)
    return 0


def _create_app(services: Services) -> App:
    """Build the Bolt app, which checks the token with auth.test; a failure becomes one clear line."""
    from slack_bolt.error import BoltError

    from bot.app import create_app

    try:
        return create_app(services)
    except BoltError as error:
        code = getattr(error.__context__, "response", {}).get("error", "auth.test failed")
        services.close()
        raise SettingsError(f"SLACK_BOT_TOKEN was refused by Slack ({code}).") from None
    except OSError as error:
        services.close()
        api_url = services.settings.slack_api_url
        raise SettingsError(f"cannot reach Slack at SLACK_API_URL {api_url} ({type(error).__name__}).") from None


def run_sandbox(*, port: int | None, state_dir: str | None) -> int:
    """Hand over to the fake Slack's launcher, which runs this bot's `serve` wired to it.

    The sandbox only speaks Slack's protocol to the bot, so it starts the bot as a separate process
    rather than importing it.
    """
    command = [sys.executable, "-m", "sandbox", "--app-command", f"{shlex.quote(sys.executable)} -m bot.cli serve"]
    # In the sandbox, a fast-forwarded clock should bring a due nudge within seconds, not half a minute.
    os.environ.setdefault("MLDESIGN_DISPATCH_SECONDS", "2")
    if port is not None:
        command += ["--port", str(port)]
    if state_dir is not None:
        command += ["--state-dir", state_dir]
    os.execv(sys.executable, command)


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    # One line per HTTP call or scheduler tick drowns what matters; their warnings still show.
    for chatty in ("httpx", "apscheduler.executors.default", "apscheduler.scheduler"):
        logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))


def serve(settings: Settings) -> None:
    import uvicorn

    from bot.server import create_web_app
    from bot.services import build_services

    settings.require("slack_bot_token", "slack_signing_secret")
    services = build_services(settings)
    web_app = create_web_app(_create_app(services), services)
    print(f"mldesign listening on http://{settings.host}:{settings.port}/slack/events", flush=True)
    uvicorn.run(web_app, host=settings.host, port=settings.port, log_level="warning", access_log=False)


def socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.server import start_scheduler
    from bot.services import build_services

    settings.require("slack_bot_token", "slack_app_token")
    services = build_services(settings)
    app = _create_app(services)
    scheduler = start_scheduler(services)
    assert settings.slack_app_token is not None
    try:
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
    finally:
        scheduler.shutdown(wait=False)
        services.close()


if __name__ == "__main__":
    sys.exit(main())

"""The `mldesign` command: `serve` (HTTP mode), `socket` (Socket Mode), `sandbox` (a fake Slack), `export` (a
design document on standard output), `manifest`, `db` (migrations) and `keys` (the token encryption keys)."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from bot.base.settings import Settings, SettingsError, load_settings
from flows.catalog import CatalogError
from storage.schema import SchemaError

if TYPE_CHECKING:
    from slack_bolt import App

    from bot.runtime.wiring import Process


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mldesign", description="An ML system design assistant for Slack.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_command = commands.add_parser("serve", help="serve Slack's HTTP requests on $PORT (default 3000)")
    serve_command.add_argument(
        "--migrate", action="store_true", help="bring the database to this version's schema first (as `db upgrade`)"
    )
    serve_command.add_argument("--workers", type=int, help="processes to run (default: $WEB_CONCURRENCY or 1)")
    serve_command.add_argument("--threads", type=int, help="threads per process (default: $MLDESIGN_THREADS or 16)")
    commands.add_parser("socket", help="connect to Slack over Socket Mode (needs SLACK_APP_TOKEN)")
    commands.add_parser("worker", help="the process that does serve's Slack work (serve starts it)")
    sandbox = commands.add_parser("sandbox", help="try mldesign in a browser against a fake Slack on this machine")
    sandbox.add_argument("--port", type=int, help="the page's port (default: $PORT or 3000)")
    sandbox.add_argument("--state-dir", help="keep the sandbox's workspace and database here across restarts")
    export = commands.add_parser("export", help="print a design's Markdown document (every answer, its history)")
    export.add_argument("design", metavar="NAME_OR_ID", help="the design's name (any channel) or its id")
    export.add_argument("--team", metavar="TEAM_ID", help="only look in this workspace")
    manifest = commands.add_parser("manifest", help="print the Slack app manifest for your host (JSON)")
    manifest.add_argument("--url", default=None, help="where mldesign is served, e.g. https://mldesign.example.org")
    manifest.add_argument("--socket", action="store_true", help="the Socket Mode variant (no request URLs)")
    database = commands.add_parser("db", help="the database schema's migrations")
    migrations = database.add_subparsers(dest="db_command", required=True)
    upgrade = migrations.add_parser("upgrade", help="migrate DATABASE_URL to this version's schema (Procfile release)")
    upgrade.add_argument("revision", nargs="?", default="head", help="a revision id (default: the latest)")
    migrations.add_parser("current", help="print the database's schema revision and the code's")
    draft = migrations.add_parser("revision", help="draft the next migration from the models (for developers)")
    draft.add_argument("-m", "--message", required=True, help="what the migration changes")
    keys = commands.add_parser("keys", help="the keys that encrypt the workspaces' tokens (distribution)")
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    key_commands.add_parser("new", help="print a new key, for MLDESIGN_TOKEN_KEYS")
    key_commands.add_parser(
        "rotate",
        help="re-encrypt every stored token with the first key of MLDESIGN_TOKEN_KEYS (after putting a new one first)",
    )
    arguments = parser.parse_args(argv)
    if arguments.command == "keys" and arguments.keys_command == "new":
        from storage.installations import new_key

        print(new_key())
        return 0
    if arguments.command == "sandbox":
        return run_sandbox(port=arguments.port, state_dir=arguments.state_dir)
    if arguments.command == "manifest":
        return print_manifest(arguments.url, socket_mode=arguments.socket)
    try:
        overrides = {}
        if arguments.command == "serve":
            overrides = {"web_concurrency": arguments.workers, "mldesign_threads": arguments.threads}
        settings = load_settings(**{name: value for name, value in overrides.items() if value is not None})
        _configure_logging(settings)
        if arguments.command == "export":
            return export_document(settings, arguments.design, team_id=arguments.team)
        if arguments.command == "worker":
            return run_worker_command()
        if arguments.command == "db":
            return database_command(settings, arguments)
        if arguments.command == "keys":
            return rotate_keys(settings)
        if arguments.command == "serve":
            if arguments.migrate:
                migrate(settings, "head")
            serve(settings)
        else:
            socket_mode(settings)
    except (SettingsError, CatalogError, SchemaError) as error:
        print(f"mldesign: {error}", file=sys.stderr)
        return 2
    return 0


def export_document(settings: Settings, reference: str, *, team_id: str | None) -> int:
    """Print one design's document; when the reference matches none or several, say so and fail."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.outbound.export import load_document
    from bot.usecases.catalogs import Catalogs
    from flows.catalog import load_catalog
    from storage import designs as design_repo
    from storage.engine import make_engine, read_scope
    from storage.models import utc_now

    configured = load_catalog(settings.mldesign_catalog)
    engine = make_engine(settings.database_url)
    try:
        with read_scope(engine) as session:
            matches = design_repo.find_designs(session=session, reference=" ".join(reference.split()), team_id=team_id)
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
            design = matches[0]
            catalog = Catalogs(engine=engine, current=configured).of(design)  # the questions it was started with
            document = load_document(session=session, catalog=catalog, design=design, exported_at=utc_now())
    except SQLAlchemyError as error:
        raise SettingsError(f"cannot read designs from DATABASE_URL ({type(error).__name__})") from None
    finally:
        engine.dispose()
    sys.stdout.write(document.markdown)
    return 0


def print_manifest(url: str | None, *, socket_mode: bool) -> int:
    import json

    from bot.inbound.manifest import PLACEHOLDER_URL, manifest

    if url is not None and not url.startswith("https://"):
        print("mldesign: --url must start with https:// (Slack only sends requests to HTTPS URLs)", file=sys.stderr)
        return 2
    print(json.dumps(manifest(url or PLACEHOLDER_URL, socket_mode=socket_mode), indent=2, ensure_ascii=False))
    return 0


def database_command(settings: Settings, arguments: argparse.Namespace) -> int:
    from storage import schema
    from storage.engine import make_engine

    if arguments.db_command == "upgrade":
        migrate(settings, arguments.revision)
    elif arguments.db_command == "current":
        with _database_errors():
            engine = make_engine(settings.database_url)
            try:
                found = schema.current(engine)
            finally:
                engine.dispose()
        print(f"database: {found or 'empty (never migrated)'}; this code: {schema.head()}")
    else:
        with _database_errors():
            schema.draft_revision(settings.database_url, arguments.message)
    return 0


def migrate(settings: Settings, revision: str) -> None:
    from storage import schema
    from storage.installations import token_cipher

    cipher = token_cipher(settings.token_keys()) if settings.token_keys() else None
    with _database_errors():
        reached = schema.upgrade(settings.database_url, revision, token_cipher=cipher)
    print(f"mldesign: the database is at schema {reached}", flush=True)


def rotate_keys(settings: Settings) -> int:
    """`mldesign keys rotate`: every stored token re-encrypted with the first key, so older keys can be dropped."""
    from storage.engine import make_engine
    from storage.installations import UnreadableToken, rotate_tokens, token_cipher

    if not settings.token_keys():
        raise SettingsError("MLDESIGN_TOKEN_KEYS is not set; it is required for this command.")
    with _database_errors():
        engine = make_engine(settings.database_url)
        try:
            rotated = rotate_tokens(engine=engine, cipher=token_cipher(settings.token_keys()))
        except UnreadableToken as error:
            raise SettingsError(f"MLDESIGN_TOKEN_KEYS: {error}") from None
        finally:
            engine.dispose()
    print(f"mldesign: {rotated} stored secrets are encrypted with the first key; the others can be removed", flush=True)
    return 0


@contextmanager
def _database_errors() -> Iterator[None]:
    """A database that can't be reached or migrated is one line naming DATABASE_URL, not a traceback."""
    from alembic.util import CommandError
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except (SQLAlchemyError, CommandError) as error:
        raise SettingsError(f"DATABASE_URL: {_first_line(error)}") from None


def _first_line(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _create_app(process: Process) -> App:
    """Build the Bolt app, which checks the token with auth.test; a failure becomes one clear line."""
    from slack_bolt.error import BoltError

    from bot.usecases import workspaces

    try:
        app = process.bolt_app()
        if not process.settings.distributed:  # a new token for a workspace that had uninstalled: it is back
            team_id = str(process.clients.shared.auth_test()["team_id"])
            with process.recording.db.unit_of_work() as session:
                workspaces.returned(session=session, team_id=team_id)
        return app
    except BoltError as error:
        code = getattr(error.__context__, "response", {}).get("error", "auth.test failed")
        process.close()
        raise SettingsError(f"SLACK_BOT_TOKEN was refused by Slack ({code}).") from None
    except OSError as error:
        process.close()
        api_url = process.settings.slack_api_url
        raise SettingsError(f"cannot reach Slack at SLACK_API_URL {api_url} ({type(error).__name__}).") from None


def run_sandbox(*, port: int | None, state_dir: str | None) -> int:
    """Hand over to the fake Slack's launcher, which runs this bot's `serve` wired to it.

    The sandbox only speaks Slack's protocol to the bot, so it starts the bot as a separate process
    rather than importing it.
    """
    app_command = f"{shlex.quote(sys.executable)} -m bot.cli serve --migrate"
    command = [sys.executable, "-m", "sandbox", "--app-command", app_command]
    # In the sandbox, a fast-forwarded clock should bring a due nudge within seconds, not half a minute.
    os.environ.setdefault("MLDESIGN_DISPATCH_SECONDS", "2")
    os.environ.setdefault("LOG_FORMAT", "text")  # read by a person in a terminal
    if port is not None:
        command += ["--port", str(port)]
    if state_dir is not None:
        command += ["--state-dir", state_dir]
    os.execv(sys.executable, command)


def _configure_logging(settings: Settings) -> None:
    from bot.runtime.logs import configure_logging

    configure_logging(level=settings.log_level, json_lines=settings.log_format == "json", secrets=settings.secrets())


def serve(settings: Settings) -> None:
    """Serve HTTP with uvicorn, in this process or in ``web_concurrency`` worker processes that each build their
    own process (the database coordinates them, as it does separate machines), beside the worker process that
    does their Slack work (bot.runtime.worker)."""
    import uvicorn

    from bot.jobs.link import ADDRESS_VARIABLE
    from bot.runtime.web import freeze_start_up_heap
    from bot.runtime.wiring import WORKER_FACTORY, build_process, web_app
    from bot.runtime.worker import WorkerProcess

    check_serve_settings(settings)
    worker = WorkerProcess()
    sys.stdout.flush()
    sys.stderr.flush()
    worker.start()  # forked now, before this process starts any thread
    try:
        with _database_errors():
            process = build_process(settings, worker_address=worker.address)
        bolt_app = _create_app(process)  # checks the token (auth.test) once, before any web process starts
        if not worker.wait_ready():
            print("mldesign: the worker did not start; this process does its Slack work meanwhile", file=sys.stderr)
        where = f"http://{settings.host}:{settings.port}/slack/events"
        print(f"mldesign listening on {where} ({settings.web_concurrency} process(es))", flush=True)
        # log_config=None: uvicorn's own lines go through our handler too (JSON, secrets masked).
        common = {"host": settings.host, "port": settings.port, "log_config": None, "access_log": False}
        if settings.web_concurrency == 1:
            served = web_app(process, bolt_app, after_shutdown=worker.stop)
            freeze_start_up_heap()
            uvicorn.run(served, **common)
            return
        process.close()
        os.environ["WEB_CONCURRENCY"] = str(settings.web_concurrency)  # the processes read the same settings
        os.environ["MLDESIGN_THREADS"] = str(settings.mldesign_threads)
        os.environ[ADDRESS_VARIABLE] = worker.address
        uvicorn.run(WORKER_FACTORY, factory=True, workers=settings.web_concurrency, **common)
    finally:
        worker.stop()  # after the web processes (if it is not stopped yet): the jobs they sent last are done first


def run_worker_command() -> int:
    """`mldesign worker`: the worker `serve` restarts after a crash (the first one is forked)."""
    from bot.jobs.link import ADDRESS_VARIABLE
    from bot.runtime.worker import PARENT_VARIABLE, run_worker

    address, parent = os.environ.get(ADDRESS_VARIABLE), os.environ.get(PARENT_VARIABLE)
    if not address or not parent or not parent.isdigit():
        print("mldesign: the worker is started by `mldesign serve`, not by hand", file=sys.stderr)
        return 2
    run_worker(address, int(parent))
    return 0


def check_serve_settings(settings: Settings) -> None:
    """What `serve` checks before it forks its worker: a bad setting or catalog is reported once, by this process,
    not again (and first, at random) by the worker that would fail on it too."""
    from flows.catalog import load_catalog

    if not settings.distributed and settings.slack_bot_token is None:
        raise SettingsError(
            "SLACK_BOT_TOKEN is not set; it is required for this command "
            "(or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET to install mldesign in many workspaces)."
        )
    settings.require("slack_signing_secret")
    load_catalog(settings.mldesign_catalog)


def socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.runtime.scheduler import start_scheduler
    from bot.runtime.wiring import build_process

    settings.require("slack_bot_token", "slack_app_token")
    with _database_errors():
        process = build_process(settings)
    app = _create_app(process)
    scheduler = start_scheduler(process.periodic)
    assert settings.slack_app_token is not None
    try:
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
    finally:
        scheduler.shutdown(wait=False)
        process.close()


if __name__ == "__main__":
    sys.exit(main())

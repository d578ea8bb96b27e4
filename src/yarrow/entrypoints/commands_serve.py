"""``yarrow serve`` (embedded, all-in-one) and ``yarrow api`` (the API process alone)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator

import click
import uvicorn

from yarrow.api.app import create_app
from yarrow.db.migrate import upgrade_to_head
from yarrow.entrypoints.background import (
    free_loopback_port,
    start_background,
    task_system_for,
    with_embedded_sandbox,
)
from yarrow.entrypoints.commands_admin import reports_errors
from yarrow.entrypoints.logging_setup import configure_logging
from yarrow.entrypoints.wiring import build_process
from yarrow.settings import Settings, load_settings, read_environment


class GracefulServer(uvicorn.Server):
    """A uvicorn server whose SIGTERM/SIGINT end in a graceful shutdown and exit status 0."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        """Handle the stop signals without re-raising them after shutdown (as uvicorn does)."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in _STOP_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _run(
    settings: Settings,
    environ: dict[str, str],
    host: str,
    port: int,
    *,
    migrate: bool,
    banner: bool,
    embedded: bool = False,
) -> None:
    started = time.monotonic()
    configure_logging(settings.core.log_level, settings.core.log_format)
    run_sandbox = embedded and environ.get("YARROW_EMBEDDED_SANDBOX", "true").lower() != "false"
    if run_sandbox:
        settings = with_embedded_sandbox(settings, free_loopback_port())
    process = build_process(settings, environ)
    if migrate:
        upgrade_to_head(process.database)
    background = start_background(process, environ, sandbox=run_sandbox) if embedded else None
    if not embedded and settings.celery.celery_broker_url:
        task_system_for(process, in_process=False)  # the API enqueues; workers run the tasks
    app = create_app(process.services)
    if banner:
        click.echo(f"Yarrow data directory: {settings.data_dir}")
        click.echo(
            f"Yarrow listening on http://{host}:{port} "
            f"(prepared in {time.monotonic() - started:.2f} s)"
        )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=10,
        lifespan="on",
    )
    try:
        GracefulServer(config).run()
    finally:
        if background is not None:
            background.stop()
        process.database.dispose()


@click.command("serve")
@click.option("--host", default=None, help="Bind address (default 127.0.0.1, YARROW_HOST).")
@click.option("--port", default=None, type=int, help="Port (default 5001, YARROW_PORT).")
@click.option("--data-dir", default=None, help="Data directory (YARROW_DATA_DIR).")
@reports_errors
def serve(host: str | None, port: int | None, data_dir: str | None) -> None:
    """Run the whole platform in one process with embedded defaults (no services needed)."""
    environ = read_environment()
    if data_dir:
        environ["YARROW_DATA_DIR"] = os.path.abspath(data_dir)
    settings = load_settings(embedded=True, environ=environ)
    _run(
        settings,
        environ,
        host or settings.core.yarrow_host,
        port or settings.core.yarrow_port,
        migrate=True,
        banner=True,
        embedded=True,
    )


@click.command("api")
@click.option("--host", default="0.0.0.0", help="Bind address.")
@click.option("--port", default=5001, type=int, help="Port.")
@click.option(
    "--migrate/--no-migrate",
    default=None,
    help="Apply migrations first (default: MIGRATION_ENABLED).",
)
@reports_errors
def api(host: str, port: int, migrate: bool | None) -> None:
    """Run the API process alone (production mode: a real SECRET_KEY is required)."""
    environ = read_environment()
    settings = load_settings(embedded=False, environ=environ)
    if migrate is None:
        migrate = environ.get("MIGRATION_ENABLED", "").lower() == "true"
    _run(settings, environ, host, port, migrate=migrate, banner=False)


COMMANDS: list[click.Command] = [serve, api]

"""``yarrow worker`` (Celery worker, ``--check`` for probes) and ``yarrow beat`` (the schedule)."""

from __future__ import annotations

import sys

import click

from yarrow.entrypoints.background import task_system_for
from yarrow.entrypoints.commands_admin import reports_errors
from yarrow.entrypoints.logging_setup import configure_logging
from yarrow.entrypoints.wiring import build_process, load_for_cli
from yarrow.settings import Settings, read_environment
from yarrow.tasks import BrokerUnavailable, TaskSystem


def _celery_system(settings: Settings) -> TaskSystem:
    return task_system_for(build_process(settings, read_environment()), in_process=False)


@click.command("worker")
@click.option("-Q", "--queues", default=None, help="Comma-separated queues (CELERY_QUEUES).")
@click.option(
    "-c", "--concurrency", default=None, type=int, help="Processes (CELERY_WORKER_AMOUNT)."
)
@click.option("--check", is_flag=True, help="Exit 0 if the broker answers, 1 otherwise.")
@reports_errors
def worker(queues: str | None, concurrency: int | None, check: bool) -> None:
    """Run a Celery worker (acks late: a killed worker's task is delivered again)."""
    settings = load_for_cli(embedded=False)
    configure_logging(settings.core.log_level, settings.core.log_format)
    system = _celery_system(settings)
    if check:
        try:
            system.queue.check()
        except BrokerUnavailable as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)
        click.echo("broker ok")
        return
    assert system.celery is not None
    selected = [q.strip() for q in queues.split(",") if q.strip()] if queues else None
    argv = system.celery.worker_argv(
        selected or settings.celery.queue_names,
        concurrency or settings.celery.concurrency,
        settings.core.log_level,
    )
    system.celery.app.worker_main(argv)


@click.command("beat")
@click.option("--schedule-file", default=None, help="Beat state file (default in the data dir).")
@reports_errors
def beat(schedule_file: str | None) -> None:
    """Run the periodic schedule (exactly one beat per deployment)."""
    settings = load_for_cli(embedded=False)
    configure_logging(settings.core.log_level, settings.core.log_format)
    system = _celery_system(settings)
    assert system.celery is not None
    if schedule_file is None:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        schedule_file = str(settings.data_dir / "celerybeat-schedule")
    system.celery.app.start(
        ["beat", "--schedule", schedule_file, "--loglevel", settings.core.log_level]
    )


COMMANDS: list[click.Command] = [worker, beat]

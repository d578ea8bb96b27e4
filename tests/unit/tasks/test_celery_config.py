"""Dify's CELERY_* variables become the broker URL, transport options and routing (no broker)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from yarrow.db.engine import Database
from yarrow.errors import ConfigurationError
from yarrow.settings import load_settings
from yarrow.settings.redis import CelerySettings
from yarrow.tasks import TaskStore, build_task_system
from yarrow.tasks.celery_runner import HARD_LIMIT_MARGIN, broker_config
from yarrow.tasks.maintenance import CLEANUP_TASK, RECOVER_TASK


def celery(**values: Any) -> CelerySettings:
    return CelerySettings(**values)


def test_plain_redis_url() -> None:
    url, options = broker_config(celery(celery_broker_url="redis://:pw@redis:6379/1"))
    assert url == "redis://:pw@redis:6379/1"
    assert options == {"visibility_timeout": 3600}


def test_sentinel_options_follow_dify() -> None:
    url, options = broker_config(
        celery(
            celery_broker_url="sentinel://:p@h1:26379/1;sentinel://:p@h2:26379/1",
            celery_use_sentinel=True,
            celery_sentinel_master_name="mymaster",
            celery_sentinel_password="s3cret",
            celery_sentinel_socket_timeout=0.1,
        )
    )
    assert url.count("sentinel://") == 2
    assert options["master_name"] == "mymaster"
    assert options["sentinel_kwargs"] == {"socket_timeout": 0.1, "password": "s3cret"}


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"celery_broker_url": ""},
        {"celery_broker_url": "sentinel://h:26379/1"},
        {"celery_broker_url": "redis://h/1", "celery_use_sentinel": True},
    ],
)
def test_incomplete_broker_settings_are_refused(values: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        broker_config(celery(**values))


def test_worker_queue_and_concurrency_settings() -> None:
    settings = load_settings(
        embedded=False,
        environ={
            "SECRET_KEY": "x" * 32,
            "CELERY_QUEUES": "dataset, mail ,",
            "CELERY_WORKER_AMOUNT": "4",
        },
    )
    assert settings.celery.queue_names == ["dataset", "mail"]
    assert settings.celery.concurrency == 4
    override = celery(celery_worker_queues="workflow", celery_worker_concurrency=8)
    assert (override.queue_names, override.concurrency) == (["workflow"], 8)


def test_celery_app_routes_tasks_and_builds_the_beat_schedule(database: Database) -> None:
    def register(registry: Any, schedule: Any) -> None:
        registry.register("mail.send", lambda: None, queue="mail", time_limit=20)
        schedule.add("mail.digest", "mail.send", timedelta(minutes=5))

    system = build_task_system(
        celery(celery_broker_url="redis://127.0.0.1:1/0", yarrow_task_recovery_interval=30),
        database,
        in_process=False,
        registrations=(register,),
    )
    assert system.celery is not None and system.runner is None
    app = system.celery.app
    task = app.tasks["mail.send"]
    assert app.conf.task_routes["mail.send"] == {"queue": "mail"}
    assert (task.acks_late, task.reject_on_worker_lost) == (True, True)
    assert (task.soft_time_limit, task.time_limit) == (20, 20 + HARD_LIMIT_MARGIN)
    assert app.conf.task_acks_late and app.conf.worker_prefetch_multiplier == 1
    beat = app.conf.beat_schedule
    assert beat["mail.digest"] == {
        "task": "mail.send",
        "schedule": 300.0,
        "kwargs": {},
        "options": {"queue": "mail"},
    }
    assert beat[RECOVER_TASK]["schedule"] == 30.0
    assert beat[CLEANUP_TASK]["options"] == {"queue": "retention"}
    argv = system.celery.worker_argv(["mail"], 3, "INFO")
    assert argv[argv.index("--queues") + 1] == "mail"
    assert argv[argv.index("--concurrency") + 1] == "3"
    all_queues = system.celery.worker_argv([], 1, "INFO")
    assert "retention" in all_queues[all_queues.index("--queues") + 1]
    assert isinstance(system.store, TaskStore)


def test_upload_sweeper_hook_is_scheduled(database: Database) -> None:
    swept: list[int] = []
    system = build_task_system(
        celery(), database, in_process=True, upload_sweeper=lambda: swept.append(1) or 3
    )
    names = [job.name for job in system.schedule]
    assert "yarrow.files.cleanup_expired_uploads" in names
    system.registry.get("yarrow.files.cleanup_expired_uploads").handler()
    assert swept == [1]

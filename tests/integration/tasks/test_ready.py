"""``/ready`` reports broker reachability when the process has a broker, and only then."""

from __future__ import annotations

import secrets
from pathlib import Path

from fastapi.testclient import TestClient

from tests.integration.tasks.conftest import RedisServer, free_port
from yarrow.api.app import create_app
from yarrow.db.migrate import upgrade_to_head
from yarrow.entrypoints.wiring import build_process
from yarrow.settings import load_settings
from yarrow.tasks import build_task_system


def ready_with_broker(broker_url: str, tmp_path: Path) -> tuple[int, dict[str, str]]:
    environ = {
        "DB_TYPE": "sqlite",
        "YARROW_SQLITE_PATH": str(tmp_path / "ready.db"),
        "SECRET_KEY": secrets.token_urlsafe(32),
        "CELERY_BROKER_URL": broker_url,
    }
    process = build_process(load_settings(embedded=False, environ=environ))
    upgrade_to_head(process.database)
    system = build_task_system(process.settings.celery, process.database, in_process=False)
    process.services.task_queue = system.queue  # type: ignore[attr-defined]
    try:
        with TestClient(create_app(process.services)) as client:
            response = client.get("/ready")
            return response.status_code, response.json()["checks"]
    finally:
        process.database.dispose()


def test_ready_reports_a_reachable_broker(redis_server: RedisServer, tmp_path: Path) -> None:
    status, checks = ready_with_broker(f"redis://127.0.0.1:{redis_server.port}/14", tmp_path)
    assert status == 200
    assert checks == {"database": "ok", "migrations": "ok", "broker": "ok"}


def test_ready_fails_when_the_broker_is_down(tmp_path: Path) -> None:
    status, checks = ready_with_broker(f"redis://127.0.0.1:{free_port()}/0", tmp_path)
    assert status == 503
    assert checks["broker"].startswith("unreachable: Broker unreachable")
    assert checks["database"] == "ok"


def test_in_process_queue_adds_no_broker_check(tmp_path: Path) -> None:
    environ = {
        "DB_TYPE": "sqlite",
        "YARROW_SQLITE_PATH": str(tmp_path / "embedded.db"),
        "SECRET_KEY": secrets.token_urlsafe(32),
    }
    process = build_process(load_settings(embedded=False, environ=environ))
    upgrade_to_head(process.database)
    system = build_task_system(process.settings.celery, process.database, in_process=True)
    process.services.task_queue = system.queue  # type: ignore[attr-defined]
    try:
        with TestClient(create_app(process.services)) as client:
            assert client.get("/ready").json()["checks"] == {"database": "ok", "migrations": "ok"}
    finally:
        process.database.dispose()

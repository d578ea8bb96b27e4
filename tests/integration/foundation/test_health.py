"""Liveness, readiness, request ids and JSON logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from fastapi.testclient import TestClient

from yarrow.api.app import create_app
from yarrow.api.middleware import RequestIdFilter, request_id_var
from yarrow.entrypoints.logging_setup import JsonFormatter
from yarrow.entrypoints.wiring import Process, build_process
from yarrow.settings import load_settings


def test_health_and_ready(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    ready = client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok"}


def test_ready_fails_until_migrated(process: Process, tmp_path: Path) -> None:
    environ = {
        "DB_TYPE": "sqlite",
        "YARROW_SQLITE_PATH": str(tmp_path / "fresh.db"),
        "SECRET_KEY": process.settings.core.secret_key.get_secret_value(),
    }
    fresh = build_process(load_settings(embedded=False, environ=environ))
    with TestClient(create_app(fresh.services)) as client:
        response = client.get("/ready")
        assert response.status_code == 503
        assert response.json()["checks"]["migrations"].startswith("at None")
        assert client.get("/health").status_code == 200
    fresh.database.dispose()


def test_request_ids_are_echoed_or_made(client: TestClient) -> None:
    made = client.get("/health").headers["x-request-id"]
    assert len(made) == 32
    assert (
        client.get("/health", headers={"X-Request-Id": "abc-123"}).headers["x-request-id"]
        == "abc-123"
    )
    assert (
        client.get("/health", headers={"X-Request-Id": "x" * 500}).headers["x-request-id"]
        != "x" * 500
    )


def test_json_log_lines_carry_the_request_id() -> None:
    record = logging.LogRecord(
        "yarrow.test", logging.INFO, __file__, 1, "hello %s", ("world",), None
    )
    token = request_id_var.set("req-42")
    try:
        RequestIdFilter().filter(record)
    finally:
        request_id_var.reset(token)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "hello world" and line["request_id"] == "req-42"
    assert line["level"] == "INFO" and line["logger"] == "yarrow.test"

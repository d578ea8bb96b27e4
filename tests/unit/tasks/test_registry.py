"""Task registration, queues, backoff and periodic jobs."""

from __future__ import annotations

import sys
import types
from datetime import timedelta

import pytest

from yarrow.tasks import Schedule, TaskRegistrationError, TaskRegistry, UnknownTask
from yarrow.tasks.registry import QUEUES, load_task_modules


def noop() -> None:
    return None


def test_register_and_lookup(registry: TaskRegistry) -> None:
    spec = registry.register("dataset.index_document", noop, queue="dataset", max_retries=2)
    assert registry.get("dataset.index_document") is spec
    assert "dataset.index_document" in registry
    assert [s.name for s in registry] == ["dataset.index_document"]


def test_decorator_registers(registry: TaskRegistry) -> None:
    @registry.task("mail.send", queue="mail")
    def send(to: str) -> None:
        return None

    assert registry.get("mail.send").handler is send


def test_unknown_task_lists_registered(registry: TaskRegistry) -> None:
    registry.register("a.b", noop)
    with pytest.raises(UnknownTask, match=r"registered: a\.b"):
        registry.get("missing")


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("bad name", {}),
        ("", {}),
        ("x", {"queue": "no-such-queue"}),
        ("x", {"max_retries": -1}),
        ("x", {"backoff": -1.0}),
        ("x", {"time_limit": 0}),
    ],
)
def test_invalid_registrations(
    registry: TaskRegistry, name: str, options: dict[str, object]
) -> None:
    with pytest.raises(TaskRegistrationError):
        registry.register(name, noop, **options)


def test_duplicate_registration(registry: TaskRegistry) -> None:
    registry.register("x", noop)
    with pytest.raises(TaskRegistrationError, match="already"):
        registry.register("x", noop)


def test_dify_queue_names_are_known() -> None:
    for name in ("dataset", "generation", "workflow", "mail", "ops_trace", "app_deletion"):
        assert name in QUEUES


def test_backoff_doubles_and_caps(registry: TaskRegistry) -> None:
    spec = registry.register("x", noop, backoff=1.0, backoff_max=5.0)
    assert [spec.retry_delay(n, jitter=False) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 5.0]
    for _ in range(50):
        assert 0.5 <= spec.retry_delay(1) <= 1.0


def test_schedule_rejects_duplicates_too_frequent_and_unknown(registry: TaskRegistry) -> None:
    schedule = Schedule()
    schedule.add("j", "t", timedelta(seconds=5))
    with pytest.raises(TaskRegistrationError):
        schedule.add("j", "t", timedelta(seconds=5))
    with pytest.raises(TaskRegistrationError):
        schedule.add("k", "t", timedelta(milliseconds=10))
    with pytest.raises(TaskRegistrationError, match="unregistered"):
        schedule.check(registry)
    registry.register("t", noop)
    schedule.check(registry)


def test_load_task_modules(registry: TaskRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("yarrow_test_task_module")

    def register(reg: TaskRegistry, schedule: Schedule) -> None:
        reg.register("from.module", noop)
        schedule.add("from.module", "from.module", timedelta(minutes=1))

    module.register = register  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "yarrow_test_task_module", module)
    schedule = Schedule()
    load_task_modules(" yarrow_test_task_module , ", registry, schedule)
    assert "from.module" in registry and [j.name for j in schedule] == ["from.module"]


def test_load_task_modules_errors(registry: TaskRegistry, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TaskRegistrationError, match="Cannot import"):
        load_task_modules("no_such_module_xyz", registry, Schedule())
    monkeypatch.setitem(sys.modules, "yarrow_empty_mod", types.ModuleType("yarrow_empty_mod"))
    with pytest.raises(TaskRegistrationError, match="no register"):
        load_task_modules("yarrow_empty_mod", registry, Schedule())

"""``yarrow beat`` fires the schedule into a real ``yarrow worker`` over Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.tasks.conftest import Deployment, wait_for
from yarrow.tasks.maintenance import CLEANUP_TASK, RECOVER_TASK


@pytest.mark.slow
def test_beat_fires_periodic_jobs_that_workers_run(
    redis_deployment: Deployment, tmp_path: Path
) -> None:
    ticks = tmp_path / "ticks.txt"
    redis_deployment.env["YARROW_TEST_TICK_FILE"] = str(ticks)
    redis_deployment.start("beat", "--schedule-file", str(tmp_path / "beat-state"), log="beat")
    redis_deployment.worker()

    def ticked() -> bool:
        return ticks.exists() and ticks.read_text().count("tick") >= 3

    wait_for(ticked, 60, lambda: "three ticks:\n" + redis_deployment.logs())
    store = redis_deployment.system.store
    wait_for(
        lambda: any(r.status == "succeeded" for r in store.records(name=RECOVER_TASK)),
        30,
        "the recovery job",
    )
    ticked_records = store.records(name="sample.tick")
    assert ticked_records and all(r.runner == "celery" for r in ticked_records)
    assert redis_deployment.system.celery is not None
    beat_schedule = redis_deployment.system.celery.app.conf.beat_schedule
    assert beat_schedule[CLEANUP_TASK]["schedule"] == 86400.0  # CELERY_BEAT_SCHEDULER_TIME=1 day
    assert beat_schedule[CLEANUP_TASK]["options"] == {"queue": "retention"}

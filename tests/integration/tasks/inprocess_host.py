"""Stands in for ``yarrow serve``'s task wiring: the in-process runner until SIGTERM.

Usage: ``python -m tests.integration.tasks.inprocess_host`` with the same environment as the
server (DB_*, YARROW_TASK_MODULES, ...). Prints ``ready`` once the runner has started.
"""

from __future__ import annotations

import signal
import threading

from yarrow.db.migrate import upgrade_to_head
from yarrow.entrypoints.wiring import load_for_cli, open_database
from yarrow.tasks import build_task_system


def main() -> None:
    settings = load_for_cli(embedded=False)
    database = open_database(settings)
    upgrade_to_head(database)
    system = build_task_system(settings.celery, database, in_process=True, poll_interval=0.1)
    assert system.runner is not None
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    system.runner.start()
    print("ready", flush=True)
    stop.wait()
    system.runner.stop(timeout=10)
    database.dispose()


if __name__ == "__main__":
    main()

"""`manage.py worker`: django-tasks' database worker plus the periodic-task scheduler
(core/schedule.py) in a thread beside it. Takes every option `db_worker` takes."""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.db import connections
from django_tasks_db.management.commands.db_worker import Command as DbWorker

from liangcao.core.schedule import discover, schedule_due

logger = logging.getLogger("liangcao.worker")


class Command(DbWorker):
    help = "Run queued background tasks and queue periodic ones when they are due."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--schedule-interval",
            type=float,
            default=15.0,
            help="Seconds between checks for due periodic tasks (default 15).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stop = threading.Event()
        interval = options.pop("schedule_interval")
        logger.info("scheduler: %s", ", ".join(sorted(discover())) or "no periodic tasks")

        def loop() -> None:
            while not stop.is_set():
                try:
                    for name in schedule_due():
                        logger.info("scheduler queued %s", name)
                except Exception:
                    logger.exception("scheduler check failed")
                finally:
                    connections.close_all()
                stop.wait(interval)

        thread = threading.Thread(target=loop, name="scheduler", daemon=True)
        thread.start()
        try:
            super().handle(*args, **options)
        finally:
            stop.set()

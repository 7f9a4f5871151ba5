"""Periodic tasks, queued by the worker: `manage.py worker` runs django-tasks' database worker
and, beside it, a scheduler thread that queues every registered periodic task when it is due.

An app declares one with `@periodic(every=...)` on a django-tasks task in its `tasks.py`; the
worker imports every app's `tasks` module. `ScheduledJob` rows (one per task, locked while
checked) keep several workers from queueing the same task twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from liangcao.core.models import ScheduledJob

T = TypeVar("T")


@dataclass(frozen=True)
class Periodic:
    name: str
    task: Any  # a django_tasks Task
    every: timedelta


REGISTRY: dict[str, Periodic] = {}


def periodic(*, every: timedelta) -> Callable[[T], T]:
    """Register a django-tasks task to be queued every `every` by the worker's scheduler."""

    def register(task: T) -> T:
        name = f"{task.module_path}"  # type: ignore[attr-defined]
        REGISTRY[name] = Periodic(name=name, task=task, every=every)
        return task

    return register


def discover() -> dict[str, Periodic]:
    """Import every app's `tasks` module so its periodic tasks register."""
    autodiscover_modules("tasks")
    return REGISTRY


def schedule_due(*, now: datetime | None = None) -> list[str]:
    """Queue each registered task whose interval has passed; return the names queued."""
    now = now or timezone.now()
    queued = []
    for name, job in sorted(discover().items()):
        with transaction.atomic(durable=True):
            ScheduledJob.objects.get_or_create(name=name)
            row = ScheduledJob.objects.select_for_update().get(name=name)
            if row.last_enqueued_at is not None and now - row.last_enqueued_at < job.every:
                continue
            row.last_enqueued_at = now
            row.save(update_fields=["last_enqueued_at"])
        job.task.enqueue()
        queued.append(name)
    return queued

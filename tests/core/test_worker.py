"""The worker (`manage.py worker`, what the Procfile runs) queues periodic tasks and runs them:
a real worker process, against the test database, sweeps a run whose solver died."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from liangcao.allocation.models import AllocationRun, RunStatus
from liangcao.core.models import ScheduledJob
from liangcao.core.schedule import discover, schedule_due
from liangcao.orgs.models import Node, User
from liangcao.scenarios.demo import DemoResult

ROOT = Path(__file__).resolve().parents[2]


def test_periodic_tasks_are_registered_and_queued_once_per_interval(db: None) -> None:
    names = set(discover())
    assert {
        "liangcao.allocation.tasks.sweep_stale_runs",
        "liangcao.demand.tasks.reconcile",
    } <= names
    now = timezone.now()
    assert set(schedule_due(now=now)) == names
    assert schedule_due(now=now + timedelta(seconds=30)) == []  # not due yet
    assert "liangcao.allocation.tasks.sweep_stale_runs" in schedule_due(
        now=now + timedelta(minutes=1)
    )
    assert ScheduledJob.objects.count() == len(names)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_sweeps_a_stale_run(demo: DemoResult) -> None:
    run = AllocationRun.objects.create(
        node=Node.objects.get(code="city"),
        created_by=User.objects.get(username="city-commander"),
        status=RunStatus.RUNNING,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
        "DEBUG": "1",
        "DJANGO_SETTINGS_MODULE": "liangcao.config.settings",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "worker",
            "--schedule-interval",
            "0.5",
            "--interval",
            "0.2",
            "--no-startup-delay",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status != RunStatus.RUNNING:
                break
            time.sleep(0.3)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=20)[0].decode(errors="replace")
    assert run.status == RunStatus.FAILED, output[-2000:]
    assert run.error_code == "worker_stopped" and "heartbeat went stale" in run.error
    assert ScheduledJob.objects.filter(name__endswith="sweep_stale_runs").exists()

"""Many commanders press "start" at once (PostgreSQL, real concurrent connections): exactly one
switch runs, the level is declared once, and every other caller gets a Conflict."""

from __future__ import annotations

import pytest

from liangcao.core.errors import Conflict
from liangcao.orgs.models import User
from liangcao.readiness import services
from liangcao.readiness.models import LevelDeclaration, Playbook, SwitchRun, SwitchStep
from liangcao.scenarios.demo import demo_load
from tests.stock.test_concurrency import run_clients

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CLIENTS = 12


def test_one_switch_runs_when_many_start_it_at_once() -> None:
    demo_load(size="small", seed=7)
    playbook = Playbook.objects.get(code="city-switch")
    commander = User.objects.get(username="city-commander")
    conflicts: list[int] = []

    def start(i: int) -> None:
        try:
            services.switch_start(actor=commander, playbook_id=playbook.pk)
        except Conflict:
            conflicts.append(i)

    assert run_clients(CLIENTS, start) == []
    assert SwitchRun.objects.count() == 1
    assert len(conflicts) == CLIENTS - 1
    assert LevelDeclaration.objects.count() == 1
    assert SwitchStep.objects.count() == playbook.steps.count()

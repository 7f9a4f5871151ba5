"""Why a run failed or a commit was turned back reads in the reader's language: a Chinese page
shows Chinese, an English one English, whatever language the worker ran in. The engine's
problems keep codes the Django side words in both."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from liangcao.allocation import services, texts
from liangcao.allocation.engine.model import PROBLEM_TEXTS
from liangcao.allocation.models import AllocationRun, RunStatus
from liangcao.allocation.solver import solve
from liangcao.core.errors import Invalid
from liangcao.orgs.models import Node, User
from liangcao.scenarios.day3 import day3_load
from liangcao.scenarios.demo import DemoResult
from tests.allocation.test_commit import proposed, take_away

ClientFor = Callable[[str], Client]
UserNamed = Callable[[str], User]

# An instance with a problem in every part: an empty source, a class 0, an unknown policy.
BAD = {
    "supplies": [{"source": "", "item": "MASK", "qty": 5}],
    "demands": [{"id": "d1", "point": "p", "item": "MASK", "qty": 3, "class": 0}],
    "policy": {"name": "priority_leximin"},
}


@pytest.fixture
def day3(demo: DemoResult) -> None:
    day3_load(requisitions=30, sites=12)


def test_every_engine_problem_is_worded_in_chinese() -> None:
    assert set(texts.PROBLEM_TEXTS) == set(PROBLEM_TEXTS)
    for code, english in PROBLEM_TEXTS.items():
        # The same words as the engine's CLI prints, and a Chinese text of their own.
        with translation.override("en"):
            assert str(texts.PROBLEM_TEXTS[code]) == english.replace("{", "%(").replace("}", ")s")
        with translation.override("zh-hans"):
            chinese = str(texts.PROBLEM_TEXTS[code])
        assert chinese != str(english) and any("\u4e00" <= ch <= "\u9fff" for ch in chinese)


def test_a_bad_instance_names_each_problem_in_the_readers_language() -> None:
    with pytest.raises(Invalid) as caught:
        solve(BAD, policy="nobody")
    problems = caught.value.errors
    fields = [p.field for p in problems]
    assert fields == ["supplies.source", "demands.class", "policy.name"]
    # The same error object reads in whichever language is active when it is shown.
    with translation.override("zh-hans"):
        shown = [str(p.message) for p in problems]
        assert shown[0] == "supplies[0]: 必须是非空字符串"
        assert shown[1] == "d1: 必须是正整数（1 最先保障）"
        assert shown[2].startswith("以下之一：priority_leximin")
    with translation.override("en"):
        assert str(problems[1].message) == "d1: a positive integer (1 is served first)"


def page_error(client: Client, run: AllocationRun, language: str) -> str:
    html = client.get(f"/allocation/runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    start = html.index('data-testid="run-error">') + len('data-testid="run-error">')
    return html[start : html.index("</p>", start)]


def api_error(client: Client, run: AllocationRun, language: str) -> Any:
    return client.get(f"/api/v1/allocation/runs/{run.pk}", HTTP_ACCEPT_LANGUAGE=language).json()[
        "error"
    ]


def test_a_run_that_fails_on_a_bad_instance_says_why_in_chinese_and_in_english(
    day3: None, client_for: ClientFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The instance the database gives is always well formed: break it on its way to the solver.
    monkeypatch.setattr(services, "build_instance", lambda **kwargs: BAD)
    commander = User.objects.get(username="city-commander")
    with translation.override("en"):  # the worker's language does not matter
        run = services.allocation_run_start(
            user=commander, node_id=Node.objects.get(code="city").pk
        )
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error_code == "solve_failed"

    client = client_for("city-commander")
    chinese = page_error(client, run, "zh-Hans")
    assert chinese.startswith("分配计算失败：分配实例无效：")
    assert "supplies[0]: 必须是非空字符串" in chinese and "1 最先保障" in chinese
    english = page_error(client, run, "en")
    assert english.startswith("The run failed: The allocation instance is invalid: ")
    assert "a non-empty string" in english
    assert api_error(client, run, "zh-Hans") == chinese
    assert api_error(client, run, "en").startswith("The run failed")
    assert run.error.startswith("The run failed")  # English for the logs and the admin


def test_a_turned_back_commit_says_so_in_the_readers_language(
    day3: None, client_for: ClientFor, user_named: UserNamed
) -> None:
    commander = user_named("city-commander")
    run = proposed(commander)
    take_away(User.objects.create_superuser("root-texts", password="x"), run)
    with translation.override("en"):
        services.allocation_run_commit(user=commander, run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.PROPOSED and run.error_code == "commit_failed"

    client = client_for("city-commander")
    assert page_error(client, run, "zh-Hans").startswith("提交失败，未过账任何内容：")
    assert page_error(client, run, "en").startswith("The commit failed, nothing was posted: ")


def test_a_run_whose_worker_stopped_says_so_in_chinese(
    day3: None, client_for: ClientFor, user_named: UserNamed
) -> None:
    run = proposed(user_named("city-commander"))
    AllocationRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    assert services.allocation_run_sweep() == 1
    client = client_for("city-commander")
    assert page_error(client, run, "zh-Hans") == "后台任务已停止（心跳超时），请重新发起分配方案"
    assert page_error(client, run, "en").startswith("The worker stopped")

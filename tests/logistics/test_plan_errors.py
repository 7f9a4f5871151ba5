"""Why a route plan failed reads in the reader's language: a Chinese page shows Chinese, an
English API client English, whatever language the worker ran in. The route solver keeps its
English texts (its CLI prints them); the Django side words each of them in both."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from liangcao.logistics import texts
from liangcao.logistics.models import PlanStatus, RoutePlan
from liangcao.logistics.planning import route_plan_sweep
from liangcao.logistics.routing import problem
from liangcao.orgs.models import Site
from tests.logistics.test_route_plans import API, district_sites, post

ClientFor = Callable[[str], Client]


def page_error(client: Client, plan: RoutePlan, language: str) -> str:
    html = client.get(f"/logistics/routes/{plan.pk}/", HTTP_ACCEPT_LANGUAGE=language)
    text = html.content.decode()
    start = text.index('data-testid="plan-error">') + len('data-testid="plan-error">')
    return text[start : text.index("</p>", start)]


def api_error(client: Client, plan: RoutePlan, language: str) -> str:
    detail = client.get(f"{API}/{plan.pk}", HTTP_ACCEPT_LANGUAGE=language).json()
    listed = client.get(API, HTTP_ACCEPT_LANGUAGE=language).json()["items"]
    assert [p["error"] for p in listed if p["id"] == plan.pk] == [detail["error"]]
    return str(detail["error"])


def test_a_plan_whose_worker_died_says_so_in_chinese_and_in_english(
    client_for: ClientFor,
) -> None:
    client = client_for("district-dispatcher")
    plan = RoutePlan.objects.get(created_by__username="district-dispatcher")  # the demo's draft
    RoutePlan.objects.filter(pk=plan.pk).update(
        status=PlanStatus.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=10)
    )
    assert route_plan_sweep() == 1
    plan.refresh_from_db()
    assert (plan.status, plan.error_code) == (PlanStatus.FAILED, "worker_stopped")
    assert plan.error.startswith("The worker stopped")  # English for logs and the admin
    assert page_error(client, plan, "zh-hans") == "后台任务已停止（心跳超时）；请重新求解该方案"
    assert api_error(client, plan, "en").startswith("The worker stopped (its heartbeat")
    assert api_error(client, plan, "zh-hans").startswith("后台任务已停止")


def test_what_the_solver_refuses_is_named_in_the_readers_language(client_for: ClientFor) -> None:
    """Volumes are checked by the solver only: two stops of 5 m³ for one vehicle of 2 m³."""
    client = client_for("district-dispatcher")
    stops = [
        {"site_id": s.pk, "demand_kg": 10, "volume_m3": "5"} for s in district_sites("d01")[:2]
    ]
    body = {
        "depot_id": Site.objects.get(code="depot-d01").pk,
        "fleet": [{"count": 1, "capacity_kg": 500, "capacity_m3": "2"}],
        "stops": stops,
        "time_limit": 1,
    }
    plan = RoutePlan.objects.get(pk=post(client, API, body).json()["id"])
    assert post(client, f"{API}/{plan.pk}/start").status_code == 202
    plan.refresh_from_db()
    assert (plan.status, plan.error_code) == (PlanStatus.FAILED, "problem")
    chinese = page_error(client, plan, "zh-hans")
    assert chinese.startswith("按现有条件无法求解路线：")
    assert "stops[1].demand: 超过任何一辆车的载重" in chinese
    assert "fleet: 总需求 10000 超过车队运力 2000" in chinese
    english = api_error(client, plan, "en")
    assert "fleet: total demand 10000 exceeds the fleet's capacity 2000" in english
    assert "超过" not in english


def test_every_solver_problem_has_a_chinese_text() -> None:
    source = ast.parse(inspect.getsource(problem))
    appended = {
        node.args[0].elts[1].value
        for node in ast.walk(source)
        if isinstance(node, ast.Call)
        and getattr(node.func, "attr", "") == "append"
        and isinstance(node.args[0], ast.Tuple)
        and isinstance(node.args[0].elts[1], ast.Constant)
    }
    assert appended == set(texts.ROUTING_PROBLEMS)  # the f-string one: tested above

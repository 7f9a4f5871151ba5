"""The 2-hour switch: a real start raises the level and notifies owners; each step is checked
off with its time and the timeline compares it with its due time; a drill does all of it
without touching the level in force."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext

from liangcao.core.errors import Conflict, Forbidden, NotFound
from liangcao.orgs.models import Node, User
from liangcao.readiness import selectors, services
from liangcao.readiness.models import LevelDeclaration, Notification, Playbook
from liangcao.scenarios.demo import DemoResult


@pytest.fixture
def playbook(demo: DemoResult) -> Playbook:
    return Playbook.objects.get(code="city-switch")


def _run_steps(run_id: int, actor: User, minutes: list[int], start: object) -> None:
    run = selectors.switch_run_get(user=actor, run_id=run_id)
    for s, offset in zip(run.steps.order_by("step__number"), minutes, strict=False):
        with time_machine.travel(start + timedelta(minutes=offset), tick=False):  # type: ignore[operator]
            services.switch_step_done(actor=actor, run_id=run_id, step_id=s.pk)


def test_a_real_switch_raises_the_level_and_its_timeline_shows_late_steps(
    playbook: Playbook,
) -> None:
    commander = User.objects.get(username="city-commander")
    d03 = Node.objects.get(code="d03-s01-c01")
    assert selectors.level_in_force(node=d03).level.code == "normal"
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        run = services.switch_start(actor=commander, playbook_id=playbook.pk)
    assert selectors.level_in_force(node=d03).level.code == "level1"
    assert run.declaration is not None and not run.is_drill
    # Owners are told: the city's procurement officer owns steps 3 and 4.
    officer = User.objects.get(username="city-procurement-officer")
    notes = list(Notification.objects.filter(user=officer))
    assert len(notes) == 2 and all(f"/readiness/switch/{run.pk}/" == n.url for n in notes)
    assert Notification.objects.filter(user__username="district-dispatcher").count() == 1
    # Steps due at +10, 30, 45, 60, 75, 90, 100, 120; done at these minutes (step 2 and 8 late).
    done = [5, 42, 45, 50, 70, 90, 99, 131]
    _run_steps(run.pk, commander, done, start)
    run.refresh_from_db()
    timeline = selectors.switch_timeline(run=run)
    assert [t.late_minutes for t in timeline] == [-5, 12, 0, -10, -5, 0, -1, 11]
    assert [t.on_time for t in timeline].count(False) == 2
    assert run.finished_at == start + timedelta(minutes=131)
    kinds = {t.kind for t in timeline}
    assert {"contracted_reserve", "capacity_reserve"} <= kinds


def test_a_drill_runs_the_same_steps_but_changes_no_level(playbook: Playbook) -> None:
    commander = User.objects.get(username="city-commander")
    city = Node.objects.get(code="city")
    before = LevelDeclaration.objects.count()
    run = services.switch_start(actor=commander, playbook_id=playbook.pk, drill=True)
    assert run.declaration is None and run.is_drill
    assert LevelDeclaration.objects.count() == before
    assert selectors.level_in_force(node=city).level.code == "normal"
    note = Notification.objects.filter(user__username="city-market-monitor").get()
    assert note.text.startswith(gettext("[Drill] "))
    with pytest.raises(Conflict):
        services.switch_start(actor=commander, playbook_id=playbook.pk, drill=True)
    _run_steps(run.pk, commander, [1] * 8, timezone.now())
    run.refresh_from_db()
    assert run.finished_at is not None
    assert selectors.level_in_force(node=city).level.code == "normal"
    # Finished: a new run may start.
    services.switch_start(actor=commander, playbook_id=playbook.pk, drill=True)


def test_only_owners_and_commanders_check_off_steps(playbook: Playbook) -> None:
    commander = User.objects.get(username="city-commander")
    run = services.switch_start(actor=commander, playbook_id=playbook.pk, drill=True)
    steps = list(run.steps.order_by("step__number"))
    dispatcher = User.objects.get(username="district-dispatcher")
    approver = User.objects.get(username="city-approver")
    with pytest.raises(Forbidden):
        services.switch_start(actor=approver, playbook_id=playbook.pk, drill=True)
    # Step 5 belongs to dispatchers; a district dispatcher cannot see the city's run at all.
    with pytest.raises(NotFound):
        services.switch_step_done(actor=dispatcher, run_id=run.pk, step_id=steps[4].pk)
    with pytest.raises(Forbidden):
        services.switch_step_done(actor=approver, run_id=run.pk, step_id=steps[4].pk)
    services.switch_step_done(actor=approver, run_id=run.pk, step_id=steps[5].pk)
    with pytest.raises(Conflict):
        services.switch_step_done(actor=commander, run_id=run.pk, step_id=steps[5].pk)


def test_the_api_needs_a_key_and_names_bad_fields(playbook: Playbook) -> None:
    client = Client()
    client.force_login(User.objects.get(username="city-commander"))
    url = f"/api/v1/readiness/playbooks/{playbook.pk}/start"
    assert client.post(url, {"drill": True}, content_type="application/json").status_code == 400
    bad = client.post(
        "/api/v1/readiness/declarations",
        {"node_id": Node.objects.get(code="city").pk, "level": "nope"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-bad",
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "level"
    first = client.post(
        url, {"drill": True}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-start"
    )
    again = client.post(
        url, {"drill": True}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k-start"
    )
    assert first.status_code == 201 and again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    assert len(first.json()["steps"]) == 8
    missing = client.post(
        "/api/v1/readiness/declarations",
        {"level": "level1"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-missing",
    )
    assert missing.status_code == 422


def test_the_switch_pages_start_a_drill_and_check_off_a_step(playbook: Playbook) -> None:
    client = Client()
    client.force_login(User.objects.get(username="city-commander"))
    page = client.get("/readiness/switch/")
    assert 'data-playbook="city-switch"' in page.content.decode()
    started = client.post(
        "/readiness/switch/", {"playbook": playbook.pk, "drill": "on", "form_token": "t1"}
    )
    assert started.status_code == 302
    run_url = started["Location"]
    run_page = client.get(run_url).content.decode()
    assert run_page.count('name="step"') == 8
    run = selectors.switch_run_list(user=User.objects.get(username="admin")).get()
    first = run.steps.order_by("step__number").first()
    assert first is not None
    client.post(f"{run_url}done/", {"step": first.pk, "form_token": "t2"})
    assert client.get(run_url).content.decode().count('name="step"') == 7
    assert selectors.level_in_force(node=Node.objects.get(code="city")).level.code == "normal"
    notes = client.get("/readiness/notifications/").content.decode()
    assert f"/readiness/switch/{run.pk}/" in notes

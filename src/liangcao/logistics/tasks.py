"""Background tasks of logistics (django-tasks; `manage.py worker` runs them)."""

from datetime import timedelta

from django_tasks import task

from liangcao.core.schedule import periodic
from liangcao.logistics import planning


@task()
def solve_route_plan(plan_id: int) -> None:
    """Solve one queued route plan."""
    planning.route_plan_execute(plan_id=plan_id)


@periodic(every=timedelta(minutes=1))
@task()
def sweep_stale_route_plans() -> int:
    """Fail route plans whose worker stopped beating (they can be started again)."""
    return planning.route_plan_sweep()

"""Background tasks of logistics (django-tasks; `manage.py db_worker` runs them)."""

from django_tasks import task

from liangcao.logistics import planning


@task()
def solve_route_plan(plan_id: int) -> None:
    """Solve one queued route plan."""
    planning.route_plan_execute(plan_id=plan_id)

"""Background tasks of allocation (django-tasks; `manage.py db_worker` runs them)."""

from django_tasks import task

from liangcao.allocation import services


@task()
def execute_run(run_id: int) -> None:
    """Solve one queued allocation run."""
    services.run_execute(run_id=run_id)

"""Background tasks of the community app (django-tasks; `manage.py db_worker` runs them)."""

from django_tasks import task

from liangcao.community import services


@task()
def escalate_overdue() -> int:
    """Escalate open orders older than 48 h to their street's commander (idempotent)."""
    return services.orders_escalate()

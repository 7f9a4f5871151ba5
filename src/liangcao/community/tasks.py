"""Background tasks of the community app (django-tasks; `manage.py worker` runs them and queues
the periodic ones)."""

from datetime import timedelta

from django_tasks import task

from liangcao.community import services
from liangcao.core.schedule import periodic


@periodic(every=timedelta(minutes=15))
@task()
def escalate_overdue() -> int:
    """Escalate open orders older than 48 h to their street's commander (idempotent)."""
    return services.orders_escalate()

"""Background tasks of demand (run by `manage.py worker`)."""

from datetime import timedelta

from django_tasks import task

from liangcao.core.schedule import periodic
from liangcao.demand import services


@task()
def follow_shipment_later(document_id: int) -> None:
    """Retry bringing the lists a shipment serves up to date (the ledger already committed)."""
    services.requisitions_follow_shipment(document_id=document_id)


@periodic(every=timedelta(minutes=10))
@task()
def reconcile() -> int:
    """Re-derive every open list from the ledger; returns how many changed."""
    return services.requisitions_reconcile()

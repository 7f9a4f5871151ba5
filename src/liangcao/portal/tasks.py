"""Background tasks of the portal (`manage.py worker` queues the periodic one)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from liangcao.core.schedule import periodic
from liangcao.portal.models import Publication
from liangcao.portal.publication import publication_create


@periodic(every=timedelta(minutes=30))
@task()
def publish_yesterday() -> str:
    """Publish yesterday's lists once, soon after midnight (the stock summary is the one
    standing at publication). Nothing to do when yesterday, or a later day, is published."""
    day = timezone.localdate() - timedelta(days=1)
    if Publication.objects.filter(day__gte=day).exists():
        return ""
    return publication_create(day=day).digest

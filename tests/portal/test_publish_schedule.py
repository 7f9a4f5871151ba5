"""The worker publishes yesterday's lists by itself, once."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from liangcao.core.schedule import discover
from liangcao.portal.models import Publication
from liangcao.portal.tasks import publish_yesterday
from liangcao.scenarios.demo import DemoResult


def test_yesterday_is_published_once_by_the_periodic_task(demo: DemoResult) -> None:
    assert "liangcao.portal.tasks.publish_yesterday" in discover()
    digest = publish_yesterday.call()
    assert len(digest) == 64
    assert publish_yesterday.call() == ""
    assert list(Publication.objects.values_list("day", flat=True)) == [
        timezone.localdate() - timedelta(days=1)
    ]

"""Fixtures for fleet stories: the demo fleet (a signing key, city and district vehicles,
drivers and passes) comes with the small demo city; these add named shortcuts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from liangcao.fleet import services
from liangcao.fleet.models import Driver, Vehicle, VehiclePass
from liangcao.orgs.models import Node, Site, User
from liangcao.scenarios.demo import DemoResult


@dataclass
class Fleet:
    admin: User
    city: Node
    district: Node
    other_district: Node

    def vehicle(self, owner: Node) -> Vehicle:
        return Vehicle.objects.filter(owner=owner).order_by("plate").first()  # type: ignore[return-value]

    def driver(self, owner: Node) -> Driver:
        return Driver.objects.filter(owner=owner).order_by("id").first()  # type: ignore[return-value]

    def checkpoint(self, under: Node) -> Site:
        return (
            Site.objects.filter(kind="checkpoint", node__code__startswith=under.code)
            .order_by(  # type: ignore[return-value]
                "code"
            )
            .first()
        )

    def issue(
        self,
        *,
        zones: list[Node],
        start: datetime | None = None,
        hours: int = 24,
        user: User | None = None,
    ) -> VehiclePass:
        start = start or timezone.now() - timedelta(minutes=5)
        return services.pass_issue(
            user=user or self.admin,
            spec=services.PassSpec(
                vehicle_id=self.vehicle(self.city).pk,
                driver_id=self.driver(self.city).pk,
                zone_ids=[z.pk for z in zones],
                purpose="test run",
                valid_from=start,
                valid_until=start + timedelta(hours=hours),
            ),
        )


@pytest.fixture
def fleet(demo: DemoResult) -> Fleet:
    return Fleet(
        admin=User.objects.get(username="admin"),
        city=Node.objects.get(parent__isnull=True),
        district=Node.objects.get(code="d01"),
        other_district=Node.objects.get(code="d02"),
    )

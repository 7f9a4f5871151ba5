"""Demo data of logistics: a draft route plan from the first district's depot to its
distribution point, front-line sites and community service points (solve it from its page)."""

from __future__ import annotations

import random
from datetime import time

from liangcao.logistics.models import RoutePlan
from liangcao.logistics.planning import FleetSpec, StopSpec, route_plan_create
from liangcao.orgs.models import Site, SiteKind, User
from liangcao.orgs.selectors import node_subtree_ids

DEMO_STOP_KINDS = (
    SiteKind.DISTRIBUTION_POINT,
    SiteKind.HOSPITAL,
    SiteKind.FANGCANG,
    SiteKind.QUARANTINE_HOTEL,
    SiteKind.TESTING_SITE,
    SiteKind.COMMUNITY_POINT,
)


def route_plan_demo_load(*, seed: int = 2022) -> RoutePlan | None:
    """One draft plan by the district dispatcher; None when the demo has no such district."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    user = User.objects.filter(username="district-dispatcher").first()
    depot = Site.objects.filter(code__startswith="depot-", node__depth=1).order_by("code").first()
    if user is None or depot is None:
        return None
    under = node_subtree_ids(node_id=depot.node_id)
    sites = Site.objects.filter(node_id__in=under, kind__in=DEMO_STOP_KINDS)
    stops = []
    for site in sites.order_by("code")[:60]:
        opens = rng.choice([8, 9, 10, 13, 14])
        stops.append(
            StopSpec(
                site_id=site.pk,
                demand_kg=rng.randint(50, 600),
                window_start=time(opens, 0),
                window_end=time(opens + rng.choice([2, 3, 4]), 0),
                service_minutes=rng.choice([10, 15, 20]),
            )
        )
    if not stops:
        return None
    total = sum(s.demand_kg or 0 for s in stops)
    return route_plan_create(
        user=user,
        depot_id=depot.pk,
        name="示例：区级配送 Demo district delivery",
        fleet=[FleetSpec(count=max(2, total // 3000 + 2), capacity_kg=2000), FleetSpec(2, 5000)],
        stops=stops,
        time_limit=10,
    )

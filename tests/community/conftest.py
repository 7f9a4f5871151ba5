"""Fixtures of the last 100 metres: a household of the community grid worker's compound, and
the community point stocked with what a household standard box holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from liangcao.catalog.models import Kit
from liangcao.community.models import Household
from liangcao.community.services import compound_token
from liangcao.orgs.models import Membership, Node, Site, SiteKind, User
from liangcao.scenarios.demo import DemoResult
from liangcao.scenarios.lastmile import point_boxes_receive


@dataclass
class Place:
    community: Node
    compound: Node
    point: Site
    household: Household
    neighbour: Household
    token: str


def place_of(boxes: int = 10) -> Place:
    """The grid worker's community, one of its compounds with households, its point stocked."""
    community = Membership.objects.get(user__username="community-grid-worker").node
    assert community is not None
    household = (
        Household.objects.filter(compound__parent=community)
        .order_by("compound__code", "pk")
        .first()
    )
    assert household is not None, "the demo has households in the first community"
    neighbour = Household.objects.filter(compound=household.compound).exclude(pk=household.pk)[0]
    point = Site.objects.get(node=community, kind=SiteKind.COMMUNITY_POINT)
    supplier = Site.objects.filter(kind=SiteKind.SUPPLIER_SITE).first()
    assert supplier is not None
    kit = Kit.objects.get(code="BOX-FAMILY")
    point_boxes_receive(
        actor=User.objects.get(username="admin"),
        point=point,
        supplier=supplier,
        kit=kit,
        boxes=boxes,
        lot_code="L-BOX",
        expiry=date(2027, 12, 31),
    )
    compound = household.compound
    return Place(
        community, compound, point, household, neighbour, compound_token(compound_id=compound.pk)
    )


@pytest.fixture
def place(demo: DemoResult) -> Place:
    return place_of()

"""A city with something to publish: purchases, a designated and an anonymous donation, a
shipment with a driver, household issues — and personal data planted everywhere it must not
leak from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from liangcao.catalog.models import Item
from liangcao.donations.models import Donation
from liangcao.donations.services import (
    InspectLine,
    PledgeLine,
    donation_inspect,
    donation_pledge,
    donation_receive,
)
from liangcao.logistics.models import ShipmentTransport
from liangcao.orgs.models import Membership, Role, Site, User
from liangcao.procurement.services import purchase_record
from liangcao.stock.services import LineSpec, issue_post, shipment_reserve

SECRETS = [
    "隐名捐赠人王秘密",  # an anonymous person donor's name
    "13911112222",  # her phone
    "无名公司甲",  # an anonymous organisation
    "13933334444",
    "司机赵师傅",  # a driver
    "13755556666",  # his phone
    "户主钱某某",  # a household
    "13600007777",
    "keeper-with-name",  # a user's username, name and email
    "仓管孙某",
    "sun@example.org",
    "18800001234",  # a named donor's phone (the name may be public, the phone never)
]


@dataclass
class Published:
    anonymous: Donation
    named: Donation


@pytest.fixture
def city(user_named: Callable[[str], User]) -> Published:
    admin = user_named("admin")
    depot = Site.objects.get(code="depot-city")
    keeper = User.objects.create(
        username="keeper-with-name", first_name="仓管孙某", email="sun@example.org"
    )
    Membership.objects.create(user=keeper, role=Role.WAREHOUSE_KEEPER, site=depot)
    supplier = Site.objects.filter(kind="supplier_site").order_by("code").first()
    assert supplier is not None
    rice = Item.objects.get(code="RICE")
    n95 = Item.objects.get(code="MASK-N95")
    purchase_record(
        actor=keeper,
        supplier_id=supplier.pk,
        site_id=depot.pk,
        item_id=rice.pk,
        quantity=2000,
        unit_price=Decimal("5.20"),
        lot_code="P-RICE-1",
        expiry=date(2027, 3, 1),
    )
    purchase_record(
        actor=keeper,
        supplier_id=supplier.pk,
        site_id=depot.pk,
        item_id=n95.pk,
        quantity=5000,
        unit_price=Decimal("3.85"),
        lot_code="P-N95-1",
        expiry=date(2027, 6, 1),
    )

    def give(name: str, phone: str, kind: str, anonymous: bool) -> Donation:
        d = donation_pledge(
            actor=admin,
            intake_site_id=depot.pk,
            donor_kind=kind,
            donor_name=name,
            donor_phone=phone,
            anonymous=anonymous,
            lines=[PledgeLine(rice.pk, 300, expiry=date(2027, 2, 1))],
        )
        line = d.lines.get()
        donation_inspect(actor=admin, donation_id=d.pk, lines=[InspectLine(line.pk, 300)])
        return donation_receive(actor=admin, donation_id=d.pk)

    anonymous = give("隐名捐赠人王秘密", "13911112222", "person", True)
    give("无名公司甲", "13933334444", "organisation", True)
    named = give("爱心粮油公司", "18800001234", "organisation", False)
    hospital = Site.objects.get(code__startswith="hosp", node__code="d01")
    shipment = shipment_reserve(
        actor=keeper, from_site_id=depot.pk, to_site_id=hospital.pk, lines=[LineSpec(rice.pk, 900)]
    )
    ShipmentTransport.objects.create(
        document=shipment,
        vehicle_plate="豫E12345",
        driver_name="司机赵师傅",
        driver_phone="13755556666",
        updated_by=keeper,
    )
    issue_post(
        actor=keeper,
        site_id=depot.pk,
        household="户主钱某某 13600007777",
        lines=[LineSpec(rice.pk, 5)],
    )
    return Published(anonymous=anonymous, named=named)

"""Fleet demo data for the demo city: a signing key, vehicles and drivers of the city and of
the first district, and a few passes (deterministic apart from the key itself)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from liangcao.fleet import services
from liangcao.fleet.models import Driver, Vehicle, VehicleKind
from liangcao.orgs.models import Node, User

VEHICLES = [
    ("豫E·A1001", VehicleKind.TRUCK, 10_000, "40", False, 0),
    ("豫E·A1002", VehicleKind.TRUCK, 10_000, "40", False, 0),
    ("豫E·L2001", VehicleKind.REFRIGERATED, 5_000, "20", True, 0),
    ("豫E·V3001", VehicleKind.VAN, 1_500, "8", False, 0),
    ("豫E·D0101", VehicleKind.VAN, 1_500, "8", False, 1),
    ("豫E·D0102", VehicleKind.PICKUP, 800, "3", False, 1),
]
DRIVERS = [
    ("张师傅", "13800000001", 0),
    ("李师傅", "13800000002", 0),
    ("王师傅", "13800000003", 0),
    ("赵师傅", "13800000011", 1),
    ("陈师傅", "13800000012", 1),
]


def fleet_demo_load(*, city: Node, district: Node, admin: User) -> int:
    """Create the demo fleet inside the caller's transaction; returns the number of passes."""
    owners = [city, district]
    vehicles = Vehicle.objects.bulk_create(
        [
            Vehicle(
                plate=services.normalise_plate(p),
                kind=k,
                capacity_kg=kg,
                capacity_m3=Decimal(m3),
                cold_chain=cold,
                owner=owners[o],
            )
            for p, k, kg, m3, cold, o in VEHICLES
        ]
    )
    drivers = Driver.objects.bulk_create(
        [Driver(name=n, phone=ph, owner=owners[o]) for n, ph, o in DRIVERS]
    )
    services.passkey_rotate_step(user=admin)
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    specs = [
        (vehicles[0], drivers[0], [city], "城市保供物资运输 city supply runs"),
        (vehicles[2], drivers[2], [city], "冷链蔬菜配送 cold-chain vegetables"),
        (vehicles[4], drivers[3], [district], "区内物资配送 district deliveries"),
    ]
    for vehicle, driver, zones, purpose in specs:
        services.pass_issue_step(
            user=admin,
            spec=services.PassSpec(
                vehicle_id=vehicle.pk,
                driver_id=driver.pk,
                zone_ids=[z.pk for z in zones],
                purpose=purpose,
                valid_from=now - timedelta(hours=1),
                valid_until=now + timedelta(days=14),
            ),
        )
    return len(specs)

"""Writes owned by logistics: the transport details of a shipment, and dispatching it with a
vehicle and driver from the fleet (or collected by the recipient)."""

from __future__ import annotations

from django.db import transaction

from liangcao.fleet.services import ASSIGN_ROLES, assignment_set_step
from liangcao.logistics.models import ShipmentTransport
from liangcao.orgs.models import User
from liangcao.stock import services as stock
from liangcao.stock.models import Document

TRANSPORT_ROLES = ASSIGN_ROLES
COLLECTED_NOTE = "收货方自提 collected by recipient"


def shipment_transport_assign(
    *,
    user: User,
    document_id: int,
    vehicle_id: int | None,
    driver_id: int | None,
    collected_by_recipient: bool = False,
) -> ShipmentTransport:
    """Give a shipment a vehicle and driver chosen from the fleet (or mark it collected by the
    recipient) and copy plate, driver's name and phone onto its transport row, which the
    delivery note prints. One transaction. Raises NotFound, Forbidden, Invalid, Conflict."""
    with transaction.atomic(durable=True):
        return _transport_record(
            user,
            document_id,
            stock.TransportSpec(vehicle_id, driver_id, collected_by_recipient),
        )


def shipment_transport_record_step(
    user: User, document: Document, spec: stock.TransportSpec
) -> None:
    """Internal step, the ledger's transport recorder (registered in `apps.py`): run by
    `stock.services.shipment_dispatch` inside the dispatch's transaction, so the API and the
    pages dispatch under the one rule of `fleet.services.assignment_set_step`."""
    _transport_record(user, document.pk, spec)


def _transport_record(user: User, document_id: int, spec: stock.TransportSpec) -> ShipmentTransport:
    assignment = assignment_set_step(
        user=user,
        document_id=document_id,
        vehicle_id=spec.vehicle_id,
        driver_id=spec.driver_id,
        collected_by_recipient=spec.collected_by_recipient,
    )
    vehicle, driver = assignment.vehicle, assignment.driver
    transport, _created = ShipmentTransport.objects.update_or_create(
        document_id=document_id,
        defaults={
            "vehicle_plate": vehicle.plate if vehicle else "",
            "driver_name": driver.name if driver else "",
            "driver_phone": driver.phone if driver else "",
            "note": COLLECTED_NOTE if assignment.collected_by_recipient else "",
            "updated_by": user,
        },
    )
    return transport


def shipment_dispatch(
    *,
    user: User,
    document_id: int,
    vehicle_id: int | None,
    driver_id: int | None,
    collected_by_recipient: bool = False,
) -> Document:
    """Dispatch a reserved shipment with its transport: a vehicle and driver from the fleet, or
    collected by the recipient. The ledger's dispatch records the transport (through the
    recorder above) and moves the goods in one transaction: both, or neither. Raises NotFound,
    Forbidden, Invalid (no vehicle or driver chosen), Conflict."""
    return stock.shipment_dispatch(
        actor=user,
        document_id=document_id,
        transport=stock.TransportSpec(vehicle_id, driver_id, collected_by_recipient),
    )

"""Writes owned by logistics: the transport details of a shipment."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import FieldError, Forbidden, Invalid
from liangcao.logistics.models import ShipmentTransport
from liangcao.logistics.selectors import shipment_get
from liangcao.orgs.models import Role, User
from liangcao.orgs.selectors import site_list

TRANSPORT_ROLES = frozenset({Role.DISPATCHER, Role.WAREHOUSE_KEEPER, Role.COMMANDER})


def shipment_transport_set(
    *,
    user: User,
    document_id: int,
    vehicle_plate: str,
    driver_name: str,
    driver_phone: str = "",
    note: str = "",
) -> ShipmentTransport:
    """Record the vehicle and driver of a shipment leaving one of the user's sites.

    Raises NotFound (shipment not visible), Forbidden (not a dispatcher, keeper or commander at
    the source), Invalid (field lengths).
    """
    fields = {
        "vehicle_plate": (vehicle_plate, 20),
        "driver_name": (driver_name, 100),
        "driver_phone": (driver_phone, 30),
        "note": (note, 300),
    }
    errors = [
        FieldError(k, _("at most %(count)s characters") % {"count": n})
        for k, (v, n) in fields.items()
        if len(v) > n
    ]
    if errors:
        raise Invalid(_("Transport details are invalid"), errors)
    with transaction.atomic(durable=True):
        document = shipment_get(user=user, document_id=document_id)
        if (
            not site_list(user=user, roles=TRANSPORT_ROLES)
            .filter(pk=document.source_site_id or 0)
            .exists()
        ):
            raise Forbidden(
                _("Only the source's dispatchers, keepers or commanders assign transport")
            )
        transport, _created = ShipmentTransport.objects.update_or_create(
            document=document,
            defaults={
                "vehicle_plate": vehicle_plate.strip(),
                "driver_name": driver_name.strip(),
                "driver_phone": driver_phone.strip(),
                "note": note.strip(),
                "updated_by": user,
            },
        )
        return transport

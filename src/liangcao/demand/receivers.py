"""Demand follows the ledger: when a shipment moves, the lists it serves are brought up to
date (shipped, received, state) — the ledger itself knows no requisition."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from liangcao.demand.models import Fulfilment
from liangcao.demand.services import requisition_refresh
from liangcao.stock.signals import shipment_changed


@receiver(shipment_changed)
def follow_shipment(sender: Any, document_id: int, **kwargs: Any) -> None:
    ids = set(
        Fulfilment.objects.filter(document_id=document_id).values_list(
            "line__requisition_id", flat=True
        )
    )
    for requisition_id in sorted(ids):
        requisition_refresh(requisition_id=requisition_id)

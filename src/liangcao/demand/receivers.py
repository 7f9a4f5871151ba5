"""Demand follows the ledger: when a shipment moves, the lists it serves are brought up to
date (shipped, received, state) — the ledger itself knows no requisition.

The ledger has committed by the time this runs. A failure here must not undo or hide that: it
is logged and retried as a background task, and the periodic reconciliation
(`demand.tasks.reconcile`, `manage.py reconcile_demand`) catches up whatever is left.
"""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from liangcao.demand.services import requisitions_follow_shipment
from liangcao.stock.signals import shipment_changed

logger = logging.getLogger(__name__)


@receiver(shipment_changed)
def follow_shipment(sender: Any, document_id: int, **kwargs: Any) -> None:
    try:
        requisitions_follow_shipment(document_id=document_id)
    except Exception:
        logger.exception(
            "demand could not follow shipment %s; retrying in the background", document_id
        )
        from liangcao.demand.tasks import follow_shipment_later

        follow_shipment_later.enqueue(document_id)

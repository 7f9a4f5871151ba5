"""Shared steps of the donation tests: API posts with an Idempotency-Key, a pledged donation."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.test import Client

from liangcao.catalog.models import Item
from liangcao.orgs.models import Node, Site


def post(client: Client, path: str, body: dict[str, Any] | None = None, key: str = "") -> Any:
    return client.post(
        path,
        body or {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key or uuid.uuid4().hex,
    )


def pledge_body(**extra: Any) -> dict[str, Any]:
    """A pledge at the city depot: 1000 N95 respirators (maker's lot, expiry) and 500 kg rice."""
    body: dict[str, Any] = {
        "intake_site_id": Site.objects.get(code="depot-city").pk,
        "donor_kind": "organisation",
        "donor_name": "红星机械厂",
        "donor_phone": "13800000001",
        "lines": [
            {
                "item_id": Item.objects.get(code="MASK-N95").pk,
                "quantity": 1000,
                "maker_lot": "N95-X7",
                "expiry": date(2027, 6, 30).isoformat(),
            },
            {
                "item_id": Item.objects.get(code="RICE").pk,
                "quantity": 500,
                "expiry": date(2027, 1, 31).isoformat(),
            },
        ],
    }
    body.update(extra)
    return body


def district(code: str = "d01") -> Node:
    return Node.objects.get(code=code)

"""Once the ledger commits, the caller is told so, whatever happens to the lists that follow
it: a failing follower is retried and the reconciliation catches up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation

from liangcao.allocation import services as allocation
from liangcao.demand import receivers
from liangcao.demand.models import Requisition, RequisitionLine
from liangcao.orgs.models import Node, User
from liangcao.scenarios.day3 import day3_load
from liangcao.scenarios.demo import DemoResult
from liangcao.stock.models import Document, DocumentKind, DocumentState


@pytest.fixture
def shipment(demo: DemoResult, user_named: Callable[[str], User]) -> Document:
    day3_load(requisitions=12, sites=6)
    commander = user_named("city-commander")
    run = allocation.allocation_run_start(user=commander, node_id=Node.objects.get(code="city").pk)
    allocation.allocation_run_commit(user=commander, run_id=run.pk)
    document = Document.objects.filter(
        kind=DocumentKind.SHIPMENT, source_site__code="depot-city", state=DocumentState.RESERVED
    ).first()
    assert document is not None
    return document


def test_a_failing_follower_does_not_turn_a_dispatch_into_an_error(
    shipment: Document,
    client_for: Callable[[str], Client],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the demand side is down")

    monkeypatch.setattr(receivers, "requisitions_follow_shipment", broken)
    monkeypatch.setattr("liangcao.demand.services.requisitions_follow_shipment", broken)
    keeper = client_for("city-warehouse-keeper")
    url = f"/api/v1/stock/shipments/{shipment.pk}/dispatch"
    body = {"collected_by_recipient": True}
    with django_capture_on_commit_callbacks(execute=True):
        first = keeper.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert first.status_code == 200, first.content
    assert first.json()["state"] == "dispatched"
    again = keeper.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="d-1")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"

    served = RequisitionLine.objects.filter(fulfilments__document=shipment)
    assert served.exists()
    assert all(line.shipped == 0 for line in served)  # the follower failed: lists are behind

    monkeypatch.undo()
    call_command("reconcile_demand")
    for line in served:
        line.refresh_from_db()
        assert line.shipped == sum(
            f.quantity for f in line.fulfilments.all() if f.document_id == shipment.pk
        )
    assert Requisition.objects.filter(lines__in=served, state="dispatched").exists()


def test_a_list_line_is_never_allocated_more_than_it_asked_for(
    shipment: Document, user_named: Callable[[str], User]
) -> None:
    from liangcao.core.errors import Conflict
    from liangcao.demand.models import Fulfilment
    from liangcao.demand.services import requisition_record_shipment
    from liangcao.stock.services import LineSpec, shipment_reserve

    fulfilment = Fulfilment.objects.filter(document=shipment).select_related("line").first()
    assert fulfilment is not None
    line = fulfilment.line
    from liangcao.stock.services import receipt_post

    keeper = user_named("city-warehouse-keeper")
    assert shipment.source_site_id is not None
    receipt_post(
        actor=keeper,
        site_id=shipment.source_site_id,
        lines=[LineSpec(item_id=line.item_id, quantity=5, lot_code="T1", expiry=date(2027, 6, 1))],
        source_kind="donor",
        source_party="a test donor",
    )
    extra = shipment_reserve(
        actor=keeper,
        from_site_id=shipment.source_site_id,
        to_site_id=line.requisition.site_id,
        lines=[LineSpec(item_id=line.item_id, quantity=5)],
    )
    with translation.override("en"), pytest.raises(Conflict, match="still open"):
        requisition_record_shipment(
            user=user_named("city-commander"),
            requisition_id=line.requisition_id,
            document_id=extra.pk,
            quantities={line.pk: line.open_quantity + 1},
        )
    assert not Fulfilment.objects.filter(document=extra).exists()


def test_one_shipment_serves_a_list_line_once(shipment: Document) -> None:
    from django.db import IntegrityError, transaction

    from liangcao.demand.models import Fulfilment

    fulfilment = Fulfilment.objects.filter(document=shipment).first()
    assert fulfilment is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        Fulfilment.objects.create(
            line=fulfilment.line,
            document=shipment,
            document_line=shipment.lines.exclude(pk=fulfilment.document_line_id).first()
            or shipment.lines.first(),
            quantity=1,
        )

"""The receiving site signs for what arrived: the clinic's requester confirms receipt from the
delivery note, damage is visible to both ends, and a page offers an action only to those the
service lets take it (one rule for both)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.test import Client

from liangcao.catalog.models import Item
from liangcao.orgs.models import Membership, Site, User
from liangcao.scenarios.demo import DemoResult
from liangcao.stock.models import Document, DocumentState
from liangcao.stock.services import LineSpec, receipt_post, shipment_dispatch, shipment_reserve


def dispatched_to_the_hospital(user_named: Callable[[str], User]) -> Document:
    keeper = user_named("depot-keeper")
    depot = Site.objects.get(code="depot-city")
    item = Item.objects.get(code="MASK-N95")
    receipt_post(
        actor=keeper,
        site_id=depot.pk,
        source_kind="donor",
        source_party="a donor",
        lines=[LineSpec(item_id=item.pk, quantity=100, lot_code="R1", expiry=date(2028, 1, 1))],
    )
    hospital = Membership.objects.get(user=user_named("hospital-requester")).site
    assert hospital is not None
    shipment = shipment_reserve(
        actor=keeper,
        from_site_id=depot.pk,
        to_site_id=hospital.pk,
        lines=[LineSpec(item_id=item.pk, quantity=40)],
    )
    return shipment_dispatch(actor=keeper, document_id=shipment.pk)


def test_the_clinic_requester_receives_and_both_ends_see_the_damage(
    demo: DemoResult, user_named: Callable[[str], User], client_for: Callable[[str], Client]
) -> None:
    shipment = dispatched_to_the_hospital(user_named)
    url = f"/logistics/shipments/{shipment.pk}/"
    requester = client_for("hospital-requester")
    page = requester.get(url).content.decode()
    assert 'data-testid="action-receive"' in page
    assert 'data-testid="action-dispatch"' not in page
    line = shipment.lines.get()
    response = requester.post(
        f"{url}receive/",
        {
            "form_token": "receive-1",
            f"received_{line.pk}": "37",
            f"damaged_{line.pk}": "3",
            f"reason_{line.pk}": "three boxes wet",
        },
    )
    assert response.status_code == 302
    shipment.refresh_from_db()
    assert shipment.state == DocumentState.RECEIVED
    for who in ("hospital-requester", "depot-keeper"):
        assert "three boxes wet" in client_for(who).get(url).content.decode(), who


def test_a_page_offers_no_action_the_user_may_not_take(
    demo: DemoResult, user_named: Callable[[str], User], client_for: Callable[[str], Client]
) -> None:
    shipment = dispatched_to_the_hospital(user_named)
    url = f"/logistics/shipments/{shipment.pk}/"
    inspector = client_for("city-inspector")
    page = inspector.get(url)
    assert page.status_code == 200
    assert "action-receive" not in page.content.decode()
    assert "action-close" not in page.content.decode()
    line = shipment.lines.get()
    refused = inspector.post(f"{url}receive/", {"form_token": "r-2", f"received_{line.pk}": "40"})
    assert refused.status_code == 403
    shipment.refresh_from_db()
    assert shipment.state == DocumentState.DISPATCHED

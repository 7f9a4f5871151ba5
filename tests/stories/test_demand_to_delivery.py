"""The story of one demand list, told through the API only (issue: demand list to delivered).

A community asks for 1,000 N95 masks. The street and the district countersign. The district's
own depot holds 400: its run allocates those, and the remaining 600 escalate to the city. The
city signs and its run allocates from the city depot. Two shipments go out; the city's arrives
short, with a damaged case. Both lists close with the discrepancy on record; the stock cards at
both ends show every movement and the ledger checks out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import count
from typing import Any

from django.core.management import call_command
from django.test import Client

from liangcao.catalog.models import Item
from liangcao.orgs.models import Membership, Node, Site, User
from liangcao.scenarios.demo import DemoResult
from liangcao.stock.models import Discrepancy, LocationKind
from liangcao.stock.services import LineSpec, receipt_post

ClientFor = Callable[[str], Client]
keys = count()


def post(client: Client, path: str, body: dict[str, Any] | None = None, status: int = 200) -> Any:
    response = client.post(
        path,
        body or {},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=f"story-{next(keys)}",
    )
    assert response.status_code == status, (path, response.status_code, response.content[:400])
    return response.json()


def stock_on_hand(user: User, site: Site, item: Item) -> None:
    supplier = Site.objects.filter(kind="supplier_site").first()
    assert supplier is not None
    receipt_post(
        actor=user,
        site_id=site.pk,
        source_kind=LocationKind.SUPPLIER,
        source_site_id=supplier.pk,
        lines=[
            LineSpec(
                item.pk,
                {"depot-d01": 400, "depot-city": 2000}[site.code],
                lot_code=f"LOT-{site.code}",
                expiry=date(2027, 12, 31),
            )
        ],
    )


def test_a_community_list_from_request_to_delivery(
    demo: DemoResult, client_for: ClientFor, user_named: Callable[[str], User]
) -> None:
    masks = Item.objects.get(code="MASK-N95")
    depot_d01, depot_city = Site.objects.get(code="depot-d01"), Site.objects.get(code="depot-city")
    stock_on_hand(user_named("district-warehouse-keeper"), depot_d01, masks)
    stock_on_hand(user_named("city-warehouse-keeper"), depot_city, masks)
    community = Membership.objects.get(user__username="community-requester").node
    point = Site.objects.get(node=community, kind="community_point")

    # 1. The community asks; street then district countersign.
    requester = client_for("community-requester")
    req = post(
        requester,
        "/api/v1/requisitions",
        {
            "site_id": point.pk,
            "submit": True,
            "lines": [{"item": "MASK-N95", "quantity": 1000, "justification": "grid workers"}],
        },
        status=201,
    )
    assert [s["node_kind"] for s in req["signatures"]] == ["street", "district"]
    post(client_for("street-approver"), f"/api/v1/requisitions/{req['id']}/sign", {"approve": True})
    req = post(
        client_for("district-approver"), f"/api/v1/requisitions/{req['id']}/sign", {"approve": True}
    )
    assert req["state"] == "approved" and req["serving_node_code"] == "d01"

    # 2. The district allocates what its own depot holds: 400.
    district = client_for("district-commander")
    run = post(
        district,
        "/api/v1/allocation/runs",
        {"node_id": Node.objects.get(code="d01").pk},
        status=201,
    )
    run = district.get(f"/api/v1/allocation/runs/{run['id']}").json()
    assert run["status"] == "proposed"
    assert run["allocations"] == [
        {"demand": f"line-{req['lines'][0]['id']}", "source": "depot-d01", "qty": 400}
    ]
    post(district, f"/api/v1/allocation/runs/{run['id']}/commit", status=202)
    req = district.get(f"/api/v1/requisitions/{req['id']}").json()
    assert req["state"] == "partly_allocated" and req["lines"][0]["allocated"] == 400

    # 3. The remaining 600 escalate to the city, which signs and allocates from its depot.
    child = post(
        client_for("district-approver"),
        f"/api/v1/requisitions/{req['id']}/escalate",
        {"quantities": {str(req["lines"][0]["id"]): 600}},
        status=201,
    )
    assert child["serving_node_code"] == "city" and child["history"][0] == req["number"]
    post(client_for("city-approver"), f"/api/v1/requisitions/{child['id']}/sign", {"approve": True})
    city = client_for("city-commander")
    run = post(
        city, "/api/v1/allocation/runs", {"node_id": Node.objects.get(code="city").pk}, status=201
    )
    run = city.get(f"/api/v1/allocation/runs/{run['id']}").json()
    assert run["allocations"] == [
        {"demand": f"line-{child['lines'][0]['id']}", "source": "depot-city", "qty": 600}
    ]
    post(city, f"/api/v1/allocation/runs/{run['id']}/commit", status=202)

    # 4. Two shipments go out.
    keeper = {
        depot_d01.pk: client_for("district-warehouse-keeper"),
        depot_city.pk: client_for("city-warehouse-keeper"),
    }
    shipments = [
        d
        for d in client_for("community-warehouse-keeper")
        .get("/api/v1/stock/documents")
        .json()["items"]
        if d["kind"] == "shipment"
    ]
    assert len(shipments) == 2
    for shipment in shipments:
        # Each leaves in a vehicle with a driver, chosen from what its dispatch form offers.
        sender = keeper[shipment["source_site_id"]]
        choices = sender.get(
            f"/api/v1/logistics/shipments/{shipment['id']}/transport-choices"
        ).json()
        transport = {
            "vehicle_id": choices["vehicles"][0]["id"],
            "driver_id": choices["drivers"][0]["id"],
        }
        post(sender, f"/api/v1/stock/shipments/{shipment['id']}/dispatch", transport)

    # 5. The district's arrives whole; the city's arrives short with a damaged case.
    receiver = client_for("community-warehouse-keeper")
    for shipment in shipments:
        line = shipment["lines"][0]
        if shipment["source_site_id"] == depot_d01.pk:
            post(
                receiver,
                f"/api/v1/stock/shipments/{shipment['id']}/receive",
                {"lines": [{"line_id": line["id"], "received": 400}]},
            )
        else:
            post(
                receiver,
                f"/api/v1/stock/shipments/{shipment['id']}/receive",
                {
                    "lines": [
                        {
                            "line_id": line["id"],
                            "received": 500,
                            "damaged": 50,
                            "reason": "one case crushed",
                        }
                    ]
                },
            )
            post(
                keeper[depot_city.pk],
                f"/api/v1/stock/shipments/{shipment['id']}/close",
                {"reason": "one case missing at the checkpoint"},
            )

    # 6. Both lists close with the discrepancy on record.
    for ident in (req["id"], child["id"]):
        closed = post(requester, f"/api/v1/requisitions/{ident}/close", {"comment": "received"})
        assert closed["state"] == "closed"
    received = [
        requester.get(f"/api/v1/requisitions/{i}").json()["lines"][0]["received"]
        for i in (req["id"], child["id"])
    ]
    assert received == [400, 500]
    assert sorted(Discrepancy.objects.values_list("kind", "quantity")) == [
        ("damaged", 50),
        ("short", 50),
    ]

    # 7. The stock cards at both ends show every movement; the ledger checks out.
    def card(client: Client, site: Site) -> list[dict[str, Any]]:
        body = client.get("/api/v1/stock/card", {"site": site.pk, "item": masks.pk}).json()
        return body["lines"]

    city_card = card(keeper[depot_city.pk], depot_city)
    assert [ln["document_kind"] for ln in city_card] == ["receipt", "shipment"]
    assert city_card[-1]["balance"] == 1400
    assert card(keeper[depot_d01.pk], depot_d01)[-1]["balance"] == 0
    point_card = card(receiver, point)
    assert sum(ln.get("quantity_in", 0) or 0 for ln in point_card) == 900
    assert point_card[-1]["balance"] == 900
    call_command("ledger_check")


def test_a_list_follows_its_shipment_as_it_moves(
    demo: DemoResult,
    client_for: ClientFor,
    user_named: Callable[[str], User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from liangcao.demand.services import LineIn, requisition_create, requisition_record_shipment
    from liangcao.stock.services import shipment_dispatch, shipment_reserve

    masks = Item.objects.get(code="MASK-N95")
    depot = Site.objects.get(code="depot-d01")
    stock_on_hand(user_named("district-warehouse-keeper"), depot, masks)
    hospital = Membership.objects.get(user__username="hospital-requester").site
    assert hospital is not None
    admin = user_named("admin")
    req = requisition_create(
        user=admin, site_id=hospital.pk, submit=True, lines=[LineIn("MASK-N95", 100)]
    )
    post(client_for("district-approver"), f"/api/v1/requisitions/{req.pk}/sign", {"approve": True})
    shipment = shipment_reserve(
        actor=admin, from_site_id=depot.pk, to_site_id=hospital.pk, lines=[LineSpec(masks.pk, 100)]
    )
    requisition_record_shipment(
        user=admin,
        requisition_id=req.pk,
        document_id=shipment.pk,
        quantities={req.lines.get().pk: 100},
    )
    req.refresh_from_db()
    assert req.state == "allocated"
    with django_capture_on_commit_callbacks(execute=True):
        shipment_dispatch(actor=user_named("district-warehouse-keeper"), document_id=shipment.pk)
    req.refresh_from_db()
    assert req.state == "dispatched" and req.lines.get().shipped == 100

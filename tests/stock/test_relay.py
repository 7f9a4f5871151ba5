"""The ledger's relay at a transfer station: in transit on one leg → in transit on the next."""

from __future__ import annotations

import pytest

from liangcao.core.errors import Conflict, Forbidden, Invalid
from liangcao.stock import selectors, services
from liangcao.stock.audit import ledger_verify
from liangcao.stock.models import Balance, DocumentState, LocationKind
from tests.stock.conftest import Stock

pytestmark = pytest.mark.django_db


def in_transit(document_id: int) -> int:
    return sum(
        Balance.objects.filter(
            location__kind=LocationKind.IN_TRANSIT, location__document_id=document_id
        ).values_list("on_hand", flat=True)
    )


def test_relay_moves_the_load_from_one_leg_to_the_next_without_the_station_store(
    stock: Stock,
) -> None:
    stock.receive("depot-city", "RICE", 800, lot="R-1")
    rice = stock.item("RICE")
    leg1 = services.shipment_reserve(
        actor=stock.admin,
        from_site_id=stock.site("depot-city").pk,
        to_site_id=stock.site("ts-1").pk,
        lines=[services.LineSpec(item_id=rice.pk, quantity=600)],
    )
    services.shipment_dispatch(actor=stock.admin, document_id=leg1.pk)
    hospital = stock.site("hosp-01")
    leg2 = services.shipment_relay(actor=stock.admin, document_id=leg1.pk, to_site_id=hospital.pk)
    leg1.refresh_from_db()
    assert leg1.state == DocumentState.RECEIVED and leg2.state == DocumentState.DISPATCHED
    assert (leg2.source_site_id, leg2.dest_site_id) == (stock.site("ts-1").pk, hospital.pk)
    assert in_transit(leg1.pk) == 0 and in_transit(leg2.pk) == 600
    station_store = Balance.objects.filter(location__key=f"store:{stock.site('ts-1').pk}:")
    assert sum(b.on_hand for b in station_store) == 0  # never unloaded into the station

    line = leg2.lines.get()
    services.shipment_receive(
        actor=stock.admin,
        document_id=leg2.pk,
        lines=[services.ReceiveSpec(line_id=line.pk, received=600)],
    )
    lot = line.movements.order_by("id").first().lot  # type: ignore[union-attr]
    _, trace, now_at = selectors.lot_trace(user=stock.admin, lot_id=lot.pk)
    assert [t.document_id for t in trace] == [trace[0].document_id, leg1.pk, leg2.pk, leg2.pk]
    kinds = [(t.from_label.split(" · ")[-1], t.to_label.split(" · ")[-1]) for t in trace]
    assert kinds[2] == (f"transit:{leg1.pk}", f"transit:{leg2.pk}")  # the relay itself
    assert kinds[3] == (f"transit:{leg2.pk}", "hosp-01")
    assert sum(now_at.values()) == 800  # 600 at the hospital, 200 still at the depot
    assert ledger_verify().ok


def test_only_shipments_to_a_station_in_transit_are_relayed(stock: Stock) -> None:
    stock.receive("depot-city", "RICE", 100, lot="R-1")
    rice = stock.item("RICE")

    def ship(to: str) -> int:
        doc = services.shipment_reserve(
            actor=stock.admin,
            from_site_id=stock.site("depot-city").pk,
            to_site_id=stock.site(to).pk,
            lines=[services.LineSpec(item_id=rice.pk, quantity=10)],
        )
        return doc.pk

    to_hospital = ship("hosp-01")
    services.shipment_dispatch(actor=stock.admin, document_id=to_hospital)
    with pytest.raises(Invalid):
        services.shipment_relay(
            actor=stock.admin, document_id=to_hospital, to_site_id=stock.site("fang-02").pk
        )
    reserved = ship("ts-1")
    with pytest.raises(Conflict):  # not dispatched yet
        services.shipment_relay(
            actor=stock.admin, document_id=reserved, to_site_id=stock.site("hosp-01").pk
        )
    services.shipment_dispatch(actor=stock.admin, document_id=reserved)
    with pytest.raises(Invalid):  # the next leg must leave the station
        services.shipment_relay(
            actor=stock.admin, document_id=reserved, to_site_id=stock.site("ts-1").pk
        )
    services.shipment_relay(
        actor=stock.admin, document_id=reserved, to_site_id=stock.site("hosp-01").pk
    )
    with pytest.raises(Conflict):  # nothing left in transit on the first leg
        services.shipment_relay(
            actor=stock.admin, document_id=reserved, to_site_id=stock.site("hosp-01").pk
        )


def test_a_failing_caller_record_rolls_the_relay_back(stock: Stock) -> None:
    stock.receive("depot-city", "RICE", 50, lot="R-1")
    rice = stock.item("RICE")
    leg1 = services.shipment_reserve(
        actor=stock.admin,
        from_site_id=stock.site("depot-city").pk,
        to_site_id=stock.site("ts-1").pk,
        lines=[services.LineSpec(item_id=rice.pk, quantity=50)],
    )
    services.shipment_dispatch(actor=stock.admin, document_id=leg1.pk)

    def refuse(inbound: object, outbound: object) -> None:
        raise Forbidden("the caller refuses")

    with pytest.raises(Forbidden):
        services.shipment_relay(
            actor=stock.admin,
            document_id=leg1.pk,
            to_site_id=stock.site("hosp-01").pk,
            on_posted=refuse,
        )
    leg1.refresh_from_db()
    assert leg1.state == DocumentState.DISPATCHED and in_transit(leg1.pk) == 50

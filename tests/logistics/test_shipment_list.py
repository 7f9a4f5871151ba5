"""A shipment list says what each shipment carries and which demand list (and its priority
class) it serves, so a keeper loads the right truck first."""

from __future__ import annotations

from collections.abc import Callable

from django.test import Client

from liangcao.allocation import services as allocation
from liangcao.demand.models import Fulfilment
from liangcao.orgs.models import Node, User
from liangcao.scenarios.day3 import day3_load
from liangcao.scenarios.demo import DemoResult


def test_the_list_shows_items_list_numbers_and_priority(
    demo: DemoResult, user_named: Callable[[str], User], client_for: Callable[[str], Client]
) -> None:
    day3_load(requisitions=12, sites=6)
    commander = user_named("city-commander")
    run = allocation.allocation_run_start(user=commander, node_id=Node.objects.get(code="city").pk)
    allocation.allocation_run_commit(user=commander, run_id=run.pk)
    fulfilment = Fulfilment.objects.select_related("line__requisition", "line__item").first()
    assert fulfilment is not None
    response = client_for("city-commander").get("/logistics/shipments/?direction=out")
    row = response.content.decode().split(f'data-shipment="{fulfilment.document_id}"')[1]
    row = row.split("</tr>")[0]
    assert fulfilment.line.requisition.number in row
    assert fulfilment.line.item.name in row
    assert f"<td>{fulfilment.line.requisition.priority_class}" in row

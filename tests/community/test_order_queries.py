"""The query budget of a household order through the API (issue 10): the request path runs
once per order, so a query added to it shows here before it shows in bench/orders.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from liangcao.catalog.models import Item
from liangcao.community.models import ItemRule, Order, OrderingRule
from tests.community.conftest import Place

# session, the user with their memberships (scope; two statements on SQLite); BEGIN, claim the
# key, one statement that locks the household inside the grid worker's scope and reads the
# active rule with its item rules and the offers, one that reads the household's last order and
# inserts the order and its lines (three on SQLite), store the answer on the key, COMMIT.
ORDER_QUERIES = {"postgresql": 8, "sqlite": 11}
# session, user and memberships; BEGIN, the claim meets the stored key, read it, COMMIT.
REPLAY_QUERIES = {"postgresql": 6, "sqlite": 7}


def _order(client: Client, place: Place, key: str) -> Any:
    return client.post(
        "/api/v1/community/orders",
        {
            "household_id": place.household.pk,
            "lines": [{"offer": "EGG", "quantity": 2}, {"offer": "RICE", "quantity": 1}],
        },
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.mark.django_db
def test_an_order_through_the_api_stays_within_its_query_budget(
    place: Place, client_for: Callable[[str], Client]
) -> None:
    rule = OrderingRule.objects.create(level="II", interval_days=3, is_active=True)
    ItemRule.objects.create(rule=rule, item=Item.objects.get(code="EGG"), quota=5)
    ItemRule.objects.create(rule=rule, item=Item.objects.get(code="RICE"), quota=2)
    grid = client_for("community-grid-worker")
    with CaptureQueriesContext(connection) as placed:
        response = _order(grid, place, "budget")
    assert response.status_code == 201, response.content
    with CaptureQueriesContext(connection) as replayed:
        again = _order(grid, place, "budget")
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.filter(household=place.household).count() == 1
    sql = "\n".join(q["sql"][:120] for q in placed.captured_queries)
    assert len(placed.captured_queries) <= ORDER_QUERIES[connection.vendor], sql
    assert len(replayed.captured_queries) <= REPLAY_QUERIES[connection.vendor], sql

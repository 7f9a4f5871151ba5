"""Input that once answered 500: now a 4xx naming the field, and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from django.test import Client

from liangcao.catalog.models import Item
from liangcao.demand.models import Requisition
from liangcao.orgs.models import Site
from liangcao.scenarios.demo import DemoResult
from liangcao.stock.models import Document

ClientFor = Callable[[str], Client]


def post(client: Client, path: str, body: Any, **extra: Any) -> Any:
    return client.post(
        path,
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid4()),
        **extra,
    )


def receipt(quantity: Any, party: Any = "donor A") -> dict[str, Any]:
    return {
        "kind": "receipt",
        "site_id": Site.objects.get(code="depot-city").pk,
        "source_kind": "donor",
        "source_party": party,
        "lines": [
            {
                "item_id": Item.objects.get(code="MASK-N95").pk,
                "quantity": quantity,
                "lot_code": "L1",
                "expiry": "2028-06-01",
            }
        ],
    }


@pytest.mark.parametrize(
    ("quantity", "party", "field"),
    [
        (True, "donor A", "lines.0.quantity"),
        ("5", "donor A", "lines.0.quantity"),
        (2**31, "donor A", "lines.0.quantity"),
        (2**63, "donor A", "lines.0.quantity"),
        (2**64, "donor A", "lines.0.quantity"),
        (-1, "donor A", "lines.0.quantity"),
        (5, "donor\x00A", "source_party"),
        (5, "x" * 1_000_000, "source_party"),
    ],
)
def test_a_bad_value_is_a_422_naming_the_field_and_nothing_is_posted(
    demo: DemoResult, client_for: ClientFor, quantity: Any, party: Any, field: str
) -> None:
    keeper = client_for("city-warehouse-keeper")
    before = Document.objects.count()
    response = post(keeper, "/api/v1/stock/documents", receipt(quantity, party))
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert field in [e["field"] for e in body["errors"]], body
    assert len(response.content) < 5_000
    assert Document.objects.count() == before


def test_quantities_above_the_configured_limit_are_refused(
    demo: DemoResult, client_for: ClientFor, settings: Any
) -> None:
    settings.LEDGER_MAX_LINE_QUANTITY = 1000
    keeper = client_for("city-warehouse-keeper")
    response = post(keeper, "/api/v1/stock/documents", receipt(1001))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines.0.quantity"
    Item.objects.filter(code="MASK-N95").update(max_line_quantity=10)
    response = post(keeper, "/api/v1/stock/documents", receipt(11))
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "最多 10"  # "at most 10", in Chinese
    assert post(keeper, "/api/v1/stock/documents", receipt(10)).status_code == 201


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/requisitions?q=%00",
        "/api/v1/requisitions?offset=9223372036854775808",
        "/api/v1/stock/balances?site=99999999999999999999999",
        "/api/v1/requisitions/99999999999999999999999",
        "/demand/?q=a%00b",
        "/sites/?q=%00",
    ],
)
def test_hostile_queries_are_answered_4xx(
    demo: DemoResult, client_for: ClientFor, url: str
) -> None:
    response = client_for("city-commander").get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code)
    assert len(response.content) < 5_000


def test_a_requisition_with_a_boolean_quantity_is_refused(
    demo: DemoResult, client_for: ClientFor
) -> None:
    site = Site.objects.filter(kind="community_point").first()
    assert site is not None
    before = Requisition.objects.count()
    response = post(
        client_for("city-commander"),
        "/api/v1/requisitions",
        {"site_id": site.pk, "lines": [{"item": "RICE", "quantity": False}]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "lines.0.quantity"
    assert Requisition.objects.count() == before


def test_an_invalid_bearer_token_is_401_even_with_a_session(
    demo: DemoResult, client_for: ClientFor
) -> None:
    client = client_for("city-warehouse-keeper")
    client.handler.enforce_csrf_checks = True
    response = post(
        client, "/api/v1/stock/documents", receipt(5), HTTP_AUTHORIZATION="Bearer lc_not-a-token"
    )
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_an_oversize_body_is_413_and_short(demo: DemoResult, client_for: ClientFor) -> None:
    body = receipt(5, party="y" * 3_000_000)
    response = post(client_for("city-warehouse-keeper"), "/api/v1/stock/documents", body)
    assert response.status_code == 413
    assert len(response.content) < 1_000


def test_an_oversize_spreadsheet_is_refused_before_it_is_read(
    demo: DemoResult, client_for: ClientFor, settings: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.UPLOAD_MAX_BYTES = 20_000
    before = Item.objects.count()
    upload = SimpleUploadedFile("big.xlsx", b"PK" + b"\0" * 30_000)
    response = client_for("city-commander").post("/catalog/import/", {"file": upload})
    assert response.status_code == 422
    assert "too large" in response.content.decode() or "过大" in response.content.decode()
    assert len(response.content) < 50_000
    assert Item.objects.count() == before


@pytest.mark.usefixtures("english")
def test_a_domain_error_reports_at_most_two_hundred_problems() -> None:
    from liangcao.core.errors import FieldError, Invalid

    error = Invalid("Bad sheet", [FieldError("qty", "bad", row=n) for n in range(5000)])
    assert len(error.errors) == 201
    assert error.errors[-1].message == "and 4800 more"


def test_a_local_time_with_a_time_zone_is_a_field_error() -> None:
    """A time of day is the site's own clock: "08:00Z" names the field, never a 500."""
    from ninja import Schema
    from pydantic import ValidationError

    from liangcao.core.schema import LocalTime

    class Window(Schema):
        start: LocalTime

    assert Window(start="08:00").start.tzinfo is None  # type: ignore[arg-type]
    with pytest.raises(ValidationError) as refused:
        Window(start="08:00:00Z")  # type: ignore[arg-type]
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [
        (("start",), "timezone_naive")
    ]

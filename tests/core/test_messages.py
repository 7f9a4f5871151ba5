"""A domain error speaks the page's language: the same refusal reads in Chinese on a Chinese page
and in English on an English one, in the web forms and in the API's JSON body."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_lazy

from liangcao.core.errors import Conflict, FieldError, Invalid
from liangcao.orgs.models import Site, User
from liangcao.stock.models import Document
from liangcao.stock.services import (
    LineSpec,
    issue_post,
    shipment_dispatch,
    shipment_reserve,
)
from tests.stock.conftest import Stock

pytestmark = pytest.mark.django_db

ClientFor = Callable[[str], Client]


def speaking(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@pytest.fixture
def stock(demo: object) -> Stock:
    return Stock(admin=User.objects.get(username="admin"))


@pytest.fixture
def dispatched(stock: Stock, user_named: Callable[[str], User]) -> Document:
    stock.receive("depot-city", "MASK-N95", 100)
    keeper = user_named("city-warehouse-keeper")
    hospital = Site.objects.get(code__startswith="hosp", node__code="d01")
    shipment = shipment_reserve(
        actor=keeper,
        from_site_id=stock.site("depot-city").pk,
        to_site_id=hospital.pk,
        lines=[LineSpec(stock.item("MASK-N95").pk, 60)],
    )
    shipment_dispatch(actor=keeper, document_id=shipment.pk)
    return shipment


def receive_damaged_without_reason(client: Client, shipment: Document) -> str:
    base = f"/logistics/shipments/{shipment.pk}"
    line = shipment.lines.get()
    token = client.get(f"{base}/").context["form_token"]
    response = client.post(
        f"{base}/receive/", {"form_token": token, f"damaged_{line.pk}": "5"}, follow=True
    )
    assert response.status_code == 200
    shipment.refresh_from_db()
    assert shipment.state == "dispatched"  # refused: nothing was received
    return response.content.decode()


@pytest.mark.parametrize(
    ("language", "shown", "not_shown"),
    [
        ("zh-hans", ["收货明细无效", "请填写破损的理由"], ["Invalid receipt lines"]),
        ("en", ["Invalid receipt lines", "give a reason for damaged units"], ["收货明细无效"]),
    ],
)
def test_a_refused_receipt_reads_in_the_page_language(
    dispatched: Document,
    client_for: ClientFor,
    language: str,
    shown: list[str],
    not_shown: list[str],
) -> None:
    page = receive_damaged_without_reason(
        speaking(client_for("district-warehouse-keeper"), language), dispatched
    )
    for text in shown:
        assert text in page
    for text in not_shown:
        assert text not in page


def post(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(
        path,
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        **headers,
    )


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("zh-hans", "depot-city 的 THERMO-IR 不足：可用 12，需要 13"),
        ("en", "Not enough THERMO-IR at depot-city: 12 available, 13 requested"),
    ],
)
def test_an_api_error_body_is_in_the_requested_language(
    stock: Stock, client_for: ClientFor, accept: str, expected: str
) -> None:
    stock.receive("depot-city", "THERMO-IR", 12)
    response = post(
        client_for("depot-keeper"),
        "/api/v1/stock/documents",
        {
            "kind": "issue",
            "site_id": stock.site("depot-city").pk,
            "lines": [{"item_id": stock.item("THERMO-IR").pk, "quantity": 13}],
        },
        HTTP_ACCEPT_LANGUAGE=accept,
    )
    assert response.status_code == 409
    body = response.json()
    assert body["message"] == expected
    assert isinstance(body["errors"][0]["message"], str)


def test_the_api_defaults_to_chinese_and_field_errors_are_chinese_too(
    stock: Stock, client_for: ClientFor
) -> None:
    response = post(
        client_for("depot-keeper"),
        "/api/v1/stock/documents",
        {
            "kind": "receipt",
            "site_id": stock.site("depot-city").pk,
            "source_kind": "supplier",
            "source_site_id": stock.supplier().pk,
            "lines": [{"item_id": stock.item("MASK-N95").pk, "quantity": 10}],
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "MASK-N95 需要填写批号",
        "errors": [{"field": "lot_code", "message": "必填"}],
    }


def test_a_missing_idempotency_key_is_refused_in_chinese(
    stock: Stock, client_for: ClientFor
) -> None:
    response = client_for("depot-keeper").post(
        "/api/v1/stock/documents",
        {
            "kind": "issue",
            "site_id": stock.site("depot-city").pk,
            "lines": [{"item_id": stock.item("THERMO-IR").pk, "quantity": 1}],
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == "此请求必须带有 Idempotency-Key 请求头"


def test_a_service_error_renders_in_the_language_active_when_shown(
    stock: Stock, user_named: Callable[[str], User]
) -> None:
    with translation.override("en"), pytest.raises(Conflict) as caught:
        issue_post(
            actor=user_named("depot-keeper"),
            site_id=stock.site("depot-city").pk,
            lines=[LineSpec(stock.item("THERMO-IR").pk, 1)],
        )
    assert str(caught.value).startswith("Not enough THERMO-IR at depot-city")
    # A message without placeholders stays lazy: it reads in the language active when shown.
    error = Invalid(gettext_lazy("No such site"), [FieldError("x", gettext_lazy("required"))])
    with translation.override("zh-hans"):
        assert error.as_dict() == {
            "code": "invalid",
            "message": "站点不存在",
            "errors": [{"field": "x", "message": "必填"}],
        }
    with translation.override("en"):
        assert error.as_dict()["message"] == "No such site"

"""A Chinese client reads why its input was refused in Chinese, field by field; an English
client reads pydantic's own English. One request per kind of error our schemas can raise."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from django.test import Client

from liangcao.core.services import api_token_create
from liangcao.core.validation import TEXTS
from liangcao.orgs.models import User
from liangcao.scenarios.demo import DemoResult

pytestmark = pytest.mark.django_db

RECEIPT = {"kind": "receipt", "site_id": 1, "source_kind": "donor", "source_party": "A"}
LINE = {"item_id": 1, "quantity": 5}
PLAN = {"depot_id": 1, "fleet": [{"count": 1, "capacity_kg": 100}]}

# (error type, method, path, body, field it names, a word the Chinese text must contain)
CASES: list[tuple[str, str, str, Any, str, str]] = [
    ("missing", "post", "/api/v1/me/tokens", {}, "name", "必填"),
    ("string_type", "post", "/api/v1/me/tokens", {"name": 5}, "name", "字符串"),
    ("int_type", "post", "/api/v1/allocation/runs", {"node_id": "1"}, "node_id", "整数"),
    ("int_parsing", "get", "/api/v1/allocation/runs/abc", None, "run_id", "整数"),
    ("greater_than_equal", "post", "/api/v1/allocation/runs", {"node_id": 0}, "node_id", "1"),
    (
        "less_than_equal",
        "post",
        "/api/v1/stock/documents",
        {**RECEIPT, "lines": [{**LINE, "quantity": 2**31}]},
        "lines.0.quantity",
        "2147483647",
    ),
    (
        "greater_than",
        "post",
        "/api/v1/logistics/route-plans",
        {**PLAN, "fleet": [{"count": 1, "capacity_kg": 100, "capacity_m3": 0}]},
        "fleet.0.capacity_m3",
        "大于",
    ),
    (
        "string_too_long",
        "post",
        "/api/v1/allocation/runs",
        {"node_id": 1, "policy": "x" * 201},
        "policy",
        "200",
    ),
    (
        "bool_type",
        "post",
        "/api/v1/stock/shipments/1/dispatch",
        {"collected_by_recipient": "yes"},
        "collected_by_recipient",
        "布尔",
    ),
    ("list_type", "post", "/api/v1/stock/documents", {**RECEIPT, "lines": "x"}, "lines", "列表"),
    ("too_short", "post", "/api/v1/stock/documents", {**RECEIPT, "lines": []}, "lines", "至少"),
    (
        "dict_type",
        "post",
        "/api/v1/requisitions/1/escalate",
        {"quantities": "all of it"},
        "quantities",
        "字典",
    ),
    (
        "enum",
        "post",
        "/api/v1/stock/documents",
        {**RECEIPT, "kind": "gift", "lines": [LINE]},
        "kind",
        "之一",
    ),
    (
        "date_from_datetime_parsing",
        "post",
        "/api/v1/stock/documents",
        {**RECEIPT, "lines": [{**LINE, "expiry": "next spring"}]},
        "lines.0.expiry",
        "日期",
    ),
    (
        "time_parsing",
        "post",
        "/api/v1/logistics/route-plans",
        {**PLAN, "start_time": "25:99"},
        "start_time",
        "时间",
    ),
    (
        "decimal_parsing",
        "post",
        "/api/v1/logistics/route-plans",
        {**PLAN, "fleet": [{"count": 1, "capacity_kg": 100, "capacity_m3": "lots"}]},
        "fleet.0.capacity_m3",
        "小数",
    ),
]

# What pydantic itself says for each (the English answer), up to the first comma.
ENGLISH = {
    "missing": "Field required",
    "string_type": "Input should be a valid string",
    "int_type": "Input should be a valid integer",
    "int_parsing": "Input should be a valid integer",
    "greater_than_equal": "Input should be greater than or equal to 1",
    "less_than_equal": "Input should be less than or equal to 2147483647",
    "greater_than": "Input should be greater than 0",
    "string_too_long": "String should have at most 200 characters",
    "bool_type": "Input should be a valid boolean",
    "list_type": "Input should be a valid list",
    "too_short": "List should have at least 1 item after validation",
    "dict_type": "Input should be a valid dictionary",
    "enum": "Input should be 'receipt'",
    "date_from_datetime_parsing": "Input should be a valid date or datetime",
    "time_parsing": "Input should be in a valid time format",
    "decimal_parsing": "Input should be a valid decimal",
}


@pytest.fixture
def token(demo: DemoResult) -> str:
    admin = User.objects.create_superuser("i18n-admin", password="x-not-used-x")
    return api_token_create(user_id=admin.pk, name="i18n")[1]


def call(method: str, path: str, body: Any, token: str, language: str | None) -> Any:
    headers: dict[str, str] = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    if method == "get":
        return Client().get(path, **headers)  # type: ignore[arg-type]
    return Client().post(
        path,
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=str(uuid4()),
        **headers,  # type: ignore[arg-type]
    )


def errors_of(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.content
    body = response.json()
    assert set(body) == {"code", "message", "errors"} and body["code"] == "invalid"
    return {e["field"]: e["message"] for e in body["errors"]}


@pytest.mark.parametrize(
    ("kind", "method", "path", "body", "field", "word"), CASES, ids=[c[0] for c in CASES]
)
def test_a_chinese_client_reads_each_field_error_in_chinese(
    token: str, kind: str, method: str, path: str, body: Any, field: str, word: str
) -> None:
    for language in (None, "zh-CN,zh;q=0.9", "zh-Hans"):  # no header: zh-Hans, the default
        response = call(method, path, body, token, language)
        assert response.json()["message"] == "输入无效"
        message = errors_of(response)[field]
        assert word in message, (kind, message)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message), (kind, message)


@pytest.mark.parametrize(
    ("kind", "method", "path", "body", "field", "word"), CASES, ids=[c[0] for c in CASES]
)
def test_an_english_client_reads_pydantics_english(
    token: str, kind: str, method: str, path: str, body: Any, field: str, word: str
) -> None:
    response = call(method, path, body, token, "en")
    assert response.json()["message"] == "Invalid input"
    message = errors_of(response)[field]
    assert message.startswith(ENGLISH[kind]), message
    assert kind in TEXTS  # a type we word in Chinese


def test_a_body_that_is_not_json_says_so_in_the_clients_language(token: str) -> None:
    for language, text in (("zh-Hans", "不是有效的 JSON"), ("en", "not valid JSON")):
        response = Client().post(
            "/api/v1/me/tokens",
            "{not json",
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid4()),
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 400
        assert text in response.json()["message"]

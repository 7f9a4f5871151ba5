"""Schemathesis over the whole API, bounded for CI: whatever the generated input, no answer is
a 5xx, and every answer matches the schema the API publishes (status, content type, body).

Calls are made as a superuser (Bearer token), so every operation is reachable; each POST
carries a fresh Idempotency-Key. `LIANGCAO_FUZZ_EXAMPLES` raises the examples per operation
(CI: 5; `make bench`-style runs: e.g. 100).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from uuid import uuid4

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from liangcao.core.services import api_token_create
from liangcao.orgs.models import User
from liangcao.scenarios.demo import DemoResult

EXAMPLES = int(os.environ.get("LIANGCAO_FUZZ_EXAMPLES", "5"))


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    """Calls go through the real WSGI handler, whose request signals close the database
    connection after each request; inside a test transaction (PostgreSQL) that would close the
    test's own connection. Django's test client detaches the same handler; so do we."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(demo: DemoResult) -> str:
    admin = User.objects.create_superuser("fuzz-admin", password="x-not-used-x")
    return api_token_create(user_id=admin.pk, name="fuzz")[1]


# Loading the schema needs no database: the API describes itself.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_breaks_the_api(case: schemathesis.Case, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    if case.method.upper() == "POST":
        headers["Idempotency-Key"] = str(uuid4())
    response = case.call(headers=headers)
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )


def test_no_two_schemas_share_a_name() -> None:
    """Ninja names OpenAPI components after the Schema classes: two apps' `PlanOut` would
    silently describe one endpoint with the other's fields."""
    import ast
    from pathlib import Path

    names: dict[str, list[str]] = {}
    for path in Path(__file__).resolve().parents[1].joinpath("src", "liangcao").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                getattr(b, "id", getattr(b, "attr", "")) in {"Schema", "FilterSchema"}
                or getattr(b, "id", "").endswith(("Out", "In"))
                for b in node.bases
            ):
                names.setdefault(node.name, []).append(path.name)
    assert {n: p for n, p in names.items() if len(p) > 1} == {}

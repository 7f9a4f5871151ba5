"""Schemathesis over the whole API, bounded for CI: whatever the generated input, no answer is
a 5xx, and every answer matches the schema the API publishes (status, content type, body).

Calls are made as a superuser (Bearer token), so every operation is reachable; each POST
carries a fresh Idempotency-Key. `LIANGCAO_FUZZ_EXAMPLES` raises the examples per operation
(CI: 5; `make bench`-style runs: e.g. 100).
"""

from __future__ import annotations

import os
from uuid import uuid4

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
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

"""The Django admin opens every model's list for a superuser (and nobody else)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.test import Client
from django.urls import reverse


def test_superuser_opens_every_admin_list(client_for: Callable[[str], Client]) -> None:
    client = client_for("admin")
    failures = []
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        status = client.get(url).status_code
        if status != 200:
            failures.append(f"{url}: {status}")
    assert failures == []


def test_commanders_are_not_let_into_the_admin(client_for: Callable[[str], Client]) -> None:
    response = client_for("city-commander").get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

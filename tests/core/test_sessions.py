"""Database sessions read by a prepared statement (core/sessions.py): what the database
engine would load, the session's data while it lasts and nothing once it has expired."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from liangcao.core.sessions import SessionStore


@pytest.mark.django_db
def test_a_saved_session_reads_back_until_it_expires() -> None:
    saved = SessionStore()
    saved["who"] = "grid worker"
    saved.create()
    key = saved.session_key
    assert key is not None
    assert SessionStore(session_key=key)["who"] == "grid worker"

    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    expired = SessionStore(session_key=key)
    assert expired.get("who") is None
    assert expired.session_key is None  # a new session is started, not the expired one reused


@pytest.mark.django_db
def test_an_unknown_session_key_reads_as_empty() -> None:
    store = SessionStore(session_key="no-such-session-key-0123456789")
    assert dict(store.items()) == {}
    assert store.session_key is None


@pytest.mark.django_db
def test_a_request_is_signed_in_by_its_session(client_for: Callable[[str], Client]) -> None:
    assert Client().get("/api/v1/community/offers").status_code == 401
    assert client_for("community-grid-worker").get("/api/v1/community/offers").status_code == 200

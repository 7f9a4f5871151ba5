"""Shared fixtures: the small demo city, users by name, and the PostgreSQL marker's rule.

Tests that need PostgreSQL carry `@pytest.mark.postgres`. Off PostgreSQL they skip, except
under CI=true where a missing PostgreSQL is a failure — unless this is CI's deliberate
SQLite pass (LIANGCAO_SQLITE_PASS=1).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from liangcao.orgs.models import User
from liangcao.scenarios.demo import DemoResult, demo_load
from liangcao.signin.second_factor import confirmed_device, second_factor_required
from liangcao.stock.ledger_sql import drop_triggers, install_triggers


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(pytest.mark.xdist_group("browser"))
        # A committed test ends with a flush that also empties rows the migrations seeded
        # (the default countersign rules): restore them for the tests that follow.
        if _transactional(item):
            item.add_marker(
                pytest.mark.django_db(transaction=True, serialized_rollback=True), append=False
            )


@pytest.fixture(autouse=True)
def _postgres_rule(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") is None:
        return
    if connection.vendor == "postgresql":
        return
    if os.environ.get("CI") == "true" and os.environ.get("LIANGCAO_SQLITE_PASS") != "1":
        pytest.fail("This test needs PostgreSQL and CI=true: set DATABASE_URL to PostgreSQL")
    pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")


def force_login_with_second_factor(client: Client, user: User, backend: str | None = None) -> None:
    """`Client.force_login`, plus the second factor for users who need one: the session is
    marked as having passed it with the user's device (created confirmed when missing), as a
    real code entry would. Production is unchanged: only the test client skips the code."""
    _plain_force_login(client, user, backend)
    if not second_factor_required(User.objects.get(pk=user.pk)):  # no cached scope on `user`
        return
    device = confirmed_device(user) or TOTPDevice.objects.create(
        user=user, name="test", confirmed=True
    )
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


_plain_force_login = Client.force_login
Client.force_login = force_login_with_second_factor  # type: ignore[method-assign]


@pytest.fixture
def demo(db: None) -> DemoResult:
    """The small demo city (3 districts), loaded inside the test's transaction."""
    return demo_load(size="small", seed=7)


@pytest.fixture
def user_named(demo: DemoResult) -> Callable[[str], User]:
    """Look up a demo user by username, e.g. user_named("district-commander")."""

    def get(username: str) -> User:
        return User.objects.get(username=username)

    return get


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language: a request leaves its own language active."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def english() -> Iterator[None]:
    """English messages for a test that calls services directly (zh-hans is the default)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client_for(user_named: Callable[[str], User]) -> Callable[[str], Client]:
    """A test client signed in as the named demo user."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(user_named(username))
        return client

    return make


def empty_ledger() -> None:
    """Empty stock_movement with the append-only guard lifted, then restore the guard, so that
    committed (transaction=True) test data can be flushed (TRUNCATE of an empty table is
    allowed)."""
    drop_triggers(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM stock_movement")
    finally:
        install_triggers(connection)


@pytest.fixture
def empty_ledger_after() -> Iterator[None]:
    """For transaction=True tests that post stock: empty the append-only table afterwards."""
    yield
    empty_ledger()

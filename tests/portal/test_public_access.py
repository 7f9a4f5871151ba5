"""The portal is public and read-only: no sign-in, GET/HEAD only, a strict CSP, a rate limit
per address held in the database, bad filters answered 422 naming the field."""

from __future__ import annotations

import pytest
from django.test import Client

from liangcao.portal.models import RateBucket
from tests.portal.conftest import Published

pytestmark = pytest.mark.django_db
PAGES = [
    "/public/",
    "/public/verify/",
    "/public/procurement/",
    "/public/allocations/",
    "/public/stock/",
    "/public/donations/",
    "/public/stock.csv",
    "/public/donations.xlsx",
]


def test_every_portal_page_needs_no_sign_in_and_carries_the_csp(city: Published) -> None:
    client = Client()
    for url in [*PAGES, f"/public/donations/{city.named.reference}/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        csp = response["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe" not in csp
    html = client.get("/public/").content.decode()
    assert "<script" not in html and "style=" not in html and "<style" not in html


def test_the_portal_is_read_only(city: Published) -> None:
    client = Client(enforce_csrf_checks=False)
    for url in ("/public/", "/public/donations/", "/public/stock.csv"):
        assert client.post(url, {}).status_code == 405


def test_rate_limit_per_address(settings, city: Published) -> None:  # type: ignore[no-untyped-def]
    settings.PORTAL_RATE_LIMIT = 3
    one, other = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
    assert [one.get("/public/").status_code for _ in range(4)] == [200, 200, 200, 429]
    assert one.get("/public/stock/")["Retry-After"]
    assert other.get("/public/").status_code == 200  # another address has its own budget
    assert RateBucket.objects.get(address="10.0.0.1").count == 5


def test_bad_filter_is_422_naming_the_field(city: Published) -> None:
    response = Client().get("/public/procurement/", {"start": "yesterday"})
    assert response.status_code == 422
    assert 'data-field="start"' in response.content.decode()
    assert Client().get("/public/procurement.csv", {"end": "2022-13-45"}).status_code == 422
    assert Client().get("/public/nonsense/").status_code == 404
    assert Client().get("/public/donations/JZ-999999/").status_code == 404


def test_filters_narrow_the_lists(city: Published) -> None:
    rows = Client().get("/public/procurement.csv", {"q": "MASK-N95"}).content.decode().splitlines()
    assert len(rows) == 2 and "3.85" in rows[1] and "19250.00" in rows[1]
    d02 = Client().get("/public/donations.csv", {"district": "d02"}).content.decode().splitlines()
    assert len(d02) == 1  # the depot is city level: nothing under district d02


def test_portal_reads_through_its_database_alias(settings, city: Published) -> None:  # type: ignore[no-untyped-def]
    """Every list reads through settings.PORTAL_DATABASE (a replica in production): pointed at
    an alias that does not exist, the lists fail — they never fall back to the primary."""
    from django.utils.connection import ConnectionDoesNotExist

    settings.PORTAL_DATABASE = "replica-that-is-not-configured"
    for url in (
        "/public/procurement/",
        "/public/allocations/",
        "/public/stock/",
        "/public/donations/",
    ):
        with pytest.raises(ConnectionDoesNotExist):
            Client().get(url)
    settings.PORTAL_DATABASE = "default"
    assert Client().get("/public/donations/").status_code == 200

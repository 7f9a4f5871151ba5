"""No personal data on the portal: crawl every page it links to (and every list with a filter)
and download every file, .csv, .xlsx and published, as an anonymous visitor; none of the planted
names, phones, drivers, households or users may appear. Anonymous donors show as 匿名."""

from __future__ import annotations

import io
import re
import zipfile
from collections import deque

import pytest
from django.test import Client
from django.utils import timezone

from liangcao.portal.publication import publication_create
from tests.portal.conftest import SECRETS, Published

pytestmark = pytest.mark.django_db


def _text(content: bytes, content_type: str) -> str:
    if content.startswith(b"PK"):  # .xlsx: every XML part of the workbook
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            return "\n".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    return content.decode("utf-8")


def crawl(client: Client, start: list[str]) -> dict[str, str]:
    seen: dict[str, str] = {}
    todo = deque(start)
    while todo:
        url = todo.popleft()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        text = _text(response.content, response.get("Content-Type", ""))
        seen[url] = text
        if "html" in response.get("Content-Type", ""):
            for href in re.findall(r'href="(/public/[^"]*)"', text):
                todo.append(href.replace("&amp;", "&"))
    return seen


def test_no_personal_data_anywhere_on_the_portal(city: Published, settings) -> None:  # type: ignore[no-untyped-def]
    settings.PORTAL_RATE_LIMIT = 10_000
    publication_create(day=timezone.localdate())
    client = Client()
    lists = ["procurement", "allocations", "stock", "donations"]
    start = ["/public/", "/public/verify/"]
    for name in lists:
        start += [
            f"/public/{name}/",
            f"/public/{name}/?district=d01&q=RICE",
            f"/public/{name}.csv",
            f"/public/{name}.xlsx",
            f"/public/{name}.xlsx?q=米",
        ]
    pages = crawl(client, start)
    # The crawl reached the donation pages and the published files through the links.
    assert f"/public/donations/{city.anonymous.reference}/" in pages
    assert any(u.endswith("/manifest.json") for u in pages)
    assert any(u.endswith("/donations.csv") and "publications" in u for u in pages)
    everything = "\n".join(pages.values())
    leaks = [s for s in SECRETS if s in everything]
    assert leaks == []
    # Anonymous donors appear, as anonymous; the named organisation by its name.
    anonymous_page = pages[f"/public/donations/{city.anonymous.reference}/"]
    assert "匿名" in anonymous_page
    assert "爱心粮油公司" in everything
    # The data is really there (the scan is not vacuous): the purchase price and the shipment.
    assert "5.20" in pages["/public/procurement.csv"]
    assert "900" in pages["/public/allocations.csv"]

"""The daily report of a known day: its sections hold what the ledger and the demand lists
say for that day and that subtree only; .xlsx and PDF; history and scope."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from openpyxl import load_workbook

from liangcao.catalog.models import Category
from liangcao.demand import services as demand
from liangcao.market.models import PriceReport
from liangcao.orgs.models import Node, Site, User
from liangcao.reports import services
from liangcao.reports.models import DailyReport, ReportStatus
from liangcao.reports.sections import SECTIONS
from liangcao.reports.tasks import daily_reports
from tests.orgs.test_scope_matrix import API_REPORTS, WEB_REPORTS
from tests.readiness.conftest import Ledger


def test_every_reports_endpoint_is_exercised_here() -> None:
    assert {"/api/v1/reports", "/api/v1/reports/{report_id}"} == API_REPORTS
    assert {"report-list", "report-detail", "report-export", "report-pdf"} == WEB_REPORTS


@pytest.fixture
def day(ledger: Ledger) -> Ledger:
    """Yesterday: 1000 FLOUR and 300 MASK-SURG received at depot-d01, 120 FLOUR issued; 999
    FLOUR received in d02; one demand list from a d01 community point."""
    ledger.receive("depot-d01", "FLOUR", 1000, day=-1)
    ledger.receive("depot-d01", "MASK-SURG", 300, day=-1)
    ledger.issue("depot-d01", "FLOUR", 70, day=-1)
    ledger.issue("depot-d01", "FLOUR", 50, day=-1)
    ledger.receive("depot-d02", "FLOUR", 999, day=-1)
    ledger.issue("depot-d01", "FLOUR", 5, day=0)  # today: not in yesterday's report
    point = Site.objects.filter(kind="community_point", node__code__startswith="d01-").first()
    assert point is not None
    demand.requisition_create(
        user=ledger.admin,
        site_id=point.pk,
        lines=[demand.LineIn("MASK-SURG", 10)],
        submit=True,
    )
    return ledger


def _section(report: DailyReport, key: str) -> dict[str, object]:
    return next(s for s in report.content["sections"] if s["key"] == key)


def test_the_report_of_a_known_day(day: Ledger) -> None:
    d01 = Node.objects.get(code="d01")
    commander = User.objects.get(username="district-commander")
    report = services.report_request(actor=commander, node_id=d01.pk, day=day.day(-1))
    assert report.status == ReportStatus.DONE, report.error
    assert [s["key"] for s in report.content["sections"]] == [
        "stock_cover",
        "movements",
        "requisitions",
        "shipments",
        "overdue_fast_tracks",
        "prices",
        "household_orders",
        "donations",
    ]
    assert len(SECTIONS) == 8
    moves = {(r[0], r[1]): (r[2], r[3]) for r in _section(report, "movements")["rows"]}  # type: ignore[union-attr]
    with translation.override(settings.LANGUAGE_CODE):
        flour_cat, mask_cat = str(Category.DAILY.label), str(Category.TIER1.label)
    assert moves[("receipt", flour_cat)] == (1, 1000)  # d02's 999 is not in d01's report
    assert moves[("receipt", mask_cat)] == (1, 300)
    assert moves[("issue", flour_cat)] == (2, 120)  # today's 5 are not in yesterday's
    assert _section(report, "requisitions")["rows"] == [[0, 0, 1]]  # filed today, open now
    stock = _section(report, "stock_cover")["rows"]
    # d01 has no children of its own in the report's areas: streets are listed.
    assert {r[0] for r in stock} <= {n.code for n in d01.children.all()}  # type: ignore[union-attr]
    prices = {r[0]: r for r in _section(report, "prices")["rows"]}  # type: ignore[union-attr]
    leaf = PriceReport.objects.filter(
        store__node=d01, item__code="VEG-LEAF", day=day.day(-1)
    ).values_list("price", flat=True)
    assert len(prices) == 8 and prices["叶类蔬菜"][1] == 2  # two sample stores in d01
    assert prices["叶类蔬菜"][2] == str(min(leaf)) and prices["叶类蔬菜"][6] == 0
    today = services.report_request(actor=commander, node_id=d01.pk, day=day.today)
    # Both stores' leafy vegetables jumped today: above baseline and over yesterday, each.
    assert {r[0]: r[6] for r in _section(today, "prices")["rows"]}["叶类蔬菜"] == 4
    city = services.report_request(
        actor=day.admin, node_id=Node.objects.get(code="city").pk, day=day.day(-1)
    )
    rows = _section(city, "stock_cover")["rows"]
    daily = [r for r in rows if r[0] == "d01" and r[2] == flour_cat]  # type: ignore[index]
    assert daily and daily[0][4] == 1000 - 120 - 5  # available now
    city_moves = {(r[0], r[1]): r[3] for r in _section(city, "movements")["rows"]}  # type: ignore[union-attr]
    assert city_moves[("receipt", flour_cat)] == 1999


def test_exports_history_and_scope(day: Ledger) -> None:
    d01 = Node.objects.get(code="d01")
    d02 = Node.objects.get(code="d02")
    commander = Client()
    commander.force_login(User.objects.get(username="district-commander"))
    response = commander.post(
        "/reports/", {"node": d01.pk, "day": day.day(-1).isoformat(), "form_token": "t1"}
    )
    assert response.status_code == 302
    report = DailyReport.objects.get()
    assert response["Location"] == f"/reports/{report.pk}/"
    page = commander.get(f"/reports/{report.pk}/").content.decode()
    assert 'data-section="movements"' in page
    book = load_workbook(io.BytesIO(commander.get(f"/reports/{report.pk}.xlsx").content))
    assert len(book.worksheets) == 8
    assert book.worksheets[1]["A2"].value in {"receipt", "issue"}
    pdf = commander.get(f"/reports/{report.pk}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert f'data-report="{report.pk}"' in commander.get("/reports/").content.decode()
    # Another district's commander sees nothing of it.
    other = services.report_request(actor=day.admin, node_id=d02.pk, day=day.day(-1))
    for url in (
        f"/reports/{other.pk}/",
        f"/reports/{other.pk}.xlsx",
        f"/reports/{other.pk}.pdf",
        f"/api/v1/reports/{other.pk}",
    ):
        assert commander.get(url).status_code == 404, url
    listed = commander.get("/api/v1/reports").json()
    assert [r["id"] for r in listed["items"]] == [report.pk]
    community = Client()
    community.force_login(User.objects.get(username="community-commander"))
    assert community.get(f"/reports/{report.pk}/").status_code == 404
    assert community.get("/api/v1/reports").json()["count"] == 0
    # The API: a key, a node in scope, a day not in the future.
    url = "/api/v1/reports"
    body = {"node_id": d01.pk}
    assert commander.post(url, body, content_type="application/json").status_code == 400
    out = commander.post(
        url, {"node_id": d02.pk}, content_type="application/json", HTTP_IDEMPOTENCY_KEY="a"
    )
    assert out.status_code == 404
    future = commander.post(
        url,
        {"node_id": d01.pk, "day": (day.today + timedelta(days=2)).isoformat()},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="b",
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "day"
    made = commander.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="c")
    assert made.status_code == 201 and made.json()["status"] == "done"


def test_the_scheduled_task_builds_the_city_and_each_district_once(day: Ledger) -> None:
    daily_reports.enqueue(reschedule=False)
    daily_reports.enqueue(reschedule=False)
    reports = DailyReport.objects.filter(requested_by__isnull=True)
    codes = sorted(r.node.code for r in reports)
    assert codes == sorted(["city", *Node.objects.filter(depth=1).values_list("code", flat=True)])
    assert all(r.status == ReportStatus.DONE and r.day == day.day(-1) for r in reports)


def test_next_run_is_the_coming_report_hour() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    shanghai = ZoneInfo(settings.TIME_ZONE)
    assert settings.DAILY_REPORT_HOUR == 7
    before = datetime(2026, 3, 1, 6, 59, tzinfo=shanghai)
    after = datetime(2026, 3, 1, 7, 0, tzinfo=shanghai)
    assert services.next_run_at(before) == datetime(2026, 3, 1, 7, tzinfo=shanghai)
    assert services.next_run_at(after) == datetime(2026, 3, 2, 7, tzinfo=shanghai)

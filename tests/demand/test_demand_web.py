"""Demand lists through the web and Excel: the template imports whole or not at all (unless the
user asks for the valid rows only), and forms post once however often they are tapped."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable

from django.test import Client
from openpyxl import load_workbook

from liangcao.catalog.models import Item
from liangcao.demand.excel import HEADER_ROW, SHEET, demand_template_xlsx
from liangcao.demand.models import Requisition, RequisitionState
from liangcao.orgs.models import Membership, Site, User
from liangcao.scenarios.demo import DemoResult

UserNamed = Callable[[str], User]
ClientFor = Callable[[str], Client]


def community_point(user_named: UserNamed) -> Site:
    node = Membership.objects.get(user=user_named("community-requester")).node
    return Site.objects.get(node=node, kind="community_point")


def filled_template(rows: list[list[object]], site: Site | None = None) -> io.BytesIO:
    book = load_workbook(io.BytesIO(demand_template_xlsx(site=site)))
    sheet = book[SHEET]
    for offset, row in enumerate(rows):
        for column, value in zip("ADEF", row, strict=False):
            sheet[f"{column}{HEADER_ROW + 1 + offset}"] = value
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "demand.xlsx"
    return buffer


def test_template_looks_like_the_paper_form(user_named: UserNamed) -> None:
    site = community_point(user_named)
    book = load_workbook(io.BytesIO(demand_template_xlsx(site=site)))
    sheet = book[SHEET]
    assert sheet["B2"].value == site.code
    assert "街道审核" in sheet["B4"].value and "区级审核" in sheet["C4"].value
    assert [c.value for c in sheet[HEADER_ROW]][:4] == [
        "item_code",
        "item_name",
        "unit",
        "quantity",
    ]
    assert book["items"].sheet_state == "hidden"
    assert {r[0] for r in book["items"].iter_rows(values_only=True)} == set(
        Item.objects.values_list("code", flat=True)
    )


def test_five_hundred_lines_import_in_under_five_seconds(
    client_for: ClientFor, user_named: UserNamed
) -> None:
    codes = list(Item.objects.order_by("code").values_list("code", flat=True))
    extra = [
        Item(code=f"X-{i:03d}", name_zh=f"物资{i}", category="daily", unit="kg") for i in range(500)
    ]
    Item.objects.bulk_create(extra)
    rows: list[list[object]] = [[f"X-{i:03d}", i + 1, "2022-01-20", "day 3"] for i in range(500)]
    upload = filled_template(rows)
    client = client_for("community-requester")
    started = time.monotonic()
    response = client.post("/demand/new/", {"site": community_point(user_named).pk, "file": upload})
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.content.decode()[:500]
    assert elapsed < 5
    req = Requisition.objects.get()
    assert req.lines.count() == 500 and req.state == RequisitionState.DRAFT
    assert codes  # the real catalog stayed as it was
    del codes


def test_bad_rows_are_reported_and_nothing_is_imported(
    client_for: ClientFor, user_named: UserNamed
) -> None:
    rows: list[list[object]] = [
        ["MASK-N95", 100],
        ["NOPE", 5],
        ["RICE", "lots"],
        ["MASK-N95", 3],
        ["OIL", 2, "someday"],
    ]
    client = client_for("community-requester")
    site = community_point(user_named)
    response = client.post("/demand/new/", {"site": site.pk, "file": filled_template(rows)})
    assert response.status_code == 422
    html = response.content.decode()
    first = HEADER_ROW + 1
    for row, column in (
        (first + 1, "item_code"),
        (first + 2, "quantity"),
        (first + 3, "item_code"),
        (first + 4, "needed_by"),
    ):
        assert re.search(rf"<td>{row}</td><td>{column}</td>", html), (row, column)
    assert not Requisition.objects.exists()

    response = client.post(
        "/demand/new/", {"site": site.pk, "file": filled_template(rows), "only_valid": "on"}
    )
    assert response.status_code == 302
    assert list(Requisition.objects.get().lines.values_list("item__code", "requested")) == [
        ("MASK-N95", 100)
    ]


def test_a_double_tap_files_one_list(client_for: ClientFor, user_named: UserNamed) -> None:
    client = client_for("community-requester")
    form = client.get("/demand/new/")
    token = form.context["form_token"]
    data = {
        "site": community_point(user_named).pk,
        "form_token": token,
        "item_0": "RICE",
        "quantity_0": "40",
        "submit": "on",
    }
    first = client.post("/demand/new/", data)
    second = client.post("/demand/new/", data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Requisition.objects.count() == 1


def test_street_signs_through_the_web_and_the_district_sees_it_in_scope(
    client_for: ClientFor, user_named: UserNamed
) -> None:
    requester = client_for("community-requester")
    token = requester.get("/demand/new/").context["form_token"]
    requester.post(
        "/demand/new/",
        {
            "site": community_point(user_named).pk,
            "form_token": token,
            "item_0": "MASK-N95",
            "quantity_0": "300",
            "submit": "on",
        },
    )
    req = Requisition.objects.get()
    street = client_for("street-approver")
    inbox = street.get("/demand/inbox/").content.decode()
    assert f'data-requisition="{req.number}"' in inbox
    page = street.get(f"/demand/{req.pk}/")
    assert 'data-testid="action-sign"' in page.content.decode()
    street.post(f"/demand/{req.pk}/sign/", {"form_token": page.context["form_token"]})
    assert list(req.signatures.values_list("decision", flat=True).order_by("-depth")) == [
        "approved",
        "pending",
    ]
    district_page = client_for("district-approver").get(f"/demand/{req.pk}/").content.decode()
    assert 'data-testid="action-sign"' in district_page
    assert client_for("hospital-requester").get(f"/demand/{req.pk}/").status_code == 404
    listed = client_for("district-inspector").get("/demand/").content.decode()
    assert f'data-requisition="{req.number}"' in listed
    assert (
        'data-testid="action-sign"'
        not in client_for("district-inspector").get(f"/demand/{req.pk}/").content.decode()
    )


def test_the_list_page_shows_why_and_who_did_what_when(
    demo: DemoResult, user_named: Callable[[str], User], client_for: Callable[[str], Client]
) -> None:
    from liangcao.demand.services import LineIn, requisition_create, requisition_sign

    community = Membership.objects.get(user=user_named("community-requester")).node
    site = Site.objects.get(node=community, kind="community_point")
    req = requisition_create(
        user=user_named("community-requester"),
        site_id=site.pk,
        lines=[LineIn("RICE", 10, justification="four elderly households ran out")],
        note="the lift is broken: deliver to the gate",
        submit=True,
    )
    requisition_sign(
        user=user_named("street-approver"),
        requisition_id=req.pk,
        approve=True,
        comment="checked with the grid worker",
    )
    page = client_for("community-requester").get(f"/demand/{req.pk}/").content.decode()
    for text in (
        "four elderly households ran out",
        "the lift is broken: deliver to the gate",
        "checked with the grid worker",
        'data-testid="timeline"',
    ):
        assert text in page, text
    timeline = page.split('data-testid="timeline"')[1]
    assert timeline.index("the lift is broken") < timeline.index("checked with the grid worker")

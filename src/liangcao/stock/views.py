"""Stock pages: overview of a site or subtree, stock card, lot trace, receive goods, counts.

Thin views: parse, call a selector or service, render. Forms that post stock carry a one-time
token used as their idempotency key, so a double tap on a slow phone posts once.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangcao.catalog.models import Category, Unit
from liangcao.core.errors import BadRequest, Conflict, DomainError, FieldError, Invalid
from liangcao.core.xlsx import write_workbook
from liangcao.orgs.models import User
from liangcao.orgs.selectors import site_list, user_has_role
from liangcao.stock import selectors, services
from liangcao.stock.models import DocumentKind
from liangcao.web.pages import (
    form_once,
    new_form_token,
    page_view,
    paginate,
    user_of,
    xlsx_response,
)

NEAR_EXPIRY_DAYS = 30
RECEIVE_ROWS = 5


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _overview_rows(request: HttpRequest) -> tuple[dict[str, Any], Any]:
    user = user_of(request)
    site, node = _int(request.GET.get("site")), _int(request.GET.get("node"))
    search, category = request.GET.get("q", "").strip(), request.GET.get("category", "")
    rows = selectors.balance_list(
        user=user, site_id=site, node_id=node, search=search or None, category=category or None
    )
    return {"site": site, "node": node, "q": search, "category": category}, rows


def _flag(row: dict[str, Any], soon: date) -> dict[str, Any]:
    """Mark rows to highlight: nothing available (low stock) and lots expiring soon."""
    expiry = row.get("earliest_expiry")
    return {
        **row,
        "low": int(row["available"] or 0) <= 0,
        "near_expiry": expiry is not None and expiry <= soon,
    }


@page_view
def overview(request: HttpRequest) -> HttpResponse:
    """Stock of one site (`site`) or of a subtree (`node`), or everything in scope."""
    params, rows = _overview_rows(request)
    page = paginate(request, rows)
    soon = timezone.localdate() + timedelta(days=NEAR_EXPIRY_DAYS)
    page.object_list = [_flag(r, soon) for r in page.object_list]
    context = {
        **params,
        "page": page,
        "categories": Category.choices,
        "near_days": NEAR_EXPIRY_DAYS,
        "query": request.GET.urlencode(),
    }
    template = "stock/_overview_table.html" if request.headers.get("HX-Request") else None
    return render(request, template or "stock/overview.html", context)


@page_view
def overview_export(request: HttpRequest) -> HttpResponse:
    _filters, rows = _overview_rows(request)
    headers = [
        _("Site"),
        _("Item code"),
        _("Item"),
        _("Unit"),
        _("On hand"),
        _("Reserved"),
        _("Available"),
        _("Earliest expiry"),
    ]
    data = [
        [
            r["location__site__code"],
            r["item__code"],
            r["item__name_zh"],
            Unit(r["item__unit"]).label,
            r["on_hand_sum"],
            r["reserved_sum"],
            r["available"],
            r["earliest_expiry"],
        ]
        for r in rows[:100_000]
    ]
    return xlsx_response(write_workbook([(_("Stock"), headers, data)]), "stock.xlsx")


def _card(request: HttpRequest) -> selectors.StockCard:
    site_id, item_id = _int(request.GET.get("site")), _int(request.GET.get("item"))
    if site_id is None or item_id is None:
        raise Invalid(_("Choose a site and an item"), [FieldError("site", _("required"))])
    return selectors.stock_card(
        user=user_of(request),
        site_id=site_id,
        item_id=item_id,
        lot_id=_int(request.GET.get("lot")),
        after=request.GET.get("cursor") or None,
        limit=int(request.GET.get("limit", 100)) if request.GET.get("limit", "").isdigit() else 100,
    )


@page_view
def card(request: HttpRequest) -> HttpResponse:
    """The stock card of an item at a site: movements with the running balance."""
    try:
        stock_card = _card(request)
    except (Invalid, BadRequest) as exc:
        return render(request, "web/error.html", {"error": exc}, status=400)
    return render(request, "stock/card.html", {"card": stock_card})


@page_view
def card_export(request: HttpRequest) -> HttpResponse:
    stock_card = _card(request)
    headers = [
        _("Movement"),
        _("Time"),
        _("Document"),
        _("Kind"),
        _("Lot"),
        _("Counterpart"),
        _("In"),
        _("Out"),
        _("Balance"),
    ]
    data = [
        [
            ln.movement_id,
            ln.created_at.isoformat(),
            ln.document_id,
            DocumentKind(ln.document_kind).label,
            ln.lot_code,
            ln.counterpart,
            ln.quantity_in,
            ln.quantity_out,
            ln.balance,
        ]
        for ln in stock_card.lines
    ]
    return xlsx_response(write_workbook([(_("Stock card"), headers, data)]), "stock-card.xlsx")


@page_view
def lot_trace(request: HttpRequest, lot_id: int) -> HttpResponse:
    """Where every unit of a lot went."""
    lot, lines, now_at = selectors.lot_trace(user=user_of(request), lot_id=lot_id)
    return render(request, "stock/lot_trace.html", {"lot": lot, "lines": lines, "now_at": now_at})


@page_view
def lot_trace_export(request: HttpRequest, lot_id: int) -> HttpResponse:
    _lot, lines, _now = selectors.lot_trace(user=user_of(request), lot_id=lot_id)
    headers = [
        _("Movement"),
        _("Time"),
        _("Document"),
        _("Kind"),
        _("Quantity"),
        _("From"),
        _("To"),
    ]
    data = [
        [
            ln.movement_id,
            ln.created_at.isoformat(),
            ln.document_id,
            DocumentKind(ln.document_kind).label,
            ln.quantity,
            ln.from_label,
            ln.to_label,
        ]
        for ln in lines
    ]
    return xlsx_response(write_workbook([(_("Lot trace"), headers, data)]), "lot-trace.xlsx")


@page_view
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    """One document with its lines and movements."""
    document = selectors.document_get(user=user_of(request), document_id=document_id)
    movements = document.movements.select_related("lot", "item").order_by("id")
    return render(request, "stock/document.html", {"document": document, "movements": movements})


def _receive_lines(request: HttpRequest) -> list[services.LineSpec]:
    codes = request.POST.getlist("item")
    items = selectors.item_ids_by_code(codes=[c.strip() for c in codes])
    lines: list[services.LineSpec] = []
    errors: list[FieldError] = []
    rows = zip(
        codes,
        request.POST.getlist("quantity"),
        request.POST.getlist("lot"),
        request.POST.getlist("expiry"),
        strict=False,
    )
    for n, (code, qty, lot, expiry) in enumerate(rows, start=1):
        if not code.strip():
            continue
        if code.strip() not in items:
            errors.append(FieldError(f"line {n}", _("unknown item code %s") % code))
            continue
        try:
            quantity = int(qty)
            when = date.fromisoformat(expiry) if expiry.strip() else None
        except ValueError:
            errors.append(FieldError(f"line {n}", _("quantity or expiry is not valid")))
            continue
        lines.append(
            services.LineSpec(
                item_id=items[code.strip()],
                quantity=quantity,
                lot_code=lot.strip() or None,
                expiry=when,
            )
        )
    if errors or not lines:
        raise Invalid(_("Check the lines"), errors or [FieldError("lines", _("enter a line"))])
    return lines


def _posting_sites(user: User) -> Any:
    return site_list(user=user, roles=services.POSTING_ROLES)


@page_view
def receive(request: HttpRequest) -> HttpResponse:
    """Receive goods into a store: item, quantity, lot and expiry per line (typed or scanned)."""
    user = user_of(request)
    error: DomainError | None = None
    if request.method == "POST":
        try:
            lines = _receive_lines(request)
            site_id = _int(request.POST.get("site"))
            if site_id is None:
                raise Invalid(_("Choose the receiving site"), [FieldError("site", _("required"))])

            def post(key: str) -> dict[str, Any]:
                document = services.receipt_post(
                    actor=user,
                    site_id=site_id,
                    source_kind=request.POST.get("source_kind", ""),
                    source_site_id=_int(request.POST.get("source_site")),
                    source_party=request.POST.get("source_party", ""),
                    lines=lines,
                    idempotency_key=key,
                )
                return {"document_id": document.pk}

            answer = form_once(request, post)
            messages.success(request, _("Goods received."))
            return redirect("stock-document", document_id=answer["document_id"])
        except DomainError as exc:
            error = exc
    context = {
        "sites": _posting_sites(user),
        "suppliers": selectors.supplier_sites(),
        "rows": range(RECEIVE_ROWS),
        "items": selectors.item_choices(),
        "form_token": new_form_token(),
        "error": error,
        "post": request.POST if request.method == "POST" else None,
    }
    return render(request, "stock/receive.html", context, status=422 if error else 200)


@page_view
@require_POST
def count_open(request: HttpRequest) -> HttpResponse:
    """Open a blind count sheet for a store."""
    site_id = _int(request.POST.get("site"))
    sheet = services.count_sheet_open(actor=user_of(request), site_id=site_id or 0)
    return redirect("stock-count", sheet_id=sheet.pk)


@page_view
def count_sheet(request: HttpRequest, sheet_id: int) -> HttpResponse:
    """The count sheet: counters enter quantities blind; approvers see the variance and post."""
    user = user_of(request)
    sheet = selectors.count_sheet_get(user=user, sheet_id=sheet_id)
    error: DomainError | None = None
    if request.method == "POST":
        counts: dict[int, int] = {}
        for name in request.POST:
            value = request.POST.get(name, "").strip()
            if name.startswith("count-") and value.lstrip("-").isdigit():
                counts[int(name.removeprefix("count-"))] = int(value)
        try:
            services.count_sheet_record(actor=user, sheet_id=sheet.pk, counts=counts)
            messages.success(request, _("Counts saved."))
            return redirect("stock-count", sheet_id=sheet.pk)
        except DomainError as exc:
            error = exc
    approver = user_has_role(user=user, roles=services.APPROVING_ROLES)
    context = {
        "sheet": sheet,
        "lines": selectors.count_lines(sheet=sheet),
        "variance": selectors.count_variance(sheet=sheet) if approver else None,
        "error": error,
        "form_token": new_form_token(),
    }
    return render(request, "stock/count_sheet.html", context, status=422 if error else 200)


@page_view
@require_POST
def count_post(request: HttpRequest, sheet_id: int) -> HttpResponse:
    """Post the reviewed variance of a count as an adjustment (approvers only)."""
    user = user_of(request)
    sheet = selectors.count_sheet_get(user=user, sheet_id=sheet_id)
    try:
        answer = form_once(
            request,
            lambda key: {
                "document_id": services.count_sheet_post(
                    actor=user, sheet_id=sheet.pk, idempotency_key=key
                ).pk
            },
        )
    except (Invalid, Conflict) as exc:
        messages.error(request, str(exc))
        return redirect("stock-count", sheet_id=sheet.pk)
    return redirect("stock-document", document_id=answer["document_id"])


@page_view
def count_export(request: HttpRequest, sheet_id: int) -> HttpResponse:
    """The blind sheet as a spreadsheet to count on paper (no book quantities)."""
    sheet = selectors.count_sheet_get(user=user_of(request), sheet_id=sheet_id)
    rows = [
        [ln.pk, ln.item.code, ln.item.name_zh, ln.lot.code, ln.counted]
        for ln in selectors.count_lines(sheet=sheet)
    ]
    headers = [_("Line"), _("Item code"), _("Item"), _("Lot"), _("Counted")]
    return xlsx_response(
        write_workbook([(_("Count sheet"), headers, rows)]), f"count-{sheet.pk}.xlsx"
    )

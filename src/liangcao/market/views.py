"""Market price pages: prices and alerts, the phone form, the .xlsx import, charts."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from liangcao.core.errors import DomainError, FieldError, Invalid
from liangcao.market import excel, selectors, services
from liangcao.orgs.selectors import node_list
from liangcao.web.pages import (
    form_once,
    new_form_token,
    page_view,
    paginate,
    user_of,
    xlsx_response,
)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _day(value: str | None, field: str = "day") -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("Bad day"), [FieldError(field, _("YYYY-MM-DD"))]) from None


@page_view
def price_home(request: HttpRequest) -> HttpResponse:
    """Prices of visible stores (filter by item), and this week's alerts."""
    user = user_of(request)
    item = request.GET.get("item") or None
    context = {
        "page": paginate(request, selectors.price_list(user=user, item_code=item)),
        "alerts": selectors.alert_list(user=user)[:100],
        "items": selectors.monitored_items(),
        "item": item,
    }
    return render(request, "market/home.html", context)


@page_view
def price_new(request: HttpRequest) -> HttpResponse:
    """The phone form: one store, one item, one price (today unless a day is given)."""
    user = user_of(request)
    context: dict[str, Any] = {
        "stores": selectors.store_list(user=user),
        "items": selectors.monitored_items(),
        "form_token": new_form_token(),
        "values": request.POST,
    }
    status = 200
    if request.method == "POST":
        try:
            day = _day(request.POST.get("day"))

            def record(token: str) -> dict[str, Any]:
                report = services.price_report(
                    actor=user,
                    store_id=_int(request.POST.get("store")) or 0,
                    item_code=request.POST.get("item", ""),
                    price=request.POST.get("price", ""),
                    day=day,
                )
                return {"id": report.pk, "alerts": report.alerts.count()}

            answer = form_once(request, record)
            if answer["alerts"]:
                messages.warning(request, _("Price recorded; it raised an alert."))
            else:
                messages.success(request, _("Price recorded."))
            return redirect("market-new")
        except DomainError as exc:
            context["error"], context["errors"], status = exc, exc.errors, exc.status
    return render(request, "market/new.html", context, status=status)


@page_view
def price_import(request: HttpRequest) -> HttpResponse:
    """Upload a filled price sheet: all rows or none."""
    user = user_of(request)
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise Invalid(_("Choose a file"), [FieldError("file", _("required"))])
            n = services.prices_import_xlsx(actor=user, content=upload.read())
            messages.success(request, _("%(n)d prices imported.") % {"n": n})
            return redirect("market-home")
        except DomainError as exc:
            context["error"], context["errors"], status = exc, exc.errors, exc.status
    return render(request, "market/import.html", context, status=status)


@page_view
def price_template(request: HttpRequest) -> HttpResponse:
    user = user_of(request)
    content = excel.price_template_xlsx(
        stores=list(selectors.store_list(user=user)), items=list(selectors.monitored_items())
    )
    return xlsx_response(content, "prices.xlsx")


@page_view
def price_chart(request: HttpRequest) -> HttpResponse:
    """Average price of an item per area and day, against its baseline; click to drill down."""
    user = user_of(request)
    items = selectors.monitored_items()
    item = request.GET.get("item") or (items.first().code if items.exists() else "")  # type: ignore[union-attr]
    data = selectors.price_series(user=user, item_code=item, node_id=_int(request.GET.get("node")))
    context = {
        "items": items,
        "item": item,
        "data": data,
        "nodes": node_list(user=user).filter(depth__lte=1),
        "labels": {"baseline": _("Baseline")},
    }
    return render(request, "market/chart.html", context)

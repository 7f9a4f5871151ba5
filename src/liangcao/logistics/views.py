"""Shipment pages: outbound and inbound lists, detail with dispatch / receive / close / cancel,
transport details, and the printable delivery note (HTML and PDF with a QR code)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangcao.core.errors import DomainError, FieldError, Invalid
from liangcao.core.xlsx import write_workbook
from liangcao.logistics import documents, selectors, services
from liangcao.orgs.selectors import site_list
from liangcao.stock import services as stock
from liangcao.stock.models import Document, DocumentState
from liangcao.web.pages import (
    form_once,
    new_form_token,
    page_view,
    paginate,
    user_of,
    xlsx_response,
)


@page_view
def shipment_list(request: HttpRequest) -> HttpResponse:
    direction = request.GET.get("direction") or None
    state = request.GET.get("state") or None
    if state not in DocumentState.values:
        state = None
    qs = selectors.shipment_list(user=user_of(request), direction=direction, state=state)
    context = {
        "page": paginate(request, qs),
        "direction": direction,
        "state": state,
        "states": DocumentState.choices,
    }
    return render(request, "logistics/list.html", context)


def _lines(document: Document) -> list[Any]:
    lines = list(
        document.lines.select_related("item", "lot").prefetch_related(
            "discrepancies", "reservations__balance__lot"
        )
    )
    for line in lines:  # the lots picked first-expiry-first when the shipment was reserved
        picked = sorted({r.balance.lot.code for r in line.reservations.all() if r.balance.lot.code})
        line.lot_codes = ", ".join(picked) or (line.lot.code if line.lot else "")  # type: ignore[attr-defined]
    return lines


def _rights(request: HttpRequest, document: Document) -> dict[str, bool]:
    user = user_of(request)
    actions = stock.shipment_actions(actor=user, document=document)
    return {
        **{f"can_{action}": allowed for action, allowed in actions.items()},
        "can_transport": site_list(user=user, roles=services.TRANSPORT_ROLES)
        .filter(pk=document.source_site_id or 0)
        .exists(),
    }


@page_view
def shipment_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.shipment_get(user=user_of(request), document_id=document_id)
    context = {
        "document": document,
        "lines": _lines(document),
        "form_token": new_form_token(),
        "transport": getattr(document, "transport", None),
        **_rights(request, document),
    }
    return render(request, "logistics/detail.html", context)


def _receive_specs(request: HttpRequest, document: Document) -> list[stock.ReceiveSpec]:
    specs, errors = [], []
    for line in document.lines.all():
        got = request.POST.get(f"received_{line.pk}", "").strip()
        bad = request.POST.get(f"damaged_{line.pk}", "").strip()
        if not got and not bad:
            continue
        if not (got or "0").isdigit() or not (bad or "0").isdigit():
            errors.append(FieldError(f"line {line.number}", _("whole numbers only")))
            continue
        specs.append(
            stock.ReceiveSpec(
                line_id=line.pk,
                received=int(got or 0),
                damaged=int(bad or 0),
                reason=request.POST.get(f"reason_{line.pk}", ""),
            )
        )
    if errors:
        raise Invalid(_("Check the received quantities"), errors)
    return specs


@require_POST
@page_view
def shipment_action(request: HttpRequest, document_id: int, action: str) -> HttpResponse:
    """Dispatch, receive, close, cancel or set transport — once per form token."""
    user = user_of(request)
    document = selectors.shipment_get(user=user, document_id=document_id)

    def run(token: str) -> dict[str, Any]:
        if action == "dispatch":
            stock.shipment_dispatch(actor=user, document_id=document.pk)
        elif action == "receive":
            stock.shipment_receive(
                actor=user, document_id=document.pk, lines=_receive_specs(request, document)
            )
        elif action == "close":
            stock.shipment_close(
                actor=user, document_id=document.pk, reason=request.POST.get("reason", "")
            )
        elif action == "cancel":
            stock.shipment_cancel(actor=user, document_id=document.pk)
        elif action == "transport":
            services.shipment_transport_set(
                user=user,
                document_id=document.pk,
                vehicle_plate=request.POST.get("vehicle_plate", ""),
                driver_name=request.POST.get("driver_name", ""),
                driver_phone=request.POST.get("driver_phone", ""),
            )
        else:
            raise Invalid(_("Unknown action"), [FieldError("action", action)])
        return {"ok": True}

    try:
        form_once(request, run)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        messages.error(request, f"{exc.message}. {details}" if details else exc.message)
    else:
        messages.success(request, _("Done."))
    return redirect("shipment-detail", document_id)


@page_view
def delivery_note(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.shipment_get(user=user_of(request), document_id=document_id)
    html = documents.delivery_note_html(
        request,
        document,
        {
            "lines": _lines(document),
            "transport": getattr(document, "transport", None),
        },
    )
    return HttpResponse(html)


@page_view
def delivery_note_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.shipment_get(user=user_of(request), document_id=document_id)
    html = documents.delivery_note_html(
        request,
        document,
        {
            "lines": _lines(document),
            "transport": getattr(document, "transport", None),
            "for_pdf": True,
        },
    )
    response = HttpResponse(documents.delivery_note_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="delivery-note-{document.pk}.pdf"'
    return response


@page_view
def shipment_export(request: HttpRequest) -> HttpResponse:
    """Shipments in scope with their lines, as .xlsx."""
    qs = selectors.shipment_list(
        user=user_of(request), direction=request.GET.get("direction") or None
    ).prefetch_related("lines__item", "lines__lot")
    rows = (
        [
            d.pk,
            d.source_site.code if d.source_site else "",
            d.dest_site.code if d.dest_site else "",
            d.state,
            line.item.code,
            line.lot.code if line.lot else "",
            line.quantity,
            line.received,
        ]
        for d in qs
        for line in d.lines.all()
    )
    headers = ["shipment", "from", "to", "state", "item", "lot", "quantity", "received"]
    return xlsx_response(write_workbook([("shipments", headers, rows)]), "shipments.xlsx")

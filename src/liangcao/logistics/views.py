"""Shipment pages: outbound and inbound lists, detail with dispatch / receive / close / cancel,
transport details, and the printable delivery note (HTML and PDF with a QR code). Route plans:
list and start, the route map, printable run sheets."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangcao.core.errors import DomainError, FieldError, Invalid
from liangcao.core.texts import error_text
from liangcao.core.xlsx import write_workbook
from liangcao.demand.selectors import lists_served_by
from liangcao.fleet.selectors import assignment_for, transport_choices
from liangcao.logistics import documents, drawing, planning, selectors, services
from liangcao.logistics.models import PlanStatus
from liangcao.orgs.models import STORE_KINDS, Role
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

PHONE_ROLES = frozenset(Role.values) - {Role.INSPECTOR}


@page_view
def shipment_list(request: HttpRequest) -> HttpResponse:
    direction = request.GET.get("direction") or None
    state = request.GET.get("state") or None
    if state not in DocumentState.values:
        state = None
    qs = selectors.shipment_list(user=user_of(request), direction=direction, state=state)
    page = paginate(request, qs.prefetch_related("lines__item"))
    served = lists_served_by(document_ids=[d.pk for d in page])
    for document in page:
        document.served = served.get(document.pk, [])
    context = {
        "page": page,
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
        # the driver's phone travels with the shipment to the people working at either end
        # (docs/fleet.md): not to read-only inspectors
        "can_see_phone": site_list(user=user, roles=PHONE_ROLES)
        .filter(pk__in=[document.source_site_id or 0, document.dest_site_id or 0])
        .exists(),
    }


@page_view
def shipment_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    user = user_of(request)
    document = selectors.shipment_get(user=user, document_id=document_id)
    rights = _rights(request, document)
    vehicles, drivers = (
        transport_choices(user=user, site=document.source_site)
        if rights["can_transport"] and document.source_site
        else ([], [])
    )
    context = {
        "document": document,
        "lines": _lines(document),
        "form_token": new_form_token(),
        "transport": getattr(document, "transport", None),
        "assignment": assignment_for(document_id=document.pk),
        "vehicles": vehicles,
        "drivers": drivers,
        **rights,
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


def _transport(request: HttpRequest) -> dict[str, Any]:
    """The dispatch form's choice: a fleet vehicle and driver, or collected by the recipient."""

    def pick(name: str) -> int | None:
        value = request.POST.get(name, "").strip()
        return int(value) if value.isdigit() and len(value) < 10 else None

    return {
        "vehicle_id": pick("vehicle_id"),
        "driver_id": pick("driver_id"),
        "collected_by_recipient": request.POST.get("collected_by_recipient") == "on",
    }


@require_POST
@page_view
def shipment_action(request: HttpRequest, document_id: int, action: str) -> HttpResponse:
    """Dispatch, receive, close, cancel or set transport — once per form token."""
    user = user_of(request)
    document = selectors.shipment_get(user=user, document_id=document_id)

    def run(token: str) -> dict[str, Any]:
        if action == "dispatch":
            services.shipment_dispatch(user=user, document_id=document.pk, **_transport(request))
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
            services.shipment_transport_assign(
                user=user, document_id=document.pk, **_transport(request)
            )
        else:
            raise Invalid(_("Unknown action"), [FieldError("action", action)])
        return {"ok": True}

    try:
        form_once(request, run)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, error_text(exc))
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
            "can_see_phone": _rights(request, document)["can_see_phone"],
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
            "can_see_phone": _rights(request, document)["can_see_phone"],
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
            d.get_state_display(),
            line.item.code,
            line.lot.code if line.lot else "",
            line.quantity,
            line.received,
        ]
        for d in qs
        for line in d.lines.all()
    )
    headers = [
        _("Shipment"),
        _("From"),
        _("To"),
        _("State"),
        _("Item code"),
        _("Lot"),
        _("Quantity"),
        _("Received"),
    ]
    return xlsx_response(write_workbook([(_("Shipments"), headers, rows)]), "shipments.xlsx")


# --- route plans ------------------------------------------------------------------------


def _fleet_rows(text: str) -> list[planning.FleetSpec]:
    """Fleet rows typed one per line as "count × kg" or "count kg [m³]" (e.g. "3 × 2000")."""
    rows, errors = [], []
    for n, raw in enumerate(text.splitlines(), start=1):
        parts = raw.replace("×", " ").replace("x", " ").replace(",", " ").split()
        if not parts:
            continue
        try:
            count, kg = int(parts[0]), int(parts[1])
            m3 = Decimal(parts[2]) if len(parts) > 2 else None
        except (IndexError, ValueError, ArithmeticError):
            errors.append(FieldError(f"fleet[{n - 1}]", _("count × capacity in kg, e.g. 3 × 2000")))
            continue
        rows.append(planning.FleetSpec(count=count, capacity_kg=kg, capacity_m3=m3))
    if errors:
        raise Invalid(_("Check the fleet"), errors)
    return rows


@page_view
def route_plan_list(request: HttpRequest) -> HttpResponse:
    """Plans in scope, and a form that plans every open shipment leaving a depot."""
    user = user_of(request)
    if request.method == "POST":
        try:

            def create(token: str) -> dict[str, Any]:
                plan = planning.route_plan_create(
                    user=user,
                    depot_id=int(request.POST.get("depot", "0") or 0),
                    fleet=_fleet_rows(request.POST.get("fleet", "")),
                    name=request.POST.get("name", ""),
                    time_limit=int(request.POST.get("time_limit", "10") or 10),
                )
                planning.route_plan_start(user=user, plan_id=plan.pk)
                return {"plan": plan.pk}

            done = form_once(request, create)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            messages.error(request, error_text(exc))
        except ValueError:
            messages.error(request, _("Whole numbers only."))
        else:
            return redirect("route-plan-detail", done["plan"])
    context = {
        "page": paginate(request, selectors.route_plan_list(user=user)),
        "depots": site_list(user=user, roles=planning.PLAN_ROLES).filter(
            kind__in=sorted(STORE_KINDS)
        ),
        "form_token": new_form_token(),
    }
    return render(request, "logistics/plan_list.html", context)


def _plan_context(request: HttpRequest, plan_id: int) -> dict[str, Any]:
    user = user_of(request)
    plan = selectors.route_plan_get(user=user, plan_id=plan_id)
    stops = selectors.route_plan_stops(plan)
    routes = (plan.result or {}).get("routes") or []
    by_number = {s.number: s for s in stops}
    for route in routes:
        route["rows"] = [by_number[n] for n in route["stops"] if n in by_number]
        route["colour"] = drawing.colour(route["number"])
    return {
        "plan": plan,
        "stops": stops,
        "routes": routes,
        "busy": plan.status in (PlanStatus.QUEUED, PlanStatus.RUNNING),
        "can_start": site_list(user=user, roles=planning.PLAN_ROLES)
        .filter(pk=plan.depot_id)
        .exists(),
    }


@page_view
def route_plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The plan: progress while it solves, then the route map (inline SVG) and the routes."""
    context = _plan_context(request, plan_id)
    if request.headers.get("HX-Request"):
        if context["busy"]:
            return render(request, "logistics/_plan_progress.html", context)
        return HttpResponse(headers={"HX-Refresh": "true"})
    plan, stops = context["plan"], context["stops"]
    lines, markers, depot = drawing.route_map(
        (plan.depot.latitude, plan.depot.longitude),
        [(s.site.latitude, s.site.longitude, s.site.name, s.route, s.position) for s in stops],
        [[n - 1 for n in r["stops"]] for r in context["routes"]],
    )
    context.update(
        lines=lines, markers=markers, depot=depot, size=drawing.SIZE, form_token=new_form_token()
    )
    return render(request, "logistics/plan_detail.html", context)


@require_POST
@page_view
def route_plan_action(request: HttpRequest, plan_id: int, action: str) -> HttpResponse:
    """Start (or re-run) solving — once per form token."""
    user = user_of(request)
    plan = selectors.route_plan_get(user=user, plan_id=plan_id)

    def run(token: str) -> dict[str, Any]:
        if action != "start":
            raise Invalid(_("Unknown action"), [FieldError("action", action)])
        planning.route_plan_start(user=user, plan_id=plan.pk)
        return {"ok": True}

    try:
        form_once(request, run)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    return redirect("route-plan-detail", plan_id)


@page_view
def route_plan_sheets(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Printable run sheets, one page per vehicle: stop order, arrival, quantities, and each
    shipment's delivery-note QR code (it opens the receive form)."""
    context = _plan_context(request, plan_id)
    for route in context["routes"]:
        for stop in route["rows"]:
            stop.notes = [
                {
                    "document": d,
                    "lines": list(d.lines.select_related("item")),
                    "qr": documents.qr_svg_data_uri(documents.receive_url(d)),
                }
                for d in stop.shipments.all()
            ]
    return render(request, "logistics/run_sheets.html", context)

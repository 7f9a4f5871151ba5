"""Donation pages (signed in, scoped by intake site): list, detail with inspection and trace,
and the acknowledgement certificate (print view and PDF)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangcao.catalog.models import Item
from liangcao.core.errors import DomainError, FieldError, Invalid, NotFound
from liangcao.core.texts import error_text
from liangcao.donations import certificate, selectors, services
from liangcao.donations.models import (
    Designation,
    Donation,
    DonationState,
    DonorKind,
    Purpose,
    RejectionReason,
)
from liangcao.orgs.models import Node
from liangcao.orgs.selectors import site_list
from liangcao.stock.services import POSTING_ROLES
from liangcao.web.pages import form_once, new_form_token, page_view, paginate, user_of

PLEDGE_ROWS = 5


@page_view
def donation_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state") or None
    if state not in DonationState.values:
        state = None
    qs = selectors.donation_list(user=user_of(request), state=state)
    context = {"page": paginate(request, qs), "state": state, "states": DonationState.choices}
    return render(request, "donations/list.html", context)


@page_view
def donation_detail(request: HttpRequest, donation_id: int) -> HttpResponse:
    donation = selectors.donation_get(user=user_of(request), donation_id=donation_id)
    user = user_of(request)
    may_take = site_list(user=user, roles=services.DONATION_ROLES)
    may_ship = site_list(user=user, roles=POSTING_ROLES)
    takes = may_take.filter(pk=donation.intake_site_id).exists()
    context = {
        "donation": donation,
        "lines": donation.lines.select_related("item", "lot").order_by("number"),
        "trace": selectors.donation_trace(donation),
        "allocations": donation.allocations.select_related("to_site", "document"),
        "form_token": new_form_token(),
        "reasons": RejectionReason.choices,
        "can_inspect": takes and donation.state == DonationState.PLEDGED,
        "can_receive": takes and donation.state == DonationState.INSPECTED,
        "can_allocate": donation.is_designated
        and donation.state == DonationState.RECEIVED
        and may_ship.filter(pk=donation.intake_site_id).exists(),
    }
    return render(request, "donations/detail.html", context)


def _received(request: HttpRequest, donation_id: int) -> Donation:
    donation = selectors.donation_get(user=user_of(request), donation_id=donation_id)
    if donation.state != DonationState.RECEIVED:
        raise NotFound(_("The certificate is issued once the donation is received"))
    return donation


@page_view
def certificate_view(request: HttpRequest, donation_id: int) -> HttpResponse:
    donation = _received(request, donation_id)
    return HttpResponse(certificate.certificate_html(donation))


@page_view
def certificate_pdf(request: HttpRequest, donation_id: int) -> HttpResponse:
    donation = _received(request, donation_id)
    response = HttpResponse(certificate.certificate_pdf(donation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="donation-{donation.reference}.pdf"'
    return response


def _int(value: str, field: str) -> int:
    value = value.strip()
    if not value.isdigit():
        raise Invalid(_("Whole numbers only"), [FieldError(field, _("a whole number"))])
    return int(value)


def _date(value: str, field: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(_("Invalid date"), [FieldError(field, _("a date like 2022-01-15"))]) from None


def _pledge_lines(request: HttpRequest) -> list[services.PledgeLine]:
    items = {i.code: i.pk for i in Item.objects.filter(is_active=True)}
    lines = []
    for n in range(PLEDGE_ROWS):
        code = request.POST.get(f"item_{n}", "").strip().upper()
        qty = request.POST.get(f"quantity_{n}", "").strip()
        if not code and not qty:
            continue
        if code not in items:
            raise Invalid(
                _("Unknown item"), [FieldError(f"lines.{n}.item", _("no such item code"))]
            )
        lines.append(
            services.PledgeLine(
                item_id=items[code],
                quantity=_int(qty, f"lines.{n}.quantity"),
                maker_lot=request.POST.get(f"maker_lot_{n}", ""),
                expiry=_date(request.POST.get(f"expiry_{n}", ""), f"lines.{n}.expiry"),
            )
        )
    return lines


def _optional_int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


@page_view
def donation_new(request: HttpRequest) -> HttpResponse:
    """Record a pledge (donation officers, commanders and keepers of the intake site)."""
    user = user_of(request)
    intake_sites = site_list(user=user, roles=services.DONATION_ROLES)
    if request.method == "POST":

        def run(token: str) -> dict[str, Any]:
            donation = services.donation_pledge(
                actor=user,
                intake_site_id=_int(request.POST.get("intake_site_id", ""), "intake_site_id"),
                donor_kind=request.POST.get("donor_kind", ""),
                donor_name=request.POST.get("donor_name", ""),
                donor_phone=request.POST.get("donor_phone", ""),
                anonymous=request.POST.get("anonymous") == "on",
                designation=request.POST.get("designation", Designation.NONE),
                designated_site_id=_optional_int(request.POST.get("designated_site_id", "")),
                designated_node_id=_optional_int(request.POST.get("designated_node_id", "")),
                purpose=request.POST.get("purpose", ""),
                note=request.POST.get("note", ""),
                lines=_pledge_lines(request),
                idempotency_key=token,
            )
            return {"id": donation.pk}

        try:
            answer = form_once(request, run)
        except DomainError as exc:
            if exc.status in (403, 404):
                raise
            _error(request, exc)
        else:
            return redirect("donation-detail", answer["id"])
    context = {
        "form_token": new_form_token(),
        "intake_sites": intake_sites[:500],
        "rows": range(PLEDGE_ROWS),
        "kinds": DonorKind.choices,
        "designations": Designation.choices,
        "purposes": Purpose.choices,
        "nodes": Node.objects.filter(depth__lte=2).order_by("code"),
        "post": request.POST,
    }
    return render(request, "donations/new.html", context)


def _error(request: HttpRequest, exc: DomainError) -> None:
    messages.error(request, error_text(exc))


def _inspect_specs(request: HttpRequest, donation: Donation) -> list[services.InspectLine]:
    return [
        services.InspectLine(
            line_id=line.pk,
            accepted=_int(request.POST.get(f"accepted_{line.pk}", ""), f"line {line.number}"),
            rejection_reason=request.POST.get(f"reason_{line.pk}", ""),
            certificate_no=request.POST.get(f"certificate_{line.pk}", ""),
            quality_ok=request.POST.get(f"quality_{line.pk}") == "on" or None,
            expiry=_date(request.POST.get(f"expiry_{line.pk}", ""), f"line {line.number}"),
        )
        for line in donation.lines.order_by("number")
    ]


@require_POST
@page_view
def donation_action(request: HttpRequest, donation_id: int, action: str) -> HttpResponse:
    """Inspect, receive or allocate — once per form token."""
    user = user_of(request)
    donation = selectors.donation_get(user=user, donation_id=donation_id)

    def run(token: str) -> dict[str, Any]:
        if action == "inspect":
            services.donation_inspect(
                actor=user, donation_id=donation.pk, lines=_inspect_specs(request, donation)
            )
        elif action == "receive":
            services.donation_receive(actor=user, donation_id=donation.pk)
        elif action == "allocate":
            lines = [
                services.AllocateLine(line.pk, _int(qty, f"line {line.number}"))
                for line in donation.lines.filter(lot__isnull=False).order_by("number")
                if (qty := request.POST.get(f"quantity_{line.pk}", "").strip())
            ]
            services.donation_allocate(
                actor=user,
                donation_id=donation.pk,
                to_site_id=_int(request.POST.get("to_site_id", ""), "to_site_id"),
                lines=lines,
                idempotency_key=token,
            )
        else:
            raise Invalid(_("Unknown action"), [FieldError("action", action)])
        return {"ok": True}

    try:
        form_once(request, run)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        _error(request, exc)
    else:
        messages.success(request, _("Done."))
    return redirect("donation-detail", donation_id)

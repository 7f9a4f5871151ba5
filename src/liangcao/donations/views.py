"""Donation pages (signed in, scoped by intake site): list, detail with inspection and trace,
and the acknowledgement certificate (print view and PDF)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from liangcao.core.errors import NotFound
from liangcao.donations import certificate, selectors
from liangcao.donations.models import Donation, DonationState
from liangcao.web.pages import page_view, paginate, user_of


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
    context = {
        "donation": donation,
        "lines": donation.lines.select_related("item", "lot").order_by("number"),
        "trace": selectors.donation_trace(donation),
        "allocations": donation.allocations.select_related("to_site", "document"),
    }
    return render(request, "donations/detail.html", context)


def _received(request: HttpRequest, donation_id: int) -> Donation:
    donation = selectors.donation_get(user=user_of(request), donation_id=donation_id)
    if donation.state != DonationState.RECEIVED:
        raise NotFound("The certificate is issued once the donation is received")
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

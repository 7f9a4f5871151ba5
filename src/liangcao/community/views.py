"""Pages of the last 100 metres.

- The resident page (no sign-in, reached by the compound's QR code): a light standalone page
  for cheap phones, zh-Hans first.
- Households (grid workers and commanders; every page of personal data shown is logged), their
  .xlsx import and export, and each compound's printable QR code.
- The volunteer's door-run page: works offline (a service worker caches it; confirmations are
  queued in localStorage and synced with their client ids when the network is back).
- Orders with their age, overdue lists and the delivery share (every role in scope).
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from liangcao.community import excel, selectors, services
from liangcao.community.models import GroupBuy, Health
from liangcao.core.errors import DomainError, Invalid
from liangcao.web.pages import (
    form_once,
    new_form_token,
    page_view,
    paginate,
    user_of,
    xlsx_response,
)


def _qr(text: str) -> str:
    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2))


def resident(request: HttpRequest, token: str) -> HttpResponse:
    """The compound's ordering page: the household names its room and code and orders."""
    try:
        compound = services.compound_from_token(token=token)
    except DomainError as exc:
        return render(request, "community/resident.html", {"fatal": exc}, status=exc.status)
    offers = list(selectors.offer_list())
    groups = list(GroupBuy.objects.filter(compound=compound, is_open=True).order_by("pk"))
    context: dict[str, Any] = {"compound": compound, "offers": offers, "groups": groups}
    status = 200
    if request.method == "POST":
        lines = [
            services.LineIn(o.code, request.POST.get(f"q_{o.pk}", "").strip())
            for o in offers
            if request.POST.get(f"q_{o.pk}", "").strip() not in ("", "0")
        ]
        group = request.POST.get("group_buy", "")
        context["posted"] = request.POST
        try:
            order = services.resident_order_place(
                token=token,
                household_code=request.POST.get("household_code", ""),
                room=request.POST.get("room", ""),
                lines=lines,
                group_buy_id=int(group) if group.isdigit() else None,
            )
        except DomainError as exc:
            context["error"] = exc
            status = exc.status
        else:
            context["order"] = order
            context["code_qr"] = _qr(order.confirm_code)
    return render(request, "community/resident.html", context, status=status)


@page_view
def household_list(request: HttpRequest) -> HttpResponse:
    """Households with personal data in the user's right; the page shown is logged. Grid
    workers import a sheet here."""
    user = user_of(request)
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise Invalid(_("Choose a .xlsx file"), [])
            count = excel.households_import_xlsx(user=user, content=upload.read())
        except DomainError as exc:
            return render(
                request,
                "community/households.html",
                {"error": exc, "page": None, "compounds": _compounds(user)},
                status=exc.status,
            )
        messages.success(request, _("%(n)d households imported") % {"n": count})
        return redirect("community-households")
    compound = request.GET.get("compound", "")
    qs = selectors.household_list(
        user=user,
        compound_id=int(compound) if compound.isdigit() else None,
        search=request.GET.get("q", "").strip() or None,
    )
    page = paginate(request, qs)
    selectors.household_reads_log(user=user, households=list(page), via="web-list")
    return render(
        request, "community/households.html", {"page": page, "compounds": _compounds(user)}
    )


def _compounds(user: Any) -> list[Any]:
    rows = selectors.compound_list(user=user, roles=selectors.PERSONAL_ROLES)[:200]
    return [(c, reverse("community-compound-qr", args=[c.pk])) for c in rows]


@page_view
def household_export(request: HttpRequest) -> HttpResponse:
    """All households the user may read, as .xlsx (logged per household)."""
    user = user_of(request)
    qs = selectors.household_list(user=user)
    return xlsx_response(excel.households_export_xlsx(user=user, households=qs), "households.xlsx")


@page_view
def compound_qr(request: HttpRequest, compound_id: int) -> HttpResponse:
    """The compound's QR code to print at its gate (grid workers and commanders)."""
    user = user_of(request)
    compound = selectors.compound_get(
        user=user, compound_id=compound_id, roles=selectors.PERSONAL_ROLES
    )
    url = settings.PUBLIC_BASE_URL + reverse(
        "community-resident", args=[services.compound_token(compound_id=compound.pk)]
    )
    return render(
        request, "community/compound_qr.html", {"compound": compound, "url": url, "qr": _qr(url)}
    )


@never_cache
@page_view
def door_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """The volunteer's list of doors; confirmations work offline and sync later."""
    user = user_of(request)
    run = services.door_run_get(user=user, run_id=run_id)
    orders = list(run.orders.select_related("household").order_by("household__building", "pk"))
    selectors.household_reads_log(
        user=user, households=[o.household for o in orders], via="door-run"
    )
    return render(request, "community/door_run.html", {"run": run, "orders": orders})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that keeps door-run pages usable offline (scope /community/)."""
    response = render(request, "community/sw.js", content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/community/"
    return response


@page_view
def order_list(request: HttpRequest) -> HttpResponse:
    """Open orders with their age (all, or older than 24 h / 48 h), overdue per community and
    the delivery share per day and district."""
    user = user_of(request)
    older = request.GET.get("older", "")
    hours = int(older) if older in ("24", "48") else None
    qs = selectors.order_list(user=user, open_only=True, older_than_hours=hours)
    page = paginate(request, qs)
    for order in page:
        order.age = selectors.order_age_hours(order)
    return render(
        request,
        "community/orders.html",
        {
            "page": page,
            "older": hours,
            "overdue": selectors.overdue_by_community(user=user),
            "shares": selectors.delivery_share(user=user),
            "escalations": selectors.escalation_list(user=user)[:50],
        },
    )


@page_view
def care(request: HttpRequest) -> HttpResponse:
    """Special populations due a visit (all of them with `?all=1`); a visit form per household
    records the checklist and, ticked, orders a standard box in the same step."""
    user = user_of(request)
    if request.method == "POST":

        def post(token: str) -> dict[str, Any]:
            box = request.POST.get("order_box") == "1"
            visit = services.care_visit_record(
                user=user,
                household_id=int(request.POST.get("household_id", "0") or 0),
                health=request.POST.get("health", ""),
                has_medicine=request.POST.get("has_medicine") == "1",
                needs=request.POST.get("needs", ""),
                order_lines=[services.LineIn(_BOX, 1)] if box else [],
            )
            return {"visit": visit.pk, "order": visit.order_id}

        try:
            done = form_once(request, post)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            text = _("Visit recorded")
            if done.get("order"):
                text += " · " + _("order %(n)s placed") % {"n": done["order"]}
            messages.success(request, text)
        return redirect(request.get_full_path())
    everyone = request.GET.get("all") == "1"
    qs = selectors.care_register(user=user, overdue_only=not everyone)
    page = paginate(request, qs)
    selectors.household_reads_log(user=user, households=list(page), via="web-care")
    return render(
        request,
        "community/care.html",
        {
            "page": page,
            "everyone": everyone,
            "interval": selectors.visit_interval_days(),
            "token": new_form_token(),
            "healths": Health.choices,
        },
    )


_BOX = "BOX-FAMILY"

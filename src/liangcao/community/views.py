"""Pages of the last 100 metres.

- The resident page (no sign-in, reached by the compound's QR code): a light standalone page
  for cheap phones, zh-Hans first.
- Households (grid workers and commanders; every page of personal data shown is logged), their
  .xlsx import and export, and each compound's printable QR code.
- The volunteer's door-run page: works offline (a service worker caches it; confirmations are
  queued in localStorage and synced with their client ids when the network is back).
- The page a household's QR code opens on the volunteer's phone (`run_confirm`): the same
  queue as the door-run page, served by the service worker offline for any order.
- Orders with their age, overdue lists and the delivery share (every role in scope).
- Group buys of a compound, aggregated per item (grid workers open and close them).
- The supplier portal: a supplier's staff accept, pick and hand over its orders, oldest first,
  at the community point in batches (no household personal data: selectors.py).
"""

from __future__ import annotations

from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from liangcao.community import excel, selectors, services
from liangcao.community.models import GroupBuy, Health, SupplierState
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
            context["confirm_url"] = confirm_url = _confirm_url(order.pk, order.confirm_code)
            context["code_qr"] = _qr(confirm_url)
    return render(request, "community/resident.html", context, status=status)


def _confirm_url(order_id: int, code: str) -> str:
    """What the household's QR code holds: the volunteer's confirmation page for this order."""
    query = urlencode({"order": str(order_id), "code": code})
    return f"{settings.PUBLIC_BASE_URL}{reverse('community-run-confirm')}?{query}"


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


@never_cache
@page_view
def run_confirm(request: HttpRequest) -> HttpResponse:
    """The page a household's QR code opens on the volunteer's phone: it queues the handover
    like a typed code (the page reads order and code from its address, so the service worker
    serves one cached copy for every order when the network is down)."""
    return render(request, "community/run_confirm.html")


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


def _int(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() else None


@page_view
def group_buy_list(request: HttpRequest) -> HttpResponse:
    """Group buys of the compounds in scope (open first); grid workers open one here."""
    user = user_of(request)
    if request.method == "POST":

        def post(token: str) -> dict[str, Any]:
            group = services.group_buy_create(
                user=user,
                compound_id=_int(request.POST.get("compound")),
                leader_code=request.POST.get("leader_code", ""),
                title=request.POST.get("title", ""),
            )
            return {"id": group.pk}

        try:
            done = form_once(request, post)
        except DomainError as exc:
            messages.error(request, _error_text(exc))
            return redirect(request.get_full_path())
        messages.success(request, _("Group buy opened"))
        return redirect("community-group-buy", done["id"])
    compound = _int(request.GET.get("compound"))
    page = paginate(request, selectors.group_buy_list(user=user, compound_id=compound))
    return render(
        request,
        "community/group_buys.html",
        {
            "page": page,
            "compounds": [c for c, _ in _compounds(user)],
            "compound": compound,
            "token": new_form_token(),
        },
    )


def _error_text(exc: DomainError) -> str:
    """The error and its first field message, for a flash message."""
    errors = getattr(exc, "errors", None) or []
    if not errors:
        return str(exc.message)
    return str(
        _("%(message)s: %(details)s") % {"message": exc.message, "details": errors[0].message}
    )


@page_view
def group_buy_detail(request: HttpRequest, group_buy_id: int) -> HttpResponse:
    """A group buy aggregated per item over its households' orders, its state and orders;
    grid workers close it."""
    user = user_of(request)
    group = selectors.group_buy_get(user=user, group_buy_id=group_buy_id)
    if request.method == "POST":
        try:
            form_once(
                request,
                lambda token: {"id": services.group_buy_close(user=user, group_buy_id=group.pk).pk},
            )
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("Group buy closed"))
        return redirect("community-group-buy", group.pk)
    orders = selectors.group_buy_orders(group_buy=group)
    page = paginate(request, orders)
    for order in page:
        order.age = selectors.order_age_hours(order)
    totals = selectors.group_buy_totals(group_buy=group)
    return render(
        request,
        "community/group_buy.html",
        {
            "group": group,
            "totals": totals,
            "amount": selectors.yuan(sum(t.amount for t in totals)),
            "states": selectors.group_buy_states(group_buy=group),
            "page": page,
            "can_close": group.is_open
            and selectors.may_manage_compound(user=user, compound_id=group.compound_id),
            "token": new_form_token(),
        },
    )


@page_view
def supplier_portal(request: HttpRequest) -> HttpResponse:
    """The supplier portal: its orders oldest first with their age; accept, pick, and hand
    over the picked ones at each community point in one batch."""
    user = user_of(request)
    supplier = selectors.supplier_portal_home(
        user=user, supplier_id=_int(request.GET.get("supplier"))
    )
    if request.method == "POST":
        step = request.POST.get("step", "")
        ids = [int(v) for v in request.POST.getlist("order") if v.isdigit()]

        def post(token: str) -> dict[str, Any]:
            done = services.supplier_orders_advance(user=user, order_ids=ids, step=step)
            return {"n": len(done)}

        try:
            answer = form_once(request, post)
        except DomainError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _STEP_DONE.get(step, "") % {"n": answer["n"]})
        return redirect(request.get_full_path())
    done = request.GET.get("done") == "1"
    page = paginate(
        request,
        selectors.supplier_order_list(user=user, supplier_id=supplier.pk, handed_over=done),
    )
    points = selectors.community_points(compound_ids={o.compound_id for o in page})
    for order in page:
        order.age = selectors.order_age_hours(order)
        order.point = points.get(order.compound_id)
    suppliers = list(selectors.supplier_portal_list(user=user)[:200])
    return render(
        request,
        "community/supplier.html",
        {
            "supplier": supplier,
            "suppliers": suppliers if len(suppliers) > 1 else [],
            "page": page,
            "done": done,
            "batches": []
            if done
            else selectors.supplier_batches(user=user, supplier_id=supplier.pk),
            "assigned": [o.pk for o in page if o.supplier_state == SupplierState.ASSIGNED],
            "token": new_form_token(),
        },
    )


_STEP_DONE = {
    "accept": gettext_lazy("%(n)d orders accepted"),
    "pick": gettext_lazy("%(n)d orders picked"),
    "hand-over": gettext_lazy("%(n)d orders handed over at the community point"),
}

"""Demand-list pages: my lists, new list (form or Excel), detail with the actions the user's
role allows, approval inbox, overdue fast-tracks. Posting forms carry a one-time token."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangcao.catalog.selectors import item_list
from liangcao.core.errors import DomainError, FieldError, Invalid
from liangcao.core.texts import error_text
from liangcao.core.xlsx import read_upload
from liangcao.demand import excel, selectors, services
from liangcao.demand.models import RequisitionState
from liangcao.orgs.models import User
from liangcao.orgs.selectors import site_list
from liangcao.stock.selectors import document_list
from liangcao.web.pages import (
    form_once,
    new_form_token,
    page_view,
    paginate,
    user_of,
    xlsx_response,
)

NEW_FORM_ROWS = 8


def _requesting_sites(user: User) -> Any:
    return site_list(user=user, roles=services.REQUESTING_ROLES)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


@page_view
def requisition_list(request: HttpRequest) -> HttpResponse:
    """Demand lists in scope, filterable by state and text; HTMX gets just the table."""
    user = user_of(request)
    state = request.GET.get("state") or None
    if state not in RequisitionState.values:
        state = None
    search = request.GET.get("q", "").strip() or None
    qs = selectors.requisition_list(user=user, state=state, search=search)
    context = {
        "page": paginate(request, qs),
        "states": RequisitionState.choices,
        "state": state,
        "q": search,
        "can_request": _requesting_sites(user).exists(),
    }
    template = "demand/_table.html" if request.headers.get("HX-Request") else "demand/list.html"
    return render(request, template, context)


@page_view
def requisition_export(request: HttpRequest) -> HttpResponse:
    qs = selectors.requisition_list(user=user_of(request)).prefetch_related("lines__item")
    return xlsx_response(excel.requisitions_export_xlsx(qs), "requisitions.xlsx")


@page_view
def inbox(request: HttpRequest) -> HttpResponse:
    """Lists waiting for the user's signature, and fast-tracks overdue on paperwork."""
    user = user_of(request)
    context = {
        "page": paginate(request, selectors.approval_inbox(user=user)),
        "overdue": selectors.overdue_fast_tracks(user=user)[:50],
        "open_demand": selectors.open_demand_by_class(user=user),
        "in_transit": document_list(user=user)
        .filter(kind="shipment", state__in=["dispatched", "partially_received"])
        .select_related("source_site", "dest_site")[:50],
    }
    return render(request, "demand/inbox.html", context)


def _lines_from_form(request: HttpRequest) -> list[services.LineIn]:
    lines = []
    for index in range(NEW_FORM_ROWS):
        code = request.POST.get(f"item_{index}", "").strip()
        quantity = request.POST.get(f"quantity_{index}", "").strip()
        if not code and not quantity:
            continue
        lines.append(
            services.LineIn(
                code,
                int(quantity) if quantity.isdigit() else 0,
                justification=request.POST.get(f"justification_{index}", "").strip(),
            )
        )
    return lines


@page_view
def requisition_new(request: HttpRequest) -> HttpResponse:
    """File a demand list by form, or by uploading the filled Excel template."""
    user = user_of(request)
    sites = _requesting_sites(user)
    context: dict[str, Any] = {
        "sites": sites[:500],
        "items": item_list(active_only=True),
        "rows": range(NEW_FORM_ROWS),
        "form_token": new_form_token(),
    }
    status = 200
    if request.method == "POST":
        site_id = _int(request.POST.get("site"))
        try:
            if site_id is None:
                raise Invalid(_("Choose the requesting site"), [FieldError("site", _("required"))])
            upload = request.FILES.get("file")
            if upload is not None:
                result = excel.demand_import_xlsx(
                    user=user,
                    site_id=site_id,
                    content=read_upload(upload),
                    only_valid_rows=request.POST.get("only_valid") == "on",
                    submit=request.POST.get("submit") == "on",
                )
                assert result.requisition is not None  # noqa: S101 - import raises otherwise
                if result.errors:
                    messages.warning(
                        request,
                        _("%(n)d rows imported; %(bad)d bad rows skipped.")
                        % {
                            "n": result.imported_rows,
                            "bad": len({e.row for e in result.errors}),
                        },
                    )
                return redirect("demand-detail", result.requisition.pk)

            def create(token: str) -> dict[str, Any]:
                req = services.requisition_create(
                    user=user,
                    site_id=site_id,
                    lines=_lines_from_form(request),
                    priority_class=_int(request.POST.get("priority_class")),
                    priority_reason=request.POST.get("priority_reason", ""),
                    note=request.POST.get("note", ""),
                    submit=request.POST.get("submit") == "on",
                )
                return {"id": req.pk}

            answer = form_once(request, create)
            return redirect("demand-detail", answer["id"])
        except DomainError as exc:
            context["error"], context["errors"], status = exc, exc.errors, exc.status
            context["form_token"] = new_form_token()
    return render(request, "demand/new.html", context, status=status)


@page_view
def template_download(request: HttpRequest) -> HttpResponse:
    site_id = _int(request.GET.get("site"))
    site = _requesting_sites(user_of(request)).filter(pk=site_id).first() if site_id else None
    return xlsx_response(excel.demand_template_xlsx(site=site), "demand-list-template.xlsx")


@page_view
def requisition_detail(request: HttpRequest, requisition_id: int) -> HttpResponse:
    """One list: lines, countersignatures, escalation history, and the user's possible actions."""
    user = user_of(request)
    req = selectors.requisition_get(user=user, requisition_id=requisition_id)
    context = {
        "req": req,
        "history": selectors.requisition_history(user=user, requisition=req),
        "actions": selectors.requisition_actions(user=user, requisition=req),
        "timeline": selectors.requisition_timeline(user=user, requisition=req),
        "form_token": new_form_token(),
    }
    return render(request, "demand/detail.html", context)


def _quantities(request: HttpRequest, prefix: str) -> dict[int, int]:
    """Per-line quantities from inputs named `<prefix><line id>`; a non-number becomes -1 so the
    service reports it as a field error instead of silently ignoring it."""
    out = {}
    for key in request.POST:
        value = request.POST.get(key, "").strip()
        if key.startswith(prefix) and value:
            line_id = _int(key[len(prefix) :])
            if line_id is not None:
                out[line_id] = int(value) if value.isdigit() else -1
    return out


@require_POST
@page_view
def requisition_action(request: HttpRequest, requisition_id: int, action: str) -> HttpResponse:
    """Submit, sign, reject, fast-track, escalate or cancel — once per form token."""
    user = user_of(request)
    comment = request.POST.get("comment", "")

    def run(token: str) -> dict[str, Any]:
        if action == "submit":
            req = services.requisition_submit(user=user, requisition_id=requisition_id)
        elif action in ("sign", "reject"):
            req = services.requisition_sign(
                user=user,
                requisition_id=requisition_id,
                approve=action == "sign",
                comment=comment,
                approved_quantities=_quantities(request, "approved_") or None,
            )
        elif action == "fast-track":
            req = services.requisition_fast_track(
                user=user, requisition_id=requisition_id, reason=comment
            )
        elif action == "escalate":
            req = services.requisition_escalate(
                user=user,
                requisition_id=requisition_id,
                quantities=_quantities(request, "escalate_"),
                note=comment,
            )
        elif action == "close":
            req = services.requisition_close(
                user=user, requisition_id=requisition_id, comment=comment
            )
        elif action == "cancel":
            req = services.requisition_cancel(
                user=user, requisition_id=requisition_id, reason=comment
            )
        else:
            raise Invalid(_("Unknown action"), [FieldError("action", action)])
        return {"id": req.pk}

    try:
        answer = form_once(request, run)
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, error_text(exc))
        return redirect("demand-detail", requisition_id)
    messages.success(request, _("Done."))
    return redirect(reverse("demand-detail", args=[answer["id"]]))

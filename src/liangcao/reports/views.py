"""Daily report pages: history (with a form to build one now), one report, .xlsx and PDF."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from liangcao.core.errors import DomainError, FieldError, Invalid
from liangcao.orgs.selectors import node_list
from liangcao.reports import documents, selectors, services
from liangcao.web.pages import (
    form_once,
    new_form_token,
    page_view,
    paginate,
    user_of,
    xlsx_response,
)


@page_view
def report_list(request: HttpRequest) -> HttpResponse:
    """Past reports of nodes in scope; build one for a node and day on demand."""
    user = user_of(request)
    context: dict[str, Any] = {
        "page": paginate(request, selectors.report_list(user=user)),
        "nodes": node_list(user=user).filter(depth__lte=2)[:200],
        "form_token": new_form_token(),
    }
    status = 200
    if request.method == "POST":
        try:
            raw_day = request.POST.get("day", "")
            try:
                day = date.fromisoformat(raw_day) if raw_day else None
            except ValueError:
                raise Invalid(_("Bad day"), [FieldError("day", _("YYYY-MM-DD"))]) from None
            node = request.POST.get("node", "")

            def build(token: str) -> dict[str, Any]:
                report = services.report_request(
                    actor=user,
                    node_id=int(node) if node.isdigit() else 0,
                    day=day,
                    idempotency_key=token,
                )
                return {"id": report.pk}

            answer = form_once(request, build)
            return redirect("report-detail", answer["id"])
        except DomainError as exc:
            context["error"], status = exc, exc.status
    return render(request, "reports/list.html", context, status=status)


@page_view
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(user=user_of(request), report_id=report_id)
    return render(
        request,
        "reports/detail.html",
        {"report": report, "sections": documents.sections(report)},
    )


@page_view
def report_export(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(user=user_of(request), report_id=report_id)
    return xlsx_response(
        documents.report_xlsx(report), f"daily-report-{report.node.code}-{report.day}.xlsx"
    )


@page_view
def report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_get(user=user_of(request), report_id=report_id)
    response = HttpResponse(documents.report_pdf(report), content_type="application/pdf")
    name = f"daily-report-{report.node.code}-{report.day}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response

"""Readiness pages: days of cover of a node, reorder suggestions (.xlsx), levels and
declarations, the 2-hour switch (playbooks, runs and their timelines), notifications."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangcao.catalog.models import Category
from liangcao.core.errors import DomainError
from liangcao.orgs.models import Node, User
from liangcao.orgs.selectors import node_get
from liangcao.readiness import excel, selectors, services
from liangcao.readiness.dashboard import dashboard
from liangcao.web.pages import form_once, new_form_token, page_view, user_of, xlsx_response


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _node(request: HttpRequest, user: User) -> Node | None:
    node_id = _int(request.GET.get("node"))
    if node_id is None:
        return selectors.default_node(user=user)
    return node_get(user=user, node_id=node_id)


def _as_of(request: HttpRequest) -> date | None:
    try:
        return date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return None


def _report(request: HttpRequest) -> tuple[User, selectors.CoverReport | None]:
    user = user_of(request)
    node = _node(request, user)
    if node is None:
        return user, None
    category = request.GET.get("category") or None
    if category not in Category.values:
        category = None
    return user, selectors.cover_report(
        user=user, node_id=node.pk, as_of=_as_of(request), category=category
    )


@page_view
def cover(request: HttpRequest) -> HttpResponse:
    """Days of cover per item of a node's subtree against the level in force."""
    _user, report = _report(request)
    context: dict[str, Any] = {
        "report": report,
        "categories": Category.choices,
        "category": request.GET.get("category", ""),
        "children": [] if report is None else report.node.children.order_by("code"),
    }
    return render(request, "readiness/cover.html", context)


@page_view
def reorder(request: HttpRequest) -> HttpResponse:
    """Items below their target days of cover, with the quantity to order."""
    _user, report = _report(request)
    rows = [] if report is None else selectors.reorder_suggestions(report=report)
    return render(request, "readiness/reorder.html", {"report": report, "rows": rows})


@page_view
def reorder_export(request: HttpRequest) -> HttpResponse:
    _user, report = _report(request)
    if report is None:
        return redirect("readiness-reorder")
    return xlsx_response(excel.reorder_xlsx(report), f"reorder-{report.node.code}.xlsx")


@page_view
def levels(request: HttpRequest) -> HttpResponse:
    """Levels and targets; the level in force at the user's node; declare a level."""
    user = user_of(request)
    node = selectors.default_node(user=user)
    context: dict[str, Any] = {
        "levels": selectors.level_list(),
        "node": node,
        "in_force": None if node is None else selectors.level_in_force(node=node),
        "declarations": selectors.declaration_list(user=user)[:50],
        "categories": Category.choices,
        "form_token": new_form_token(),
    }
    status = 200
    if request.method == "POST":
        try:

            def declare(token: str) -> dict[str, Any]:
                d = services.level_declare(
                    actor=user,
                    node_id=_int(request.POST.get("node")) or 0,
                    level_code=request.POST.get("level", ""),
                    reason=request.POST.get("reason", ""),
                    idempotency_key=token,
                )
                return {"id": d.pk}

            form_once(request, declare)
            messages.success(request, _("Level declared."))
            return redirect("readiness-levels")
        except DomainError as exc:
            context["error"], status = exc, exc.status
    return render(request, "readiness/levels.html", context, status=status)


@page_view
def switch(request: HttpRequest) -> HttpResponse:
    """Playbooks the user may see, and past and running switches; start one (or a drill)."""
    user = user_of(request)
    context: dict[str, Any] = {
        "playbooks": selectors.playbook_list(user=user),
        "runs": selectors.switch_run_list(user=user)[:50],
        "form_token": new_form_token(),
    }
    status = 200
    if request.method == "POST":
        try:

            def start(token: str) -> dict[str, Any]:
                run = services.switch_start(
                    actor=user,
                    playbook_id=_int(request.POST.get("playbook")) or 0,
                    drill=request.POST.get("drill") == "on",
                    idempotency_key=token,
                )
                return {"id": run.pk}

            answer = form_once(request, start)
            return redirect("readiness-switch-run", answer["id"])
        except DomainError as exc:
            context["error"], status = exc, exc.status
    return render(request, "readiness/switch.html", context, status=status)


@page_view
def switch_run(request: HttpRequest, run_id: int) -> HttpResponse:
    """One run: each step against its due time, with check-off buttons while it runs."""
    user = user_of(request)
    run = selectors.switch_run_get(user=user, run_id=run_id)
    context = {
        "run": run,
        "timeline": selectors.switch_timeline(run=run),
        "form_token": new_form_token(),
    }
    return render(request, "readiness/switch_run.html", context)


@require_POST
@page_view
def switch_step_done(request: HttpRequest, run_id: int) -> HttpResponse:
    user = user_of(request)
    try:

        def done(token: str) -> dict[str, Any]:
            step = services.switch_step_done(
                actor=user,
                run_id=run_id,
                step_id=_int(request.POST.get("step")) or 0,
                note=request.POST.get("note", ""),
            )
            return {"id": step.pk}

        form_once(request, done)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, str(exc))
    return redirect("readiness-switch-run", run_id)


@page_view
def notifications(request: HttpRequest) -> HttpResponse:
    """The user's notifications; posting marks them read."""
    user = user_of(request)
    if request.method == "POST":
        services.notifications_mark_read(actor=user)
        return redirect("readiness-notifications")
    return render(
        request,
        "readiness/notifications.html",
        {"notes": selectors.notification_list(user=user)[:100]},
    )


@page_view
def command_dashboard(request: HttpRequest) -> HttpResponse:
    """Cover by tier and area, demand against supply, in transit, alerts; click to drill down."""
    user = user_of(request)
    node = _node(request, user)
    if node is None:
        return render(request, "readiness/cover.html", {"report": None})
    board = dashboard(user=user, node_id=node.pk)
    labels = {
        "days": _("Days"),
        "demand": _("Open demand"),
        "available": _("Available"),
        "in_transit": _("Shipments in transit"),
    }
    return render(
        request,
        "readiness/dashboard.html",
        {"board": board, "chart_data": board.chart_data(), "chart_labels": labels},
    )

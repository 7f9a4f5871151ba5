"""The commander's allocation workbench: pick the open demand, run, watch progress, read the
proposal with explanations and the baselines' figures, override a line, commit."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangcao.allocation import selectors, services
from liangcao.allocation.models import POLICY_LABELS, RunStatus
from liangcao.catalog.models import Category
from liangcao.core.errors import DomainError
from liangcao.core.texts import error_text
from liangcao.core.xlsx import write_workbook
from liangcao.orgs.models import Membership, Role
from liangcao.orgs.selectors import node_list
from liangcao.stock.selectors import document_list
from liangcao.web.pages import (
    form_once,
    new_form_token,
    page_view,
    paginate,
    user_of,
    xlsx_response,
)


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _commanded_nodes(request: HttpRequest) -> Any:
    user = user_of(request)
    if user.is_superuser:
        return node_list(user=user).filter(depth__lte=1)
    ids = Membership.objects.filter(user=user, role=Role.COMMANDER, node__isnull=False).values(
        "node_id"
    )
    return node_list(user=user).filter(pk__in=ids)


@page_view
def workbench(request: HttpRequest) -> HttpResponse:
    """Start a run and list recent ones."""
    user = user_of(request)
    if request.method == "POST":
        try:

            def start(token: str) -> dict[str, Any]:
                items = [c.strip() for c in request.POST.get("items", "").split(",") if c.strip()]
                run = services.allocation_run_start(
                    user=user,
                    node_id=int(request.POST.get("node", "0") or 0),
                    item_codes=items or None,
                    category=request.POST.get("category") or None,
                    region_id=_int(request.POST.get("region")),
                    policy=request.POST.get("policy") or "priority_leximin",
                )
                return {"id": run.pk}

            answer = form_once(request, start)
            return redirect("allocation-run", answer["id"])
        except DomainError as exc:
            messages.error(request, exc.message)
    context = {
        "nodes": _commanded_nodes(request),
        "categories": Category.choices,
        "regions": node_list(user=user).filter(depth__in=(1, 2)).order_by("depth", "code")[:300],
        "policies": [(p, POLICY_LABELS.get(p, p)) for p in services.POLICIES],
        "page": paginate(request, selectors.run_summaries(user=user)),
        "form_token": new_form_token(),
    }
    return render(request, "allocation/workbench.html", context)


@page_view
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    """Progress while running (HTMX polls this page), then the proposal."""
    run = selectors.run_get(user=user_of(request), run_id=run_id)
    result = run.result or {}
    instance = run.instance or {}
    demands = {d["id"]: d for d in instance.get("demands", [])}
    plan = selectors.effective_allocations(run)
    sources: dict[str, list[str]] = {}
    given: dict[str, int] = {}
    for a in plan:
        if a["qty"]:
            sources.setdefault(a["demand"], []).append(f"{a['source']} × {a['qty']}")
        given[a["demand"]] = given.get(a["demand"], 0) + a["qty"]
    # The figures shown are the plan as it stands: the engine's proposal with overrides applied.
    rows = [
        {
            **line,
            **demands.get(line["demand"], {}),
            "allocated": given.get(line["demand"], 0),
            "proposed": line.get("allocated", 0),
            "sources": ", ".join(sources.get(line["demand"], [])),
        }
        for line in result.get("lines", [])
    ]
    rows.sort(key=lambda r: (r.get("class", 9), r.get("fill", 0)))
    context = {
        "run": run,
        "rows": rows[:500],
        "more": max(0, len(rows) - 500),
        "metrics": result.get("metrics"),
        "baselines": {POLICY_LABELS.get(k, k): m for k, m in (run.baselines or {}).items()},
        "overrides": run.overrides.select_related("created_by"),
        "form_token": new_form_token(),
        "busy": run.status in (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.COMMITTING),
        # Overrides are chosen, not typed: the lines shown and the sources of the run's pool.
        "line_choices": [r["demand"] for r in rows[:500]],
        "source_choices": sorted({s["source"] for s in instance.get("supplies", [])}),
        "shipments": (
            document_list(user=user_of(request))
            .filter(idempotency_key__startswith=f"run{run.pk}-")
            .select_related("dest_site")
            if run.status == RunStatus.COMMITTED
            else None
        ),
    }
    if request.headers.get("HX-Request"):
        if context["busy"]:
            return render(request, "allocation/_progress.html", context)
        return HttpResponse(headers={"HX-Refresh": "true"})  # done: reload the whole page
    return render(request, "allocation/run.html", context)


@require_POST
@page_view
def run_action(request: HttpRequest, run_id: int, action: str) -> HttpResponse:
    """Override a line or commit the run — once per form token."""
    user = user_of(request)

    def act(token: str) -> dict[str, Any]:
        if action == "override":
            services.allocation_run_override(
                user=user,
                run_id=run_id,
                demand=request.POST.get("demand", ""),
                source=request.POST.get("source", ""),
                quantity=int(request.POST.get("quantity", "-1") or -1)
                if request.POST.get("quantity", "").strip().isdigit()
                else -1,
                reason=request.POST.get("reason", ""),
            )
        elif action == "commit":
            services.allocation_run_commit(user=user, run_id=run_id)
        elif action == "discard":
            services.allocation_run_discard(user=user, run_id=run_id)
        else:
            raise Http404
        return {"ok": True}

    try:
        form_once(request, act)
        messages.success(request, _("Done."))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, error_text(exc))
    return redirect("allocation-run", run_id)


@page_view
def run_export(request: HttpRequest, run_id: int) -> HttpResponse:
    """The proposal (overrides applied) and each line's explanation as .xlsx."""
    run = selectors.run_get(user=user_of(request), run_id=run_id)
    demands = {d["id"]: d for d in (run.instance or {}).get("demands", [])}
    lines = (run.result or {}).get("lines", [])
    plan = selectors.effective_allocations(run)
    return xlsx_response(
        write_workbook(
            [
                (
                    _("Allocation proposal"),
                    [
                        _("Line"),
                        _("Site"),
                        _("Item code"),
                        _("Priority class"),
                        _("Source"),
                        _("Quantity"),
                    ],
                    (
                        [
                            a["demand"],
                            demands[a["demand"]]["point"],
                            demands[a["demand"]]["item"],
                            demands[a["demand"]]["class"],
                            a["source"],
                            a["qty"],
                        ]
                        for a in plan
                        if a["qty"]
                    ),
                ),
                (
                    _("Lines"),
                    [
                        _("Line"),
                        _("Site"),
                        _("Item code"),
                        _("Priority class"),
                        _("Requested"),
                        _("Allocated"),
                        _("Fill rate"),
                        "reason",
                        "原因",
                    ],
                    (
                        [
                            ln["demand"],
                            demands[ln["demand"]]["point"],
                            demands[ln["demand"]]["item"],
                            demands[ln["demand"]]["class"],
                            demands[ln["demand"]]["qty"],
                            ln["allocated"],
                            round(ln["fill"], 4),
                            ln["reason"]["text_en"],
                            ln["reason"]["text_zh"],
                        ]
                        for ln in lines
                    ),
                ),
            ]
        ),
        f"allocation-run-{run.pk}.xlsx",
    )

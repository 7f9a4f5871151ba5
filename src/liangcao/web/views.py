"""HTML pages: thin views that call selectors and services and render templates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import connection
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from liangcao.catalog import selectors as catalog_selectors
from liangcao.catalog import services as catalog_services
from liangcao.catalog.models import Category
from liangcao.core import selectors as core_selectors
from liangcao.core import services as core_services
from liangcao.core.errors import DomainError, Forbidden
from liangcao.core.xlsx import read_upload, write_workbook
from liangcao.orgs import selectors as org_selectors
from liangcao.orgs.models import NodeKind, SiteKind
from liangcao.web.pages import page_view, paginate, user_of, xlsx_response
from liangcao.web.permissions import can_manage_catalog
from liangcao.web.work import work_links


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database reachability for load balancers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@page_view
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: the user's roles and what their scope holds."""
    user = user_of(request)
    nodes = org_selectors.node_list(user=user)
    node_counts = dict(nodes.order_by().values_list("kind").annotate(n=Count("id")))
    site_counts = dict(
        org_selectors.site_list(user=user).order_by().values_list("kind").annotate(n=Count("id"))
    )
    context = {
        "memberships": org_selectors.membership_list(user=user),
        "work": work_links(user),
        "top_nodes": nodes.order_by("depth", "code")[:5],
        "node_counts": [(k.label, node_counts.get(k.value, 0)) for k in NodeKind],
        "site_counts": [(k.label, site_counts.get(k.value, 0), k.value) for k in SiteKind],
        "site_total": sum(site_counts.values()),
    }
    return render(request, "web/home.html", context)


@page_view
def node_list(request: HttpRequest) -> HttpResponse:
    """The top of the user's part of the tree, or a search across it."""
    user = user_of(request)
    search = request.GET.get("q", "").strip()
    qs = org_selectors.node_list(user=user, search=search or None)
    if not search:
        scope = org_selectors.scope_for_user(user)
        qs = (
            qs.filter(parent__isnull=True) if scope.everything else qs.filter(id__in=scope.node_ids)
        )
    return render(request, "web/node_list.html", {"page": paginate(request, qs), "q": search})


@page_view
def node_detail(request: HttpRequest, node_id: int) -> HttpResponse:
    """A node: breadcrumbs, children, and the sites it owns directly."""
    user = user_of(request)
    node = org_selectors.node_get(user=user, node_id=node_id)
    visible_ancestors = {
        n.pk
        for n in org_selectors.node_list(user=user).filter(
            id__in=[a.pk for a in org_selectors.node_ancestors(node=node)]
        )
    }
    context = {
        "node": node,
        "ancestors": [
            (a, a.pk in visible_ancestors) for a in org_selectors.node_ancestors(node=node)
        ],
        "children": paginate(request, org_selectors.node_list(user=user, parent_id=node.pk)),
        "own_sites": org_selectors.site_list(user=user).filter(node_id=node.pk),
    }
    return render(request, "web/node_detail.html", context)


def _site_filters(request: HttpRequest) -> dict[str, Any]:
    kind = request.GET.get("kind") or None
    if kind not in SiteKind.values:
        kind = None
    node = request.GET.get("node")
    return {
        "kind": kind,
        "search": request.GET.get("q", "").strip() or None,
        "node_id": int(node) if node and node.isdigit() else None,
    }


@page_view
def site_list(request: HttpRequest) -> HttpResponse:
    """Sites in scope; HTMX requests get only the table so search updates in place."""
    filters = _site_filters(request)
    qs = org_selectors.site_list(user=user_of(request), **filters)
    context = {"page": paginate(request, qs), "kinds": SiteKind.choices, **filters}
    template = "web/_site_table.html" if request.headers.get("HX-Request") else "web/site_list.html"
    return render(request, template, context)


@page_view
def site_export(request: HttpRequest) -> HttpResponse:
    """The filtered site list as .xlsx."""
    qs = org_selectors.site_list(user=user_of(request), **_site_filters(request))
    rows = (
        [
            s.code,
            s.name_zh,
            s.name_en,
            s.get_kind_display(),
            s.node.code,
            s.address,
            s.latitude,
            s.longitude,
        ]
        for s in qs.iterator()
    )
    headers = ["code", "name_zh", "name_en", "kind", "node", "address", "latitude", "longitude"]
    return xlsx_response(write_workbook([("sites", headers, rows)]), "sites.xlsx")


@page_view
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    site = org_selectors.site_get(user=user_of(request), site_id=site_id)
    return render(request, "web/site_detail.html", {"site": site})


@page_view
def item_list(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category") or None
    if category not in Category.values:
        category = None
    search = request.GET.get("q", "").strip() or None
    qs = catalog_selectors.item_list(category=category, search=search)
    context = {
        "page": paginate(request, qs),
        "categories": Category.choices,
        "category": category,
        "search": search,
    }
    template = "web/_item_table.html" if request.headers.get("HX-Request") else "web/item_list.html"
    return render(request, template, context)


@page_view
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = catalog_selectors.item_get(item_id=item_id)
    return render(request, "web/item_detail.html", {"item": item})


@page_view
def kit_list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/kit_list.html", {"kits": catalog_selectors.kit_list()})


@page_view
def kit_detail(request: HttpRequest, kit_id: int) -> HttpResponse:
    kit = catalog_selectors.kit_get(kit_id=kit_id)
    return render(request, "web/kit_detail.html", {"kit": kit})


@page_view
def catalog_export(request: HttpRequest) -> HttpResponse:
    return xlsx_response(catalog_selectors.catalog_export_xlsx(), "catalog.xlsx")


@page_view
def catalog_import(request: HttpRequest) -> HttpResponse:
    """Upload a catalog workbook; a bad sheet shows every bad row and imports nothing."""
    if not can_manage_catalog(user_of(request)):
        raise Forbidden(_("Only city-level commanders and procurement officers edit the catalog."))
    context: dict[str, Any] = {}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("Choose an .xlsx file to import.")
            status = 422
        else:
            try:
                summary = catalog_services.catalog_import_xlsx(content=read_upload(upload))
            except DomainError as exc:
                context["error"] = exc.message
                context["errors"] = exc.errors
                status = exc.status
            else:
                messages.success(
                    request,
                    _(
                        "Imported: %(ic)d items created, %(iu)d updated; %(kc)d kits created, "
                        "%(ku)d updated."
                    )
                    % {
                        "ic": summary.items_created,
                        "iu": summary.items_updated,
                        "kc": summary.kits_created,
                        "ku": summary.kits_updated,
                    },
                )
                return redirect("item-list")
    return render(request, "web/catalog_import.html", context, status=status)


@page_view
def profile(request: HttpRequest) -> HttpResponse:
    """The user's roles and API tokens; creating a token shows its secret once."""
    user = user_of(request)
    new_token = None
    error = None
    if request.method == "POST":
        try:
            _token, new_token = core_services.api_token_create(
                user_id=user.pk, name=request.POST.get("name", "")
            )
        except DomainError as exc:
            error = exc
    context = {
        "memberships": org_selectors.membership_list(user=user),
        "tokens": core_selectors.api_token_list(user_id=user.pk),
        "new_token": new_token,
        "error": error,
    }
    return render(request, "web/profile.html", context, status=422 if error else 200)


@require_POST
@page_view
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    core_services.api_token_revoke(user_id=user_of(request).pk, token_id=token_id)
    messages.success(request, _("Token revoked."))
    return redirect("profile")

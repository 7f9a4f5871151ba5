"""Master-data pages: templates to download, imports, and edits of nodes, sites and roles."""

from __future__ import annotations

import math
from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from liangcao.core.errors import DomainError, Invalid, NotFound
from liangcao.masterdata import services
from liangcao.masterdata.excel import TEMPLATES, columns, template_xlsx
from liangcao.masterdata.rules import require_manager
from liangcao.orgs.models import Membership, Node, Role, Site, SiteKind
from liangcao.web.pages import page_view, paginate, user_of, xlsx_response

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
KIND_LABELS = services.SHEET_NAMES


def _kind(kind: str) -> str:
    if kind not in TEMPLATES:
        raise NotFound(_("No such template"))
    return kind


@page_view
def home(request: HttpRequest) -> HttpResponse:
    """The four templates, each with its columns, a download link and an upload form."""
    require_manager(user_of(request))
    cards = [(k, KIND_LABELS[k], columns(k), TEMPLATES[k][0]) for k in TEMPLATES]
    return render(request, "masterdata/home.html", {"cards": cards})


@page_view
def template(request: HttpRequest, kind: str) -> HttpResponse:
    require_manager(user_of(request))
    return xlsx_response(template_xlsx(_kind(kind)), f"{kind}.xlsx")


@page_view
def import_sheet(request: HttpRequest, kind: str) -> HttpResponse:
    """Upload a filled template; a bad sheet lists every bad cell and imports nothing."""
    require_manager(user_of(request))
    context: dict[str, Any] = {"kind": _kind(kind), "label": KIND_LABELS[kind]}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise Invalid(_("Choose an .xlsx file to import."), [])
            if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
                raise Invalid(_("The file is larger than 10 MB."), [])
            summary = services.IMPORTERS[kind](user=user_of(request), content=upload.read())
        except DomainError as exc:
            context.update(error=exc.message, errors=exc.errors)
            status = 409 if exc.code == "conflict" else 422
        else:
            context["summary"] = summary
    return render(request, "masterdata/import.html", context, status=status)


@page_view
def node_edit(request: HttpRequest, node_id: int) -> HttpResponse:
    user = user_of(request)
    authority = require_manager(user)
    node = Node.objects.filter(pk=node_id).first()
    if node is None or not authority.manages(node.pk):
        raise NotFound(_("No such node"))
    context: dict[str, Any] = {"node": node}
    status = 200
    if request.method == "POST":
        try:
            population = int(request.POST.get("population") or 0)
        except ValueError:
            population = -1
        try:
            services.node_update(
                user=user,
                node_id=node.pk,
                name_zh=request.POST.get("name_zh", ""),
                name_en=request.POST.get("name_en", ""),
                population=population,
            )
        except Invalid as exc:
            context.update(error=exc.message, errors=exc.errors)
            status = 422
        else:
            return redirect(reverse("node-detail", args=[node.pk]))
    return render(request, "masterdata/node_edit.html", context, status=status)


def _float(value: str) -> float | str:
    """A finite number, or the text as typed (the model's validation then names the field)."""
    try:
        number = float(value)
    except ValueError:
        return value
    return number if math.isfinite(number) else value


@page_view
def site_edit(request: HttpRequest, site_id: int) -> HttpResponse:
    user = user_of(request)
    authority = require_manager(user)
    site = Site.objects.select_related("node").filter(pk=site_id).first()
    if site is None or not authority.manages(site.node_id):
        raise NotFound(_("No such site"))
    context: dict[str, Any] = {"site": site, "kinds": SiteKind.choices}
    status = 200
    if request.method == "POST":
        post = request.POST
        fields: dict[str, Any] = {
            "name_zh": post.get("name_zh", "").strip(),
            "name_en": post.get("name_en", "").strip(),
            "kind": post.get("kind", ""),
            "latitude": _float(post.get("latitude", "")),
            "longitude": _float(post.get("longitude", "")),
            "address": post.get("address", "").strip(),
            "is_designated": post.get("is_designated") == "on",
            "is_active": post.get("is_active") == "on",
        }
        try:
            services.site_update(user=user, site_id=site.pk, fields=fields)
        except Invalid as exc:
            context.update(error=exc.message, errors=exc.errors)
            status = 422
        else:
            return redirect(reverse("site-detail", args=[site.pk]))
    return render(request, "masterdata/site_edit.html", context, status=status)


@page_view
def roles(request: HttpRequest) -> HttpResponse:
    """Roles held in the user's part of the tree, and a form to grant one."""
    user = user_of(request)
    authority = require_manager(user)
    qs = Membership.objects.select_related("user", "node", "site").order_by(
        "user__username", "role"
    )
    if not authority.everything:
        managed = list(authority.managed_nodes)
        qs = qs.filter(Q(node_id__in=managed) | Q(site__node_id__in=managed))
    search = request.GET.get("q", "").strip()
    if search:
        qs = qs.filter(user__username__icontains=search)
    context: dict[str, Any] = {"roles": Role.choices, "q": search}
    status = 200
    if request.method == "POST":
        try:
            services.role_grant(
                granter=user,
                username=request.POST.get("username", ""),
                role=request.POST.get("role", ""),
                node_code=request.POST.get("node_code", ""),
                site_code=request.POST.get("site_code", ""),
            )
        except DomainError as exc:
            context.update(error=exc.message, errors=exc.errors)
            status = 403 if exc.code == "forbidden" else 422
        else:
            return redirect(reverse("masterdata-roles"))
    context["page"] = paginate(request, qs)
    return render(request, "masterdata/roles.html", context, status=status)


@require_POST
@page_view
def role_revoke(request: HttpRequest, membership_id: int) -> HttpResponse:
    services.role_revoke(granter=user_of(request), membership_id=membership_id)
    return redirect(reverse("masterdata-roles"))

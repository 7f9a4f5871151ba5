"""The public disclosure portal: no sign-in, read-only (GET/HEAD), rate-limited per address,
a strict Content-Security-Policy (no inline script or style) and no personal data."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from liangcao.core.xlsx import XLSX_CONTENT_TYPE, write_workbook
from liangcao.portal import selectors
from liangcao.portal.models import Publication, PublishedFile
from liangcao.portal.ratelimit import client_address, hit

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
PAGE_SIZE = 100
View = Callable[..., HttpResponse]


def public_view(view: View) -> View:
    """GET/HEAD only, rate-limited, with the portal's security headers."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in {"GET", "HEAD"}:
            response = HttpResponse(status=405)
            response["Allow"] = "GET, HEAD"
        else:
            allowed, retry = hit(client_address(request))
            if not allowed:
                response = render(
                    request, "portal/error.html", {"message": _("Too many requests.")}, status=429
                )
                response["Retry-After"] = str(retry)
            else:
                response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = CSP
        # Only good answers may be shared by caches; a 429 is for this address alone.
        ok = response.status_code == 200
        response["Cache-Control"] = "public, max-age=60" if ok else "no-store"
        return response

    return wrapper


def _filters(request: HttpRequest) -> selectors.Filters:
    return selectors.Filters.parse(request.GET)


def _invalid(request: HttpRequest, f: selectors.Filters) -> HttpResponse:
    return render(
        request,
        "portal/error.html",
        {"message": _("Invalid filter."), "errors": sorted(f.errors.items())},
        status=422,
    )


@public_view
def home(request: HttpRequest) -> HttpResponse:
    publications = Publication.objects.using(selectors.db()).order_by("-day")[:14]
    return render(request, "portal/home.html", {"publications": publications})


def _check_list(name: str) -> None:
    if name not in selectors.LISTS:
        raise Http404("No such list")


@public_view
def list_page(request: HttpRequest, name: str) -> HttpResponse:
    _check_list(name)
    f = _filters(request)
    if f.errors:
        return _invalid(request, f)
    table = selectors.table_for(name, f)
    rows = list(zip(table.rows, table.links or [""] * len(table.rows), strict=True))
    context = {
        "table": table,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "f": f,
        "districts": selectors.districts(),
        "query": request.GET.urlencode(),
        "lists": selectors.LISTS,
    }
    return render(request, "portal/list.html", context)


@public_view
def download(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    _check_list(name)
    f = _filters(request)
    if f.errors:
        return _invalid(request, f)
    table = selectors.table_for(name, f)
    filename = f"liangcao-{name}-{timezone.localdate().isoformat()}"
    if fmt == "xlsx":
        content = write_workbook([(table.name, table.headers, table.rows)])
        response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(table.headers)
        writer.writerows(table.rows)
        response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


@public_view
def donation(request: HttpRequest, reference: str) -> HttpResponse:
    found = selectors.donation_public(reference)
    if found is None:
        raise Http404("No such donation")
    lines = found.lines.using(selectors.db()).select_related("item").order_by("number")
    context = {
        "donation": found,
        "donor": selectors.donor_label(found),
        "designation": selectors.designation_label(found),
        "lines": lines,
        "trace": selectors.trace_table(found),
    }
    return render(request, "portal/donation.html", context)


@public_view
def verify(request: HttpRequest) -> HttpResponse:
    publications = Publication.objects.using(selectors.db()).prefetch_related("files")
    page = Paginator(publications.order_by("-day"), 30).get_page(request.GET.get("page"))
    return render(request, "portal/verify.html", {"page": page})


@public_view
def publication_file(request: HttpRequest, day: str, filename: str) -> HttpResponse:
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise Http404("No such day") from None
    publication = Publication.objects.using(selectors.db()).filter(day=when).first()
    if publication is None:
        raise Http404("Not published")
    if filename == "manifest.json":
        body, kind = publication.manifest, "application/json"
    else:
        file = (
            PublishedFile.objects.using(selectors.db())
            .filter(publication=publication, name=filename)
            .first()
        )
        if file is None:
            raise Http404("No such file")
        body, kind = file.content, "text/csv"
    response = HttpResponse(body.encode("utf-8"), content_type=f"{kind}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

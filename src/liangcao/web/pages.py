"""Helpers every HTML view uses: sign-in and domain errors, pagination, .xlsx downloads."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from liangcao.core.errors import Forbidden, NotFound
from liangcao.core.xlsx import XLSX_CONTENT_TYPE
from liangcao.orgs.models import User

PAGE_SIZE = 50
View = TypeVar("View", bound=Callable[..., HttpResponse])


def user_of(request: HttpRequest) -> User:
    return cast(User, request.user)


def page_view(view: View) -> View:
    """Signed-in only; NotFound becomes a 404 page and Forbidden a 403, like the API."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from None
        except Forbidden as exc:
            return render(request, "web/error.html", {"error": exc}, status=403)

    return cast(View, wrapper)


def paginate(request: HttpRequest, qs: QuerySet[Any]) -> Page[Any]:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

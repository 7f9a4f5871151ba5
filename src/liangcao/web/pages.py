"""Helpers every HTML view uses: sign-in and domain errors, pagination, .xlsx downloads."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from liangcao.core.errors import Forbidden, NotFound
from liangcao.core.idempotency import idempotent_call, request_fingerprint
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


def _form_fingerprint(request: HttpRequest) -> str:
    data = {
        k: request.POST.getlist(k)
        for k in sorted(request.POST)
        if k not in {"csrfmiddlewaretoken", "form_token"}
    }
    return request_fingerprint(method="POST", path=request.path, data=data)


def new_form_token() -> str:
    """A one-time token a form carries as its idempotency key (a double tap posts once)."""
    return uuid.uuid4().hex


def form_once(request: HttpRequest, post: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
    """Run `post(token)` once per form token and return its JSON-able answer (replayed on a
    repeat). Raises BadRequest without a token, Invalid when a token is reused for other data."""
    user = user_of(request)
    token = request.POST.get("form_token", "")

    def run() -> tuple[int, str]:
        return 200, json.dumps(post(token), default=str)

    stored = idempotent_call(
        user_id=user.pk, key=token, fingerprint=_form_fingerprint(request), run=run
    )
    answer: dict[str, Any] = json.loads(stored.body)
    return answer

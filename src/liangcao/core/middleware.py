"""Input that no view should ever see: NUL characters, integers beyond any column, strings of
megabytes, bodies over the limit. Rejected before routing with a short 4xx that names the
field (`{code, message, errors}` JSON under /api/, a short text page elsewhere), so a view never
turns them into a database error and a 500.

Limits: integers within ±(2^63 − 1) (narrower columns are guarded by their schemas and by the
API's out-of-range handler), strings of at most `MAX_STRING` characters, bodies of at most
`DATA_UPLOAD_MAX_MEMORY_SIZE` (Django's setting). Multipart uploads are checked by the import
views (their size limit is `UPLOAD_MAX_BYTES`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

MAX_STRING = 10_000
MAX_INT = 2**63 - 1


def _problems(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        if "\x00" in value:
            yield path, _("must not contain NUL characters")
        if len(value) > MAX_STRING:
            yield path, _("at most %(count)s characters") % {"count": MAX_STRING}
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if abs(value) > MAX_INT:
            yield path, _("out of range (at most %(maximum)s)") % {"maximum": MAX_INT}
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            yield path, _("must be a finite number")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _problems(key, f"{path}.{key}" if path else str(key))
            yield from _problems(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _problems(item, f"{path}.{index}" if path else str(index))


def _query_problems(request: HttpRequest) -> Iterator[tuple[str, str]]:
    if "\x00" in request.path:
        yield "path", _("must not contain NUL characters")
    for key, values in request.GET.lists():
        for value in values:
            yield from _problems(key, key)
            yield from _problems(value, key)
            text = value.strip()
            if text.lstrip("-").isdigit() and abs(int(text)) > MAX_INT:
                yield key, _("out of range (at most %(maximum)s)") % {"maximum": MAX_INT}


def _body_problems(request: HttpRequest) -> Iterator[tuple[str, str]]:
    content_type = request.content_type or ""
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    if content_type == "application/json":
        try:
            data = json.loads(request.body or b"null")
        except ValueError:
            return  # the view answers malformed JSON with its own 400
        yield from _problems(data, "")
    elif content_type == "application/x-www-form-urlencoded":
        for key, values in request.POST.lists():
            for value in values:
                yield from _problems(value, key)


class InputGuard:
    """Reject unusable input with a 4xx before any view runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # This guard runs before LocaleMiddleware: its answers use the request's language.
        with translation.override(translation.get_language_from_request(request)):
            try:
                problems = list(_query_problems(request)) + list(_body_problems(request))
            except RequestDataTooBig:
                return self._reject(
                    request, 413, "too_large", _("The request body is too large"), []
                )
            if problems:
                return self._reject(request, 422, "invalid", _("Invalid input"), problems[:50])
        return self.get_response(request)

    @staticmethod
    def _reject(
        request: HttpRequest, status: int, code: str, message: str, problems: list[tuple[str, str]]
    ) -> HttpResponse:
        errors = [{"field": field or "body", "message": text} for field, text in problems]
        if request.path.startswith("/api/"):
            return JsonResponse({"code": code, "message": message, "errors": errors}, status=status)
        lines = [message] + [f"{e['field']}: {e['message']}" for e in errors]
        return HttpResponse(
            "\n".join(lines), status=status, content_type="text/plain; charset=utf-8"
        )

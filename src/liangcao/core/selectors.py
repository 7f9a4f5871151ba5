"""Reads owned by core."""

from __future__ import annotations

from django.db.models import QuerySet

from liangcao.core.models import ApiToken


def api_token_list(*, user_id: int) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (digests never leave the server)."""
    return ApiToken.objects.filter(user_id=user_id).order_by("-created_at")

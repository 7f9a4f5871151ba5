from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from liangcao.portal.models import Publication, PublishedFile, RateBucket


class _ReadOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    """Read-only: publications are written once by `portal_publish`; buckets by the limiter."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Publication)
class PublicationAdmin(_ReadOnly):
    list_display = ["day", "digest", "ledger_seal", "created_at"]
    exclude = ["manifest"]


@admin.register(PublishedFile)
class PublishedFileAdmin(_ReadOnly):
    list_display = ["publication", "name", "rows", "digest"]
    exclude = ["content"]


@admin.register(RateBucket)
class RateBucketAdmin(_ReadOnly):
    list_display = ["address", "minute", "count"]

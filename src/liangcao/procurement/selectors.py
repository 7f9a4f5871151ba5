"""Reads of purchases, scoped to the acting user by the receiving site."""

from __future__ import annotations

from django.db.models import QuerySet

from liangcao.orgs.models import User
from liangcao.orgs.selectors import site_list
from liangcao.procurement.models import Purchase


def purchase_list(*, user: User) -> QuerySet[Purchase]:
    return (
        Purchase.objects.filter(site__in=site_list(user=user).values("pk"))
        .select_related("supplier", "site", "item")
        .order_by("-purchased_on", "-id")
    )

"""Reads of shipments for the warehouse and the dispatcher, scoped through the ledger's own
document selector (a shipment is visible when either end is); route plans, visible with their
depot."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from liangcao.core.errors import NotFound
from liangcao.logistics.models import RoutePlan, RoutePlanStop
from liangcao.orgs.models import User
from liangcao.orgs.selectors import site_list
from liangcao.stock.models import Document, DocumentKind
from liangcao.stock.selectors import document_get, document_list


def shipment_list(
    *, user: User, direction: str | None = None, state: str | None = None
) -> QuerySet[Document]:
    """Shipments touching the user's sites; `direction` "out" (from them) or "in" (to them)."""
    qs = document_list(user=user).filter(kind=DocumentKind.SHIPMENT).select_related("transport")
    if direction in ("out", "in") and not user.is_superuser:
        mine = site_list(user=user).order_by().values("pk")
        qs = (
            qs.filter(source_site_id__in=mine)
            if direction == "out"
            else qs.filter(dest_site_id__in=mine)
        )
    if state:
        qs = qs.filter(state=state)
    return qs


def shipment_get(*, user: User, document_id: int) -> Document:
    """One visible shipment with lines, lots and discrepancies. Raises NotFound."""
    document = document_get(user=user, document_id=document_id)
    if document.kind != DocumentKind.SHIPMENT:
        raise NotFound(_("No such shipment"))
    return document


def route_plan_list(*, user: User) -> QuerySet[RoutePlan]:
    """Route plans whose depot the user may see, newest first."""
    qs = RoutePlan.objects.select_related("depot", "created_by")
    if not user.is_superuser:
        qs = qs.filter(depot_id__in=site_list(user=user).order_by().values("pk"))
    return qs.order_by("-created_at", "-id")


def route_plan_get(*, user: User, plan_id: int, lock: bool = False) -> RoutePlan:
    """One visible plan. Raises NotFound when unknown or its depot is out of scope."""
    qs = route_plan_list(user=user).filter(pk=plan_id)
    if lock:
        qs = qs.select_for_update(of=("self",))
    plan = qs.first()
    if plan is None:
        raise NotFound(_("No such route plan"))
    return plan


def route_plan_stops(plan: RoutePlan) -> list[RoutePlanStop]:
    """The plan's stops with their sites and shipments, in stop order."""
    return list(plan.stops.select_related("site").prefetch_related("shipments").order_by("number"))

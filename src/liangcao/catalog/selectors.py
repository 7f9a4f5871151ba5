"""Reads of the catalog (the catalog is city-wide: every signed-in user may read it)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Item, Kit, KitLine
from liangcao.catalog.services import ITEM_COLUMNS, KIT_COLUMNS
from liangcao.core.errors import NotFound
from liangcao.core.xlsx import write_workbook


def item_list(
    *, category: str | None = None, search: str | None = None, active_only: bool = False
) -> QuerySet[Item]:
    """Items, optionally of one category or matching a search in code and names."""
    qs = Item.objects.all()
    if category:
        qs = qs.filter(category=category)
    if search:
        qs = qs.filter(
            Q(code__icontains=search) | Q(name_zh__icontains=search) | Q(name_en__icontains=search)
        )
    if active_only:
        qs = qs.filter(is_active=True)
    return qs.order_by("code")


def item_get(*, item_id: int) -> Item:
    """One item. Raises NotFound."""
    item = Item.objects.filter(pk=item_id).first()
    if item is None:
        raise NotFound(_("No such item"))
    return item


def kit_list() -> QuerySet[Kit]:
    """Kits with their lines and items prefetched."""
    lines = KitLine.objects.select_related("item").order_by("item__code")
    return Kit.objects.prefetch_related(Prefetch("lines", queryset=lines)).order_by("code")


def kit_get(*, kit_id: int) -> Kit:
    """One kit with its lines. Raises NotFound."""
    kit = kit_list().filter(pk=kit_id).first()
    if kit is None:
        raise NotFound(_("No such kit"))
    return kit


def _item_rows() -> Iterator[list[Any]]:
    for item in item_list():
        yield [
            item.code,
            item.name_zh,
            item.name_en,
            item.category,
            item.unit,
            ",".join(str(p) for p in item.pack_sizes),
            "yes" if item.lot_tracked else "no",
            "yes" if item.expiry_tracked else "no",
            item.shelf_life_days,
        ]


def _kit_rows() -> Iterator[list[Any]]:
    for kit in kit_list():
        for line in kit.lines.all():
            yield [kit.code, kit.name_zh, kit.name_en, kit.kind, line.item.code, line.quantity]


def catalog_export_xlsx() -> bytes:
    """The whole catalog as a workbook that `catalog_import_xlsx` reads back unchanged."""
    return write_workbook(
        [
            ("items", ITEM_COLUMNS, _item_rows()),
            ("kits", KIT_COLUMNS, _kit_rows()),
        ]
    )

"""API of the catalog: items and kits (readable by every signed-in user)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from liangcao.catalog import selectors
from liangcao.catalog.models import Category, KitKind, Unit
from liangcao.core.api import ErrorOut

router = Router(tags=["catalog"])


class ItemOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    category: Category
    unit: Unit
    pack_sizes: list[int]
    lot_tracked: bool
    expiry_tracked: bool
    shelf_life_days: int | None
    is_active: bool


class KitLineOut(Schema):
    item_id: int
    item_code: str
    quantity: int

    @staticmethod
    def resolve_item_code(obj: Any) -> str:
        return str(obj.item.code)


class KitOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    kind: KitKind
    is_active: bool
    lines: list[KitLineOut]

    @staticmethod
    def resolve_lines(obj: Any) -> list[Any]:
        return list(obj.lines.all())


@router.get("/items", response=list[ItemOut])
@paginate(LimitOffsetPagination)
def list_items(request: HttpRequest, category: Category | None = None, q: str | None = None) -> Any:
    """Items, filtered by category or text."""
    return selectors.item_list(category=category, search=q)


@router.get("/items/{item_id}", response={200: ItemOut, 404: ErrorOut})
def get_item(request: HttpRequest, item_id: int) -> Any:
    """One item."""
    return selectors.item_get(item_id=item_id)


@router.get("/kits", response=list[KitOut])
@paginate(LimitOffsetPagination)
def list_kits(request: HttpRequest) -> Any:
    """Kits and standard boxes with their bills of items."""
    return selectors.kit_list()


@router.get("/kits/{kit_id}", response={200: KitOut, 404: ErrorOut})
def get_kit(request: HttpRequest, kit_id: int) -> Any:
    """One kit with its lines."""
    return selectors.kit_get(kit_id=kit_id)

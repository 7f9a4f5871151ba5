"""API of the tree, sites and the current user; every list and detail is scoped."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from liangcao.core.api import ErrorOut
from liangcao.orgs import selectors
from liangcao.orgs.models import NodeKind, SiteKind, User

router = Router(tags=["organisation"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - auth guarantees it; narrows the type
    return user


class NodeOut(Schema):
    id: int
    code: str
    kind: NodeKind
    name_zh: str
    name_en: str
    parent_id: int | None
    depth: int
    population: int


class SiteOut(Schema):
    id: int
    code: str
    kind: SiteKind
    name_zh: str
    name_en: str
    node_id: int
    node_code: str
    is_designated: bool
    priority_class: int
    address: str
    latitude: float
    longitude: float
    is_active: bool

    @staticmethod
    def resolve_node_code(obj: Any) -> str:
        return str(obj.node.code)


class MembershipOut(Schema):
    role: str
    node_id: int | None
    node_code: str | None
    site_id: int | None
    site_code: str | None

    @staticmethod
    def resolve_node_code(obj: Any) -> str | None:
        return obj.node.code if obj.node else None

    @staticmethod
    def resolve_site_code(obj: Any) -> str | None:
        return obj.site.code if obj.site else None


class MeOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    is_superuser: bool
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> Any:
    """The caller and their roles."""
    user = _user(request)
    return {
        "id": user.pk,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_superuser": user.is_superuser,
        "memberships": list(selectors.membership_list(user=user)),
    }


@router.get("/nodes", response=list[NodeOut])
@paginate(LimitOffsetPagination)
def list_nodes(
    request: HttpRequest,
    parent: int | None = None,
    kind: NodeKind | None = None,
    under: int | None = None,
    q: str | None = None,
) -> Any:
    """Nodes in the caller's scope; filter by parent, kind, subtree (`under`) or text."""
    return selectors.node_list(
        user=_user(request), parent_id=parent, kind=kind, under_id=under, search=q
    )


@router.get("/nodes/{node_id}", response={200: NodeOut, 404: ErrorOut})
def get_node(request: HttpRequest, node_id: int) -> Any:
    """One node; 404 when unknown or out of scope."""
    return selectors.node_get(user=_user(request), node_id=node_id)


@router.get("/sites", response=list[SiteOut])
@paginate(LimitOffsetPagination)
def list_sites(
    request: HttpRequest,
    node: int | None = None,
    kind: SiteKind | None = None,
    q: str | None = None,
) -> Any:
    """Sites in the caller's scope; filter by subtree (`node`), kind or text."""
    return selectors.site_list(user=_user(request), node_id=node, kind=kind, search=q)


@router.get("/sites/{site_id}", response={200: SiteOut, 404: ErrorOut})
def get_site(request: HttpRequest, site_id: int) -> Any:
    """One site; 404 when unknown or out of scope."""
    return selectors.site_get(user=_user(request), site_id=site_id)

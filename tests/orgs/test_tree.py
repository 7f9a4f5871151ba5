"""The administrative tree: the closure table always agrees with the parent links."""

from __future__ import annotations

import pytest

from liangcao.core.errors import Invalid, NotFound
from liangcao.orgs.models import Node, NodeClosure, Site
from liangcao.orgs.selectors import node_subtree_ids
from liangcao.orgs.services import membership_grant, node_create, site_create
from liangcao.scenarios.demo import DemoResult


def walk_subtree(root: Node) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for pk, parent in Node.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, stack = set(), [root.pk]
    while stack:
        pk = stack.pop()
        found.add(pk)
        stack += children.get(pk, [])
    return found


def test_subtree_query_matches_walking_the_parents(demo: DemoResult) -> None:
    for node in Node.objects.filter(depth__lte=3):
        assert set(node_subtree_ids(node_id=node.pk)) == walk_subtree(node), node.code


def test_new_nodes_join_the_closure(demo: DemoResult) -> None:
    community = Node.objects.filter(kind="community").first()
    assert community is not None
    compound = node_create(
        code="new-compound", kind="compound", name_zh="新小区", parent_id=community.pk
    )
    ancestors = set(
        NodeClosure.objects.filter(descendant=compound).values_list("ancestor__code", flat=True)
    )
    chain = {"new-compound", community.code}
    node = community.parent
    while node is not None:
        chain.add(node.code)
        node = node.parent
    assert ancestors == chain
    assert compound.depth == 4


def test_a_kind_must_sit_at_its_own_level(demo: DemoResult) -> None:
    city = Node.objects.get(code="city")
    with pytest.raises(Invalid) as caught:
        node_create(code="bad", kind="community", name_zh="错", parent_id=city.pk)
    assert caught.value.errors[0].field == "kind"
    with pytest.raises(NotFound):
        node_create(code="orphan", kind="district", name_zh="孤", parent_id=10**9)
    assert not Node.objects.filter(code__in=["bad", "orphan"]).exists()


def test_sites_and_memberships_are_validated(demo: DemoResult) -> None:
    district = Node.objects.get(code="d01")
    with pytest.raises(Invalid) as caught:
        site_create(
            code="bad site",
            kind="hospital",
            node_id=district.pk,
            name_zh="x",
            latitude=91,
            longitude=0,
        )
    assert {e.field for e in caught.value.errors} >= {"code", "latitude"}
    assert not Site.objects.filter(name_zh="x").exists()
    from liangcao.orgs.models import User

    user = User.objects.create(username="new-user")
    with pytest.raises(Invalid):
        membership_grant(user=user, role="commander")
    with pytest.raises(Invalid):
        membership_grant(user=user, role="emperor", node_id=district.pk)
    membership_grant(user=user, role="commander", node_id=district.pk)
    membership_grant(user=user, role="commander", node_id=district.pk)  # idempotent
    assert user.memberships.count() == 1

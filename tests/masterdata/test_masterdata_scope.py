"""Role × endpoint for the master-data pages: commanders manage their own subtree, every
other role gets 403, and nodes, sites and roles outside the subtree answer 404."""

from __future__ import annotations

from django.test import Client

from liangcao.orgs.models import Membership, Node, Role, Site, User
from liangcao.scenarios.demo import DemoResult

LIST_PAGES = [
    "/masterdata/",
    "/masterdata/roles/",
    "/masterdata/templates/nodes.xlsx",
    "/masterdata/import/users/",
]


def test_every_role_at_every_level(demo: DemoResult) -> None:
    wrong: list[str] = []
    d02 = Node.objects.get(code="d02")
    d02_site = Site.objects.filter(node__code__startswith="d02").first()
    d01_site = Site.objects.filter(node__code__startswith="d01").first()
    assert d02_site is not None and d01_site is not None
    d02_role = Membership.objects.create(
        user=User.objects.get(username="community-requester"), role=Role.APPROVER, node=d02
    )
    for user in User.objects.filter(memberships__isnull=False).distinct().order_by("username"):
        client = Client()
        client.force_login(user)
        commander = Membership.objects.filter(
            user=user, role=Role.COMMANDER, node__isnull=False
        ).first()
        for url in LIST_PAGES:
            status = client.get(url).status_code
            if status != (200 if commander else 403):
                wrong.append(f"{user.username} {url}: {status}")
        if commander is None:
            continue
        city_level = commander.node is not None and commander.node.parent_id is None
        outside = {
            f"/masterdata/nodes/{d02.pk}/edit/": 200 if city_level else 404,
            f"/masterdata/sites/{d02_site.pk}/edit/": 200 if city_level else 404,
        }
        for url, expected in outside.items():
            status = client.get(url).status_code
            if status != expected:
                wrong.append(f"{user.username} {url}: {status} != {expected}")
        revoke = client.post(f"/masterdata/roles/{d02_role.pk}/revoke/").status_code
        if revoke != (302 if city_level else 404):
            wrong.append(f"{user.username} revoke d02 role: {revoke}")
        if not Membership.objects.filter(pk=d02_role.pk).exists():
            d02_role.save()  # put it back for the next commander
    assert wrong == []

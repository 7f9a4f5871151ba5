"""Demand lists as the people who use them see them: a community asks, the hierarchy
countersigns, urgent lists go first and collect paperwork after, and what a level cannot cover
goes up to the next one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from liangcao.core.errors import Conflict, Forbidden, Invalid, NotFound
from liangcao.demand import selectors, services
from liangcao.demand.models import (
    CountersignRule,
    Requisition,
    RequisitionState,
    SignatureDecision,
)
from liangcao.demand.services import LineIn
from liangcao.orgs.models import Membership, Site, User

UserNamed = Callable[[str], User]


def community_point(user_named: UserNamed) -> Site:
    community = Membership.objects.get(user=user_named("community-requester")).node
    return Site.objects.get(node=community, kind="community_point")


def masks_and_rice(user_named: UserNamed, *, masks: int = 1000, submit: bool = True) -> Requisition:
    return services.requisition_create(
        user=user_named("community-requester"),
        site_id=community_point(user_named).pk,
        lines=[LineIn("MASK-N95", masks, justification="grid workers"), LineIn("RICE", 200)],
        submit=submit,
    )


def levels(req: Requisition) -> list[str]:
    return [s.node.kind for s in req.signatures.order_by("-depth").select_related("node")]


def test_community_list_with_tier1_items_is_signed_by_street_then_district(
    user_named: UserNamed,
) -> None:
    req = masks_and_rice(user_named)
    assert req.state == RequisitionState.SUBMITTED
    assert levels(req) == ["street", "district"]
    assert req.serving_node.kind == "district"
    assert req.priority_class == 4  # community service point

    # The district cannot sign before the street: signatures go up in order.
    with pytest.raises(Forbidden):
        services.requisition_sign(
            user=user_named("district-approver"), requisition_id=req.pk, approve=True
        )

    services.requisition_sign(
        user=user_named("street-approver"), requisition_id=req.pk, approve=True
    )
    req.refresh_from_db()
    assert req.state == RequisitionState.SUBMITTED
    assert req in selectors.approval_inbox(user=user_named("district-approver"))
    assert req not in selectors.approval_inbox(user=user_named("street-approver"))

    mask_line = req.lines.get(item__code="MASK-N95")
    services.requisition_sign(
        user=user_named("district-approver"),
        requisition_id=req.pk,
        approve=True,
        approved_quantities={mask_line.pk: 800},
    )
    req.refresh_from_db()
    assert req.state == RequisitionState.APPROVED and req.approved_at is not None
    assert dict(req.lines.values_list("item__code", "approved")) == {"MASK-N95": 800, "RICE": 200}
    with pytest.raises(Conflict):
        services.requisition_sign(
            user=user_named("district-approver"), requisition_id=req.pk, approve=True
        )


def test_everyday_goods_need_only_the_street(user_named: UserNamed) -> None:
    req = services.requisition_create(
        user=user_named("community-requester"),
        site_id=community_point(user_named).pk,
        lines=[LineIn("RICE", 500)],
        submit=True,
    )
    assert levels(req) == ["street"]
    services.requisition_sign(
        user=user_named("street-commander"), requisition_id=req.pk, approve=True
    )
    req.refresh_from_db()
    assert req.state == RequisitionState.APPROVED


def test_a_line_above_ten_thousand_also_needs_the_city(user_named: UserNamed) -> None:
    req = masks_and_rice(user_named, masks=12_000)
    assert levels(req) == ["street", "district", "city"]
    assert req.serving_node.kind == "city"


def test_hospital_lists_are_signed_by_their_district(user_named: UserNamed) -> None:
    hospital = Membership.objects.get(user=user_named("hospital-requester")).site
    assert hospital is not None
    req = services.requisition_create(
        user=user_named("hospital-requester"),
        site_id=hospital.pk,
        lines=[LineIn("RICE", 50)],
        submit=True,
    )
    assert levels(req) == ["district"]
    assert req.priority_class in (1, 2)


def test_rejection_needs_a_reason_and_ends_the_list(user_named: UserNamed) -> None:
    req = masks_and_rice(user_named)
    street = user_named("street-approver")
    with pytest.raises(Invalid):
        services.requisition_sign(user=street, requisition_id=req.pk, approve=False)
    services.requisition_sign(
        user=street, requisition_id=req.pk, approve=False, comment="duplicate of yesterday's"
    )
    req.refresh_from_db()
    assert req.state == RequisitionState.REJECTED and req.end_reason == "duplicate of yesterday's"
    with pytest.raises(Conflict):
        services.requisition_sign(
            user=user_named("district-approver"), requisition_id=req.pk, approve=True
        )


def test_fast_track_goes_first_and_collects_paperwork_after(user_named: UserNamed) -> None:
    req = masks_and_rice(user_named)
    district = user_named("district-approver")
    with pytest.raises(Forbidden):  # a requester cannot fast-track their own list
        services.requisition_fast_track(
            user=user_named("community-requester"), requisition_id=req.pk, reason="x"
        )
    services.requisition_fast_track(
        user=district, requisition_id=req.pk, reason="fever clinic ran out"
    )
    req.refresh_from_db()
    assert req.state == RequisitionState.APPROVED and req.is_fast_tracked
    assert timedelta(hours=23) < req.paperwork_due_at - timezone.now() <= timedelta(hours=24)
    assert set(req.lines.values_list("approved", flat=True)) == {1000, 200}
    commander = user_named("district-commander")
    assert list(selectors.overdue_fast_tracks(user=commander)) == []

    Requisition.objects.filter(pk=req.pk).update(
        paperwork_due_at=timezone.now() - timedelta(minutes=1)
    )
    assert list(selectors.overdue_fast_tracks(user=commander)) == [req]
    assert list(selectors.overdue_fast_tracks(user=user_named("community-inspector"))) == [req]

    services.requisition_sign(
        user=user_named("street-approver"), requisition_id=req.pk, approve=True
    )
    assert list(selectors.overdue_fast_tracks(user=commander)) == [req]  # district still missing
    services.requisition_sign(user=district, requisition_id=req.pk, approve=True)
    assert list(selectors.overdue_fast_tracks(user=commander)) == []
    assert not req.signatures.filter(decision=SignatureDecision.PENDING).exists()


def test_what_the_district_cannot_cover_escalates_to_the_city(user_named: UserNamed) -> None:
    req = masks_and_rice(user_named)
    services.requisition_sign(
        user=user_named("street-approver"), requisition_id=req.pk, approve=True
    )
    services.requisition_sign(
        user=user_named("district-approver"), requisition_id=req.pk, approve=True
    )
    mask_line = req.lines.get(item__code="MASK-N95")

    with pytest.raises(Forbidden):  # the street does not serve this list
        services.requisition_escalate(
            user=user_named("street-approver"),
            requisition_id=req.pk,
            quantities={mask_line.pk: 600},
        )
    with pytest.raises(Invalid):
        services.requisition_escalate(
            user=user_named("district-approver"),
            requisition_id=req.pk,
            quantities={mask_line.pk: 1001},
        )
    child = services.requisition_escalate(
        user=user_named("district-approver"), requisition_id=req.pk, quantities={mask_line.pk: 600}
    )
    assert child.serving_node.kind == "city" and child.escalated_from_id == req.pk
    assert levels(child) == ["city"]
    why = child.signatures.get()
    with translation.override("zh-hans"):
        assert why.reason_text == f"由{req.serving_node.name}上报（{req.number}）"
    with translation.override("en"):
        assert why.reason_text == f"escalated from {req.serving_node.name} ({req.number})"
    assert list(child.lines.values_list("item__code", "requested", "source_line")) == [
        ("MASK-N95", 600, mask_line.pk)
    ]
    mask_line.refresh_from_db()
    assert (mask_line.escalated, mask_line.open_quantity) == (600, 400)

    city = user_named("city-approver")
    assert child in selectors.approval_inbox(user=city)
    services.requisition_sign(user=city, requisition_id=child.pk, approve=True)
    chain = selectors.requisition_history(user=user_named("city-commander"), requisition=child)
    assert [r.pk for r in chain] == [req.pk, child.pk]
    # The city is the top: nothing above to ask.
    with pytest.raises(Conflict):
        services.requisition_escalate(
            user=city, requisition_id=child.pk, quantities={child.lines.get().pk: 1}
        )


def test_lists_are_invisible_outside_the_subtree(user_named: UserNamed) -> None:
    req = masks_and_rice(user_named)
    assert req in selectors.requisition_list(user=user_named("district-inspector"))
    assert req in selectors.requisition_list(user=user_named("city-inspector"))
    assert req not in selectors.requisition_list(user=user_named("hospital-requester"))
    assert req not in selectors.requisition_list(user=user_named("depot-keeper"))
    with pytest.raises(NotFound):
        services.requisition_sign(
            user=user_named("hospital-requester"), requisition_id=req.pk, approve=True
        )
    with pytest.raises(Forbidden):  # visible, but an inspector only reads
        services.requisition_sign(
            user=user_named("district-inspector"), requisition_id=req.pk, approve=True
        )


def test_requesters_file_only_for_their_own_sites(user_named: UserNamed) -> None:
    hospital = Membership.objects.get(user=user_named("hospital-requester")).site
    assert hospital is not None
    with pytest.raises(NotFound):
        services.requisition_create(
            user=user_named("community-requester"), site_id=hospital.pk, lines=[LineIn("RICE", 1)]
        )
    with pytest.raises(Forbidden):
        services.requisition_create(
            user=user_named("district-inspector"), site_id=hospital.pk, lines=[LineIn("RICE", 1)]
        )


def test_bad_lines_are_named_and_nothing_is_written(user_named: UserNamed) -> None:
    before = Requisition.objects.count()
    with pytest.raises(Invalid) as caught:
        services.requisition_create(
            user=user_named("community-requester"),
            site_id=community_point(user_named).pk,
            lines=[LineIn("NOPE", 1), LineIn("RICE", 0), LineIn("OIL", 2), LineIn("OIL", 3)],
            priority_class=1,
        )
    fields = {e.field for e in caught.value.errors}
    assert {"lines[0].item", "lines[1].quantity", "lines[3].item", "priority_reason"} <= fields
    assert Requisition.objects.count() == before


def test_priority_override_with_a_reason(user_named: UserNamed) -> None:
    req = services.requisition_create(
        user=user_named("community-requester"),
        site_id=community_point(user_named).pk,
        lines=[LineIn("MED-INSUL", 20)],
        priority_class=1,
        priority_reason="insulin for 12 diabetic residents",
    )
    assert (req.priority_class, req.state) == (1, RequisitionState.DRAFT)
    services.requisition_submit(user=user_named("community-requester"), requisition_id=req.pk)
    with pytest.raises(Conflict):
        services.requisition_submit(user=user_named("community-requester"), requisition_id=req.pk)


def test_cancel_before_anything_is_served(user_named: UserNamed) -> None:
    req = masks_and_rice(user_named)
    with pytest.raises(Invalid):
        services.requisition_cancel(
            user=user_named("community-requester"), requisition_id=req.pk, reason=""
        )
    services.requisition_cancel(
        user=user_named("community-requester"), requisition_id=req.pk, reason="entered twice"
    )
    req.refresh_from_db()
    assert req.state == RequisitionState.CANCELLED
    assert req not in selectors.approval_inbox(user=user_named("street-approver"))


def test_why_a_level_signs_reads_in_the_readers_language(
    user_named: UserNamed, client_for: Callable[[str], Client]
) -> None:
    """Reasons are stored as tokens (the site's own level, a rule by id) and worded when read:
    Chinese on Chinese pages, English for English API clients."""
    req = masks_and_rice(user_named)
    stored = dict(req.signatures.values_list("node__kind", "reason"))
    assert stored["street"] == "own"
    assert stored["district"].startswith("rule:")
    client = client_for("community-requester")
    page = client.get(f"/demand/{req.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    rule = CountersignRule.objects.get(pk=int(stored["district"].split(":")[1]))
    with translation.override("zh-hans"):
        worded = rule.explanation()
    assert "申请站点所属的层级" in page
    assert "：由" in worded and worded in page
    body = client.get(f"/api/v1/requisitions/{req.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    reasons = {s["node_kind"]: s["reason"] for s in body["signatures"]}
    assert reasons["street"] == "the level the requesting site belongs to"
    assert "countersigned by the" in reasons["district"]

"""Writes for readiness: declaring a level, starting the 2-hour switch (or its drill), checking
off its steps, reading notifications. Each public service is one durable transaction."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from liangcao.core.errors import Conflict, FieldError, Forbidden, Invalid, NotFound
from liangcao.orgs.models import Membership, Node, NodeClosure, Role, User
from liangcao.orgs.selectors import node_get
from liangcao.readiness.models import (
    LevelDeclaration,
    Notification,
    Playbook,
    ResponseLevel,
    SwitchRun,
    SwitchStep,
)
from liangcao.readiness.selectors import switch_run_get

MAX_KEY = 100


def _commands(actor: User, node: Node) -> bool:
    """Whether the actor is a commander at the node or one of its ancestors (or a superuser)."""
    if actor.is_superuser:
        return True
    ancestors = NodeClosure.objects.filter(descendant_id=node.pk).values("ancestor_id")
    return Membership.objects.filter(
        user=actor, role=Role.COMMANDER, node_id__in=ancestors
    ).exists()


def _holds_role_over(actor: User, role: str, node: Node) -> bool:
    """Whether the actor holds `role` at the node, an ancestor, or a node or site below it."""
    if actor.is_superuser:
        return True
    ancestors = NodeClosure.objects.filter(descendant_id=node.pk).values("ancestor_id")
    below = NodeClosure.objects.filter(ancestor_id=node.pk).values("descendant_id")
    return Membership.objects.filter(
        Q(node_id__in=ancestors) | Q(node_id__in=below) | Q(site__node_id__in=below),
        user=actor,
        role=role,
    ).exists()


def _declare(
    *, actor: User, node: Node, level: ResponseLevel, reason: str, key: str = ""
) -> LevelDeclaration:
    return LevelDeclaration.objects.create(
        node=node,
        level=level,
        declared_by=actor,
        declared_at=timezone.now(),
        reason=reason[:300],
        idempotency_key=key[:MAX_KEY],
    )


def level_declare(
    *, actor: User, node_id: int, level_code: str, reason: str = "", idempotency_key: str = ""
) -> LevelDeclaration:
    """Declare a response level at a node (its whole subtree). Commanders over the node only.

    Raises NotFound (node out of scope), Invalid (unknown level), Forbidden (not a commander).
    """
    with transaction.atomic(durable=True):
        if idempotency_key:
            found = LevelDeclaration.objects.filter(
                declared_by=actor, idempotency_key=idempotency_key[:MAX_KEY]
            ).first()
            if found is not None:
                return found
        node = node_get(user=actor, node_id=node_id)
        level = ResponseLevel.objects.filter(code=level_code).first()
        if level is None:
            raise Invalid(_("Unknown response level"), [FieldError("level", _("unknown level"))])
        if not _commands(actor, node):
            raise Forbidden(_("Only a commander over this node may declare its level"))
        return _declare(actor=actor, node=node, level=level, reason=reason, key=idempotency_key)


def _owners(playbook: Playbook, role: str) -> list[int]:
    """Users holding `role` at the playbook's node, under it, or at a site under it."""
    below = NodeClosure.objects.filter(ancestor_id=playbook.node_id).values("descendant_id")
    return sorted(
        set(
            Membership.objects.filter(
                Q(node_id__in=below) | Q(site__node_id__in=below), role=role
            ).values_list("user_id", flat=True)
        )
    )


def switch_start(
    *, actor: User, playbook_id: int, drill: bool = False, idempotency_key: str = ""
) -> SwitchRun:
    """Start the peace-to-emergency switch: start the clock, copy the steps with their due
    times, notify every step's owners and — unless this is a drill — declare the playbook's
    level at its node. Commanders over the node only; one open run per playbook.

    Raises NotFound (playbook out of scope), Forbidden, Conflict (a run is still open).
    """
    with transaction.atomic(durable=True):
        if idempotency_key:
            found = SwitchRun.objects.filter(
                started_by=actor, idempotency_key=idempotency_key[:MAX_KEY]
            ).first()
            if found is not None:
                return found
        playbook = (
            Playbook.objects.select_for_update()
            .select_related("node", "target_level")
            .filter(pk=playbook_id)
            .first()
        )
        if playbook is None:
            raise NotFound(_("No such playbook"))
        node_get(user=actor, node_id=playbook.node_id)
        if not _commands(actor, playbook.node):
            raise Forbidden(_("Only a commander over this node may start the switch"))
        if playbook.runs.filter(finished_at__isnull=True).exists():
            raise Conflict(_("A switch of this playbook is still running"))
        now = timezone.now()
        declaration = None
        if not drill:
            declaration = _declare(
                actor=actor,
                node=playbook.node,
                level=playbook.target_level,
                reason=_("Switch %(code)s started") % {"code": playbook.code},
            )
        run = SwitchRun.objects.create(
            playbook=playbook,
            is_drill=drill,
            started_by=actor,
            started_at=now,
            declaration=declaration,
            idempotency_key=idempotency_key[:MAX_KEY],
        )
        steps = list(playbook.steps.order_by("number"))
        SwitchStep.objects.bulk_create(
            [
                SwitchStep(run=run, step=s, due_at=now + timedelta(minutes=s.due_minutes))
                for s in steps
            ]
        )
        prefix = _("[Drill] ") if drill else ""
        notes: list[Notification] = []
        for s in steps:
            text = prefix + _("Switch %(code)s: step %(n)d “%(title)s” due by %(due)s") % {
                "code": playbook.code,
                "n": s.number,
                "title": s.title_zh,
                "due": timezone.localtime(now + timedelta(minutes=s.due_minutes)).strftime("%H:%M"),
            }
            notes += [
                Notification(
                    user_id=u,
                    text=text[:300],
                    url=f"/readiness/switch/{run.pk}/",
                    created_at=now,
                )
                for u in _owners(playbook, s.owner_role)
            ]
        Notification.objects.bulk_create(notes)
        return run


def switch_step_done(*, actor: User, run_id: int, step_id: int, note: str = "") -> SwitchStep:
    """Check off one step of a run with the time now. The step's owner role (at, above or below
    the playbook's node) or a commander over the node may do it; the run finishes when its last
    step is done.

    Raises NotFound (run out of scope or unknown step), Forbidden, Conflict (already done).
    """
    with transaction.atomic(durable=True):
        run = switch_run_get(user=actor, run_id=run_id)
        run = SwitchRun.objects.select_for_update().select_related("playbook__node").get(pk=run.pk)
        step = run.steps.select_related("step").filter(pk=step_id).first()
        if step is None:
            raise NotFound(_("No such step"))
        node = run.playbook.node
        if not (_holds_role_over(actor, step.step.owner_role, node) or _commands(actor, node)):
            raise Forbidden(_("This step belongs to another role"))
        if step.done_at is not None:
            raise Conflict(_("This step is already done"))
        now = timezone.now()
        step.done_at = now
        step.done_by = actor
        step.note = note[:300]
        step.save(update_fields=["done_at", "done_by", "note"])
        if not run.steps.filter(done_at__isnull=True).exists():
            run.finished_at = now
            run.save(update_fields=["finished_at"])
        return step


def notifications_mark_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    with transaction.atomic(durable=True):
        return Notification.objects.filter(user=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )

"""Allocation runs: the engine's proposal for open demand against a level's pool, the
commander's overrides, and the commit into stock shipments.

A run keeps its own status, progress and heartbeat (django-tasks has none): a sweeper (run by
the worker's scheduler) marks a solve whose heartbeat went stale as failed so it can be started
again, and returns an interrupted commit to `proposed` so it can be committed again or
discarded. A commit is one transaction: all of the run's reservations, or none.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liangcao.orgs.models import Node


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    PROPOSED = "proposed", _("Proposed")
    COMMITTING = "committing", _("Committing")
    COMMITTED = "committed", _("Committed")
    FAILED = "failed", _("Failed")
    DISCARDED = "discarded", _("Discarded")


# How each policy of the engine (engine/model.py POLICIES) reads on a page.
POLICY_LABELS = {
    "priority_leximin": _("Priority first, fairest fill"),
    "proportional": _("Proportional to demand"),
    "fcfs": _("First come, first served"),
}


class AllocationRun(models.Model):
    """One allocation of a level's pool to the open demand it serves."""

    node = models.ForeignKey(
        Node, on_delete=models.PROTECT, related_name="+", verbose_name=_("level")
    )
    policy = models.CharField(_("policy"), max_length=30, default="priority_leximin")
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    commit_progress = models.PositiveSmallIntegerField(_("commit progress (%)"), default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Why it failed (or why a commit was turned back): a code and its values, rendered in the
    # reader's language (`texts.run_error_text`); `error` keeps the English text for logs.
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    instance = models.JSONField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    baselines = models.JSONField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="run_progress_le_100"),
            models.CheckConstraint(
                condition=Q(commit_progress__lte=100), name="run_commit_progress_le_100"
            ),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"

    @property
    def policy_label(self) -> str:
        return str(POLICY_LABELS.get(self.policy, self.policy))

    @property
    def error_message(self) -> str:
        from liangcao.allocation.texts import run_error_text

        return run_error_text(self)


class AllocationOverride(models.Model):
    """The commander sets how much one demand line gets from one source, with a logged reason."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="overrides")
    demand = models.CharField(_("demand line"), max_length=60)
    source = models.CharField(_("source"), max_length=60)
    quantity = models.PositiveIntegerField(_("quantity"))
    reason = models.CharField(_("reason"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("allocation override")
        verbose_name_plural = _("allocation overrides")
        ordering = ["run", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "demand", "source"], name="override_one_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.demand} ← {self.source}: {self.quantity}"

"""The daily report (日报): one row per report built for a node and a day, with its sections
stored as data (so the history shows exactly what was reported)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from liangcao.orgs.models import Node


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DailyReport(models.Model):
    """A daily report of a node's subtree for one day. `content` holds the sections:
    `{"sections": [{"key", "title", "headers", "rows"}]}`; `requested_by` is empty for the
    scheduled run."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("created"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    content = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["node", "-day"])]

    def __str__(self) -> str:
        return f"{self.node_id} {self.day}"

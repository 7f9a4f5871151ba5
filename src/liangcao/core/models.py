"""Shared tables: API tokens and idempotency keys."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def token_digest(raw: str) -> str:
    """SHA-256 of a raw token: only digests are stored, so a database leak reveals no token."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A Bearer token a user created for scripts and integrations; revoked, never deleted."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class IdempotencyState(models.TextChoices):
    IN_FLIGHT = "in_flight", _("in flight")
    DONE = "done", _("done")


class IdempotencyKey(models.Model):
    """One client-chosen key for one state-changing request, scoped to the user who sent it.

    While the request runs the row is IN_FLIGHT; afterwards it holds the response to replay.
    `fingerprint` is a SHA-256 over method, path and canonical JSON body, so the same key with a
    different body is recognised. Rows are kept at least `IDEMPOTENCY_KEEP_HOURS`.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=20, choices=IdempotencyState.choices)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key"),
        ]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key} ({self.state})"


class ScheduledJob(models.Model):
    """When the worker's scheduler last queued one periodic task (core/schedule.py)."""

    name = models.CharField(_("task"), max_length=200, unique=True)
    last_enqueued_at = models.DateTimeField(_("last queued"), null=True, blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

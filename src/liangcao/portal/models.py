"""The portal's own tables: each day's publication (its files, exactly as published, and the
digest chained to the ledger's seal and the day before) and the rate limiter's counters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Publication(models.Model):
    """One day's published lists. `digest` covers the date, the previous day's digest, the
    ledger seal at publication and every file's digest (docs/portal.md explains the rules;
    scripts/verify_publication.py recomputes them). Written once by `portal_publish`."""

    day = models.DateField(_("day"), unique=True)
    previous_digest = models.CharField(max_length=64, blank=True)
    ledger_seal = models.CharField(max_length=64)
    ledger_balances = models.PositiveIntegerField()
    digest = models.CharField(max_length=64, unique=True)
    manifest = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} {self.digest[:12]}"


class PublishedFile(models.Model):
    """One published list of a day, byte for byte as published (canonical CSV)."""

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=40)
    content = models.TextField()
    rows = models.PositiveIntegerField()
    digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("published file")
        verbose_name_plural = _("published files")
        constraints = [
            models.UniqueConstraint(fields=["publication", "name"], name="published_file_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.publication_id}/{self.name}"


class RateBucket(models.Model):
    """Requests from one address in one minute (the portal's rate limiter; no Redis needed)."""

    address = models.CharField(max_length=64)
    minute = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rate limit bucket")
        verbose_name_plural = _("rate limit buckets")
        constraints = [
            models.UniqueConstraint(fields=["address", "minute"], name="rate_bucket_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.address}@{self.minute}: {self.count}"

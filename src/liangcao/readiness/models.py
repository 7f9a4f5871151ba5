"""Response levels, days-of-cover targets, population norms, level declarations and the
2-hour switch (playbooks, runs, step check-offs, in-app notifications)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from liangcao.catalog.models import Category, Item
from liangcao.orgs.models import BilingualName, Node, Role, code_validator


class ResponseLevel(BilingualName):
    """A response level: rank 0 is normal (peace time); a higher rank is a stronger response."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    rank = models.PositiveSmallIntegerField(_("rank"), unique=True)
    is_emergency = models.BooleanField(_("emergency"), default=False)

    class Meta:
        verbose_name = _("response level")
        verbose_name_plural = _("response levels")
        ordering = ["rank"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CoverTarget(models.Model):
    """Days of cover to hold for one item category at one level (0 = on demand, no target)."""

    level = models.ForeignKey(ResponseLevel, on_delete=models.CASCADE, related_name="targets")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    days = models.PositiveSmallIntegerField(_("days of cover"))

    class Meta:
        verbose_name = _("days-of-cover target")
        verbose_name_plural = _("days-of-cover targets")
        ordering = ["level__rank", "category"]
        constraints = [
            models.UniqueConstraint(fields=["level", "category"], name="covertarget_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.level_id} {self.category}: {self.days}"


class NormKind(models.TextChoices):
    PER_HEAD_DAY = "per_head_day", _("Per 1,000 people per day")
    TESTING_ROUND = "testing_round", _("Per 1,000 people per round of mass testing")


class PopulationNorm(models.Model):
    """How much of an item a population needs: per day (necessities per head) or per round of
    mass testing, in issue units per 1,000 people."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=20, choices=NormKind.choices)
    per_thousand = models.DecimalField(
        _("quantity per 1,000 people"), max_digits=12, decimal_places=3
    )

    class Meta:
        verbose_name = _("population norm")
        verbose_name_plural = _("population norms")
        ordering = ["kind", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["item", "kind"], name="populationnorm_unique"),
            models.CheckConstraint(condition=Q(per_thousand__gt=0), name="populationnorm_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.kind}: {self.per_thousand}"


class LevelDeclaration(models.Model):
    """A level declared at a node (reaching its subtree). Append-only history: the node's latest
    declaration is its own level; the level in force at a node is the highest rank among its own
    and its ancestors' current levels (docs/readiness.md)."""

    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    level = models.ForeignKey(ResponseLevel, on_delete=models.PROTECT, related_name="+")
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField()
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("level declaration")
        verbose_name_plural = _("level declarations")
        ordering = ["-declared_at", "-id"]
        indexes = [models.Index(fields=["node", "-declared_at", "-id"])]

    def __str__(self) -> str:
        return f"{self.node_id} → {self.level_id} @ {self.declared_at:%Y-%m-%d %H:%M}"


class StepKind(models.TextChoices):
    TASK = "task", _("Task")
    CONTRACTED_RESERVE = "contracted_reserve", _("Activate contracted reserves")
    CAPACITY_RESERVE = "capacity_reserve", _("Activate capacity reserves")


class Playbook(BilingualName):
    """The peace-to-emergency switch of one node: which level it raises to, and its steps."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[code_validator])
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="+")
    target_level = models.ForeignKey(ResponseLevel, on_delete=models.PROTECT, related_name="+")
    duration_minutes = models.PositiveIntegerField(_("target duration (minutes)"), default=120)

    class Meta:
        verbose_name = _("switch playbook")
        verbose_name_plural = _("switch playbooks")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PlaybookStep(models.Model):
    """One step: what to do, who owns it (a role at the playbook's node or above) and when it
    is due, in minutes after the switch starts."""

    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField(_("number"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=StepKind.choices)
    owner_role = models.CharField(_("owner role"), max_length=30, choices=Role.choices)
    due_minutes = models.PositiveIntegerField(_("due (minutes after start)"))

    class Meta:
        verbose_name = _("playbook step")
        verbose_name_plural = _("playbook steps")
        ordering = ["playbook", "number"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "number"], name="playbookstep_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.playbook_id}.{self.number} {self.title_zh}"


class SwitchRun(models.Model):
    """One start of a playbook; a drill runs every step but declares no level."""

    playbook = models.ForeignKey(Playbook, on_delete=models.PROTECT, related_name="runs")
    is_drill = models.BooleanField(_("drill"), default=False)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    declaration = models.ForeignKey(
        LevelDeclaration, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("switch run")
        verbose_name_plural = _("switch runs")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(is_drill=False) | Q(declaration__isnull=True),
                name="switchrun_drill_declares_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.playbook_id} @ {self.started_at:%Y-%m-%d %H:%M}"


class SwitchStep(models.Model):
    """A step of one run: due time (copied from the playbook at start) and its check-off."""

    run = models.ForeignKey(SwitchRun, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(PlaybookStep, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("switch step")
        verbose_name_plural = _("switch steps")
        ordering = ["run", "step__number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "step"], name="switchstep_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}.{self.step_id}"


class Notification(models.Model):
    """An in-app notice to one user (no e-mail): what to do and where."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(_("text"), max_length=300)
    url = models.CharField(_("link"), max_length=200, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.text[:40]}"

"""Cross-inspections (交叉检查, 003 二.3): a round assigns each alliance another to inspect;
the inspection records findings and a score, and rectification items with deadlines are closed
one by one. The same models will serve the county's own 督促检查."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from portal.scope import ScopedQuerySetMixin


class RoundQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "owner__path"


class InspectionRound(models.Model):
    """One round of cross-inspection among the open alliances of an owner (a township, or the
    county), assigned reproducibly from `seed`."""

    scope_domain = "alliance"

    owner = models.ForeignKey("portal.Organization", verbose_name="组织单位",
                              on_delete=models.PROTECT, related_name="inspection_rounds")
    title = models.CharField("名称", max_length=100)
    seed = models.PositiveIntegerField("分配种子", default=1)
    due = models.DateField("完成期限")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = "交叉检查轮次"
        verbose_name_plural = "交叉检查轮次"
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("alliances:round_detail", args=[self.pk])


class InspectionQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "round__owner__path"


class Inspection(models.Model):
    scope_domain = "alliance"

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE,
                              related_name="inspections", verbose_name="轮次")
    inspector = models.ForeignKey("alliances.Alliance", verbose_name="检查方",
                                  on_delete=models.PROTECT, related_name="inspections_made")
    inspected = models.ForeignKey("alliances.Alliance", verbose_name="被检查方",
                                  on_delete=models.PROTECT, related_name="inspections_received")
    inspected_on = models.DateField("检查日期", null=True, blank=True)
    findings = models.TextField("检查发现", blank=True)
    score = models.DecimalField("评分", max_digits=5, decimal_places=1, null=True, blank=True,
                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = "交叉检查"
        verbose_name_plural = "交叉检查"
        ordering = ["round", "inspector__name"]
        constraints = [
            models.CheckConstraint(condition=~Q(inspector=F("inspected")),
                                   name="no_self_inspection"),
            models.UniqueConstraint(fields=["round", "inspector"],
                                    name="one_inspection_per_inspector"),
            models.UniqueConstraint(fields=["round", "inspected"],
                                    name="one_inspection_per_inspected"),
        ]

    def __str__(self):
        return f"{self.inspector} → {self.inspected}"

    def get_absolute_url(self):
        return reverse("alliances:inspection_detail", args=[self.pk])


class RectificationQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "inspection__round__owner__path"


class Rectification(models.Model):
    """An item to put right (整改事项), with its deadline and its closure."""

    scope_domain = "alliance"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE,
                                   related_name="rectifications", verbose_name="检查")
    item = models.CharField("整改事项", max_length=300)
    deadline = models.DateField("整改期限")
    closed_at = models.DateTimeField("完成时间", null=True, blank=True)
    closing_note = models.CharField("整改情况", max_length=300, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    objects = RectificationQuerySet.as_manager()

    class Meta:
        verbose_name = "整改事项"
        verbose_name_plural = "整改事项"
        ordering = ["inspection", "deadline", "id"]

    def __str__(self):
        return self.item

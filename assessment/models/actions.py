"""Service actions (行动) and who takes part in them each year (004 六.2–六.3)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from portal.scope import ScopedQuerySetMixin


class Action(models.Model):
    """A service action ("XX" 行动) and the body that assesses it (考核单位)."""

    scope_domain = "assessment"

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("行动名称", max_length=100)
    assessing_body = models.ForeignKey("portal.Organization", verbose_name="考核单位",
                                       on_delete=models.PROTECT, related_name="assessed_actions")
    is_universal = models.BooleanField(
        "全员参加", default=False,
        help_text="县直单位党员干部除特殊情况外全员参加；否则原则上选择 1 项参加。")
    order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务行动"
        verbose_name_plural = "服务行动"
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", "参加中"
    EXEMPT = "exempt", "特殊情况免参加"
    REPLACED = "replaced", "已更换"


class EnrolmentQuerySet(ScopedQuerySetMixin, models.QuerySet):
    # The unit that enrolled the cadre, or the body assessing the action.
    scope_path_field = ("org__path", "action__assessing_body__path")

    def counted(self):
        """Enrolments that are in the cohort (N): not exempt. A replaced member counts for the
        months they served (the scheme's part-year rule)."""
        return self.exclude(status=EnrolmentStatus.EXEMPT)


class Enrolment(models.Model):
    """A cadre enrolled in an action for a year (报名), from `start_date` to `end_date`."""

    scope_domain = "assessment"

    action = models.ForeignKey(Action, verbose_name="行动", on_delete=models.PROTECT,
                               related_name="enrolments")
    year = models.PositiveSmallIntegerField("年度")
    person = models.ForeignKey("portal.Person", verbose_name="人员", on_delete=models.PROTECT,
                               related_name="enrolments")
    org = models.ForeignKey("portal.Organization", verbose_name="所在单位",
                            on_delete=models.PROTECT, related_name="enrolments")
    start_date = models.DateField("参加日期")
    end_date = models.DateField("结束日期", null=True, blank=True,
                                help_text="更换人员时填写；此后不再计入。")
    status = models.CharField("状态", max_length=16, choices=EnrolmentStatus.choices,
                              default=EnrolmentStatus.ACTIVE, db_index=True)
    exempt_reason = models.CharField("特殊情况说明", max_length=300, blank=True)
    replaced_by = models.OneToOneField("self", verbose_name="接替人员报名", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="replaces")
    replacement_reason = models.CharField("更换原因", max_length=300, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="经办人", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    history = HistoricalRecords()

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        verbose_name = "行动报名"
        verbose_name_plural = "行动报名"
        ordering = ["year", "action", "org__path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["action", "year", "person"],
                                    name="one_enrolment_per_action_year"),
            models.CheckConstraint(condition=Q(end_date__isnull=True)
                                   | Q(end_date__gte=models.F("start_date")),
                                   name="enrolment_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.year} {self.action} · {self.person}"

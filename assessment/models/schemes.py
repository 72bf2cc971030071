"""Schemes (考核方案) and their scoring tables (考核明细表): what is scored, how, and graded how."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from portal.scope import ScopedQuerySetMixin


class TargetKind(models.TextChoices):
    PERSON = "person", "个人（参加行动的党员干部）"
    UNIT = "unit", "县直单位"
    VILLAGE = "village", "村"
    TOWNSHIP = "township", "乡镇"
    ALLIANCE = "alliance", "党建联盟"


class PartYearRule(models.TextChoices):
    SUM = "sum", "累计得分（参加几个月计几个月）"
    PER_ACTIVE_MONTH = "per_active_month", "按参加月份折算全年"


class SchemeQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "assessing_body__path"


class Scheme(models.Model):
    """One year's scoring table of one assessing body for one kind of target. Editable until
    its first quarter is published (`locked_at`); a change after that is a new version."""

    scope_domain = "assessment"

    name = models.CharField("方案名称", max_length=100)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    assessing_body = models.ForeignKey("portal.Organization", verbose_name="考核单位",
                                       on_delete=models.PROTECT, related_name="schemes")
    target_kind = models.CharField("考核对象", max_length=16, choices=TargetKind.choices)
    action = models.ForeignKey("assessment.Action", verbose_name="行动", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="schemes",
                               help_text="考核个人时必填：参加该行动的人员为考核对象。")
    start_date = models.DateField("考核开始日期")
    end_date = models.DateField("考核结束日期")
    part_year_rule = models.CharField("不满一年的计分", max_length=24,
                                      choices=PartYearRule.choices, default=PartYearRule.SUM)
    poor_min_ratio = models.DecimalField(
        "“差”等次最低比例", max_digits=4, decimal_places=3, default=Decimal("0.100"),
        validators=[MinValueValidator(Decimal("0.100")), MaxValueValidator(1)],
        help_text="“差”等次不低于总人数的10%（004 六.3），不能低于 0.100。")
    excellent_max_ratio = models.DecimalField(
        "“优秀”等次最高比例（本县规定）", max_digits=4, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)])
    excellent_min_score = models.DecimalField(
        "“优秀”最低分（本县规定）", max_digits=8, decimal_places=2, null=True, blank=True)
    tie_break = models.JSONField(
        "同分比较指标", default=list, blank=True,
        help_text="总分相同时依次比较的指标编码，如 [\"months_served\", \"claims_on_time\"]。")
    appeal_days = models.PositiveSmallIntegerField("申诉期限（天）", default=7)
    version = models.PositiveSmallIntegerField("版本", default=1)
    supersedes = models.OneToOneField("self", verbose_name="取代的版本", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="superseded_by")
    locked_at = models.DateTimeField("锁定时间", null=True, blank=True,
                                     help_text="首个季度排位发布后锁定，修改需新建版本。")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    objects = SchemeQuerySet.as_manager()

    class Meta:
        verbose_name = "考核方案"
        verbose_name_plural = "考核方案"
        ordering = ["-year", "assessing_body__path", "target_kind", "-version"]
        constraints = [
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="scheme_ends_after_start"),
            models.CheckConstraint(condition=models.Q(poor_min_ratio__gte=Decimal("0.1")),
                                   name="scheme_poor_at_least_ten_percent"),
        ]

    def __str__(self):
        suffix = f"（第{self.version}版）" if self.version > 1 else ""
        return f"{self.year}年 {self.name}{suffix}"

    def get_absolute_url(self):
        return reverse("assessment:scheme_detail", args=[self.pk])

    @property
    def is_locked(self):
        return self.locked_at is not None

    @property
    def filing_deadline(self) -> datetime.date:
        """Grades are filed with 组织部 by the end of January of the next year (004 五.3)."""
        return datetime.date(self.year + 1, 1, 31)

    @property
    def has_excellent_rule(self):
        return self.excellent_max_ratio is not None or self.excellent_min_score is not None

    def quarters(self) -> list[int]:
        """The quarters of `year` the scheme's dates touch (2025-09..12 → [3, 4])."""
        first = max(self.start_date, datetime.date(self.year, 1, 1))
        last = min(self.end_date, datetime.date(self.year, 12, 31))
        if last < first:
            return []
        return list(range((first.month - 1) // 3 + 1, (last.month - 1) // 3 + 2))


class IndicatorKind(models.TextChoices):
    AUTO = "auto", "自动计分"
    MANUAL = "manual", "评价打分"
    BONUS = "bonus", "加分"
    DEDUCTION = "deduction", "扣分"
    VETO = "veto", "一票否决"


class IndicatorPeriod(models.TextChoices):
    QUARTER = "quarter", "每季度"
    YEAR = "year", "年度"


class Indicator(models.Model):
    """A row of the scoring table. An automatic indicator names a metric and a points rule
    (`assessment.rules`); the others are entered by the assessing body with a reason."""

    scheme = models.ForeignKey(Scheme, on_delete=models.CASCADE, related_name="indicators",
                               verbose_name="考核方案")
    code = models.SlugField("编码", max_length=40)
    name = models.CharField("指标名称", max_length=100)
    description = models.CharField("评分说明", max_length=500, blank=True)
    kind = models.CharField("类别", max_length=16, choices=IndicatorKind.choices)
    period = models.CharField("周期", max_length=8, choices=IndicatorPeriod.choices,
                              default=IndicatorPeriod.QUARTER)
    metric = models.CharField("数据来源指标", max_length=40, blank=True)
    rule = models.JSONField("计分规则", default=dict, blank=True)
    max_points = models.DecimalField("分值上限", max_digits=8, decimal_places=2,
                                     validators=[MinValueValidator(0)])
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "考核指标"
        verbose_name_plural = "考核指标"
        ordering = ["scheme", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "code"],
                                               name="indicator_code_unique_in_scheme")]

    def __str__(self):
        return self.name

    @property
    def is_entered(self):
        """Points an assessor enters (manual, bonus, deduction, veto), not computed."""
        return self.kind != IndicatorKind.AUTO

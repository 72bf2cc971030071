"""Quarterly scores (季度排位): a run per scheme and quarter, a score per target, an item per
indicator — every automatic item keeps the ids of the rows that produced it."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from portal.scope import ScopedQuerySetMixin
from portal.workflow import Transition, Workflow

# A score belongs to the scheme's assessing body and to whoever (whatever) it scores.
TARGET_PATHS = ("person__home_org__path", "org__path", "alliance__owner__path")
TARGET_FIELDS = ("person", "org", "alliance")


def one_target_constraint(name):
    """Exactly one of person, org and alliance is set."""
    exactly_one = Q()
    for chosen in TARGET_FIELDS:
        exactly_one |= Q(**{f"{f}__isnull": f != chosen for f in TARGET_FIELDS})
    return models.CheckConstraint(condition=exactly_one, name=name)


def one_entry_per_period(target):
    """One entry per indicator, target and quarter, or per indicator and target for an annual
    indicator (quarter empty): two partial constraints, as NULLs are distinct in an index."""
    present = Q(**{f"{target}__isnull": False})
    return [
        models.UniqueConstraint(fields=["indicator", "quarter", target],
                                condition=present & Q(quarter__isnull=False),
                                name=f"one_quarter_entry_per_{target}"),
        models.UniqueConstraint(fields=["indicator", target],
                                condition=present & Q(quarter__isnull=True),
                                name=f"one_annual_entry_per_{target}"),
    ]


class Target(models.Model):
    """Who or what is scored: a person (enrolled cadre), an organization or a party-building
    alliance (党建联盟) — exactly one of them."""

    person = models.ForeignKey("portal.Person", verbose_name="人员", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    org = models.ForeignKey("portal.Organization", verbose_name="组织", null=True, blank=True,
                            on_delete=models.PROTECT, related_name="+")
    alliance = models.ForeignKey("alliances.Alliance", verbose_name="党建联盟", null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    @property
    def target_field(self):
        """The id field that holds the target: "person_id", "org_id" or "alliance_id"."""
        if self.person_id:
            return "person_id"
        return "alliance_id" if self.alliance_id else "org_id"

    @property
    def target(self):
        return getattr(self, self.target_field.removesuffix("_id"))

    @property
    def target_id(self):
        return getattr(self, self.target_field)

    @property
    def target_lookup(self):
        """{field: id} of the target, to find the rows of the same target in another model."""
        return {self.target_field: self.target_id}


class RunStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class ScoringRunQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "scheme__assessing_body__path"


class ScoringRun(models.Model):
    """One scheme's scoring of one quarter: recomputed freely as a draft, then published."""

    scope_domain = "assessment"

    scheme = models.ForeignKey("assessment.Scheme", on_delete=models.PROTECT,
                               related_name="runs", verbose_name="考核方案")
    quarter = models.PositiveSmallIntegerField("季度", validators=[MinValueValidator(1),
                                                                    MaxValueValidator(4)])
    status = models.CharField("状态", max_length=16, choices=RunStatus.choices,
                              default=RunStatus.DRAFT)
    cohort_size = models.PositiveIntegerField("考核人数（个数）", default=0)
    computed_at = models.DateTimeField("计分时间", null=True, blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name="发布人")

    objects = ScoringRunQuerySet.as_manager()

    workflow = Workflow([
        Transition("rescore", "重新计分", {"draft"}, "assessment.score",
                   state_error="该季度排位已发布，不能重新计分；如有申诉请通过申诉处理。"),
        Transition("publish", "发布排位", {"draft"}, "assessment.score", target="published",
                   url_name="assessment:run_publish", style="party", icon="megaphone",
                   confirm="发布后考核对象可以查看得分并在申诉期内申诉，方案随之锁定。确定发布吗？",
                   state_error="该季度排位已发布。",
                   denied="只有考核单位可以发布排位。"),
    ], orgs=lambda run: [run.scheme.assessing_body],
        badges={"draft": "secondary", "published": "success"})

    class Meta:
        verbose_name = "季度计分"
        verbose_name_plural = "季度计分"
        ordering = ["-scheme__year", "-quarter", "scheme_id"]
        constraints = [models.UniqueConstraint(fields=["scheme", "quarter"],
                                               name="one_run_per_scheme_quarter")]

    def __str__(self):
        return f"{self.scheme} 第{self.quarter}季度"

    def get_absolute_url(self):
        return reverse("assessment:run_detail", args=[self.pk])


class QuarterScoreQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = ("run__scheme__assessing_body__path", *TARGET_PATHS)


class QuarterScore(Target):
    """A target's quarter: total, rank in the cohort (ties share a rank), months active."""

    scope_domain = "assessment"

    run = models.ForeignKey(ScoringRun, on_delete=models.CASCADE, related_name="scores",
                            verbose_name="季度计分")
    total = models.DecimalField("得分", max_digits=9, decimal_places=2, default=0)
    rank = models.PositiveIntegerField("排位", default=0)
    active_months = models.PositiveSmallIntegerField("参加月数", default=0)
    vetoed = models.BooleanField("一票否决", default=False)

    objects = QuarterScoreQuerySet.as_manager()

    class Meta:
        verbose_name = "季度得分"
        verbose_name_plural = "季度得分"
        ordering = ["run", "rank", "id"]
        constraints = [
            one_target_constraint("quarter_score_one_target"),
            models.UniqueConstraint(fields=["run", "person"], condition=Q(person__isnull=False),
                                    name="one_quarter_score_per_person"),
            models.UniqueConstraint(fields=["run", "org"], condition=Q(org__isnull=False),
                                    name="one_quarter_score_per_org"),
            models.UniqueConstraint(fields=["run", "alliance"],
                                    condition=Q(alliance__isnull=False),
                                    name="one_quarter_score_per_alliance"),
        ]

    def __str__(self):
        return f"{self.run} · {self.target}"

    def get_absolute_url(self):
        return reverse("assessment:score_detail", args=[self.pk])


class ScoreItem(models.Model):
    """One indicator's points in a quarter score, with the metric value and its sources."""

    score = models.ForeignKey(QuarterScore, on_delete=models.CASCADE, related_name="items")
    indicator = models.ForeignKey("assessment.Indicator", on_delete=models.PROTECT,
                                  related_name="+", verbose_name="指标")
    value = models.DecimalField("指标值", max_digits=10, decimal_places=2, null=True, blank=True)
    points = models.DecimalField("得分", max_digits=8, decimal_places=2, default=0)
    # The rows behind an automatic item: ids of the metric's source model.
    source_ids = models.JSONField("来源记录", default=list, blank=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "得分明细"
        verbose_name_plural = "得分明细"
        ordering = ["score", "indicator__order", "indicator_id"]
        constraints = [models.UniqueConstraint(fields=["score", "indicator"],
                                               name="one_item_per_indicator")]

    def __str__(self):
        return f"{self.indicator}: {self.points}"


class EntryQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = ("indicator__scheme__assessing_body__path", *TARGET_PATHS)


class ScoreEntry(Target):
    """Points the assessing body enters for an indicator that is not automatic: an evaluation
    (评价), a bonus by level (加分), a deduction (扣分) or a veto (一票否决), with a reason and,
    for bonus, deduction and veto, evidence. `quarter` is empty for an annual indicator."""

    scope_domain = "assessment"

    class Level(models.TextChoices):
        COUNTY = "county", "县级"
        CITY = "city", "市级"
        PROVINCE = "province", "省级及以上"

    indicator = models.ForeignKey("assessment.Indicator", on_delete=models.PROTECT,
                                  related_name="entries", verbose_name="指标")
    quarter = models.PositiveSmallIntegerField("季度", null=True, blank=True)
    points = models.DecimalField("分值", max_digits=8, decimal_places=2, default=0,
                                 validators=[MinValueValidator(0)])
    level = models.CharField("级别", max_length=16, choices=Level.choices, blank=True)
    reason = models.CharField("理由", max_length=500, blank=True)
    evidence = models.FileField("佐证材料", upload_to="assessment/evidence/%Y/%m/", blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="录入人")
    entered_at = models.DateTimeField("录入时间", auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name = "考核录入"
        verbose_name_plural = "考核录入"
        ordering = ["indicator", "quarter", "id"]
        constraints = [
            one_target_constraint("score_entry_one_target"),
            *one_entry_per_period("person"),
            *one_entry_per_period("org"),
            *one_entry_per_period("alliance"),
        ]

    def __str__(self):
        return f"{self.indicator} · {self.target}"


class EvaluationQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = ("village__path", "person__home_org__path")


class TalentEvaluation(models.Model):
    """The village's rating of a city talent who served it in a quarter (004 四.三.5); the
    township forwards the summary to the talent's unit (`forwarded_at`)."""

    scope_domain = "assessment"

    class Rating(models.IntegerChoices):
        EXCELLENT = 5, "优秀"
        GOOD = 4, "良好"
        FAIR = 3, "一般"
        POOR = 1, "较差"

    village = models.ForeignKey("portal.Organization", verbose_name="村",
                                on_delete=models.PROTECT, related_name="talent_evaluations")
    person = models.ForeignKey("portal.Person", verbose_name="城市人才",
                               on_delete=models.PROTECT, related_name="evaluations")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度", validators=[MinValueValidator(1),
                                                                    MaxValueValidator(4)])
    rating = models.PositiveSmallIntegerField("评价", choices=Rating.choices)
    comment = models.CharField("评语", max_length=300, blank=True)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="评价人")
    rated_at = models.DateTimeField("评价时间", auto_now=True)
    forwarded_at = models.DateTimeField("乡镇转送时间", null=True, blank=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = "城市人才评价"
        verbose_name_plural = "城市人才评价"
        ordering = ["-year", "-quarter", "village", "person"]
        constraints = [models.UniqueConstraint(fields=["village", "person", "year", "quarter"],
                                               name="one_evaluation_per_village_quarter")]

    def __str__(self):
        return f"{self.year}Q{self.quarter} {self.village} → {self.person}"

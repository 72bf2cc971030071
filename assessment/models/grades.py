"""Annual grading (优秀/良好/差, 差 ≥ 10%), its filing with 组织部 (备案), and appeals."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from assessment.grading import GRADE_LABELS, Grade, PoorReason
from assessment.models.scores import TARGET_PATHS, Target, one_target_constraint
from portal.scope import ScopedQuerySetMixin
from portal.workflow import Transition, Workflow


class GradingStatus(models.TextChoices):
    PREVIEW = "preview", "预览"
    SUBMITTED = "submitted", "已报送"
    FILED = "filed", "已备案"


class GradingQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "scheme__assessing_body__path"


class Grading(models.Model):
    """A scheme's annual grading: previewed (recomputed freely), submitted by the assessing
    body, filed (备案) by 组织部 — the filing deadline is the end of January (004 五.3)."""

    scope_domain = "assessment"

    scheme = models.OneToOneField("assessment.Scheme", on_delete=models.PROTECT,
                                  related_name="grading", verbose_name="考核方案")
    status = models.CharField("状态", max_length=16, choices=GradingStatus.choices,
                              default=GradingStatus.PREVIEW)
    cohort_size = models.PositiveIntegerField("总人数（个数）N", default=0)
    poor_quota = models.PositiveIntegerField("“差”等次最低人数", default=0)
    over_quota = models.PositiveIntegerField("因同分超出比例", default=0)
    excellent_cap = models.PositiveIntegerField("“优秀”上限", null=True, blank=True)
    computed_at = models.DateTimeField("评定时间", null=True, blank=True)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name="报送人")
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="备案人")
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    history = HistoricalRecords()

    objects = GradingQuerySet.as_manager()

    workflow = Workflow([
        Transition("regrade", "重新评定", {"preview"}, "assessment.score",
                   state_error="等次已报送或已备案，不能重新评定。"),
        Transition("submit", "报送组织部", {"preview"}, "assessment.score", target="submitted",
                   url_name="assessment:grading_submit", style="party", icon="send",
                   confirm="报送后等次由县委组织部备案，报送期间不能重新评定。确定报送吗？",
                   state_error="只有预览中的等次可以报送。",
                   denied="只有考核单位可以报送等次。"),
        Transition("file", "备案", {"submitted"}, "assessment.file", target="filed",
                   url_name="assessment:grading_file", style="success", icon="archive",
                   confirm="备案后等次锁定，此后修改须填写理由并留痕。确定备案吗？",
                   state_error="只有已报送的等次可以备案。",
                   denied="只有县委组织部可以备案等次。"),
        Transition("return", "退回", {"submitted"}, "assessment.file", target="preview",
                   url_name="assessment:grading_return", style="danger",
                   icon="arrow-return-left", reason_field="reason",
                   state_error="只有已报送的等次可以退回。",
                   denied="只有县委组织部可以退回等次。"),
    ], orgs=lambda grading: [grading.scheme.assessing_body],
        badges={"preview": "secondary", "submitted": "warning", "filed": "success"})

    class Meta:
        verbose_name = "年度等次评定"
        verbose_name_plural = "年度等次评定"
        ordering = ["-scheme__year", "scheme_id"]

    def __str__(self):
        return f"{self.scheme} 年度等次"

    def get_absolute_url(self):
        return reverse("assessment:grading_detail", args=[self.pk])


class AnnualGradeQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = ("grading__scheme__assessing_body__path", *TARGET_PATHS)


class AnnualGrade(Target):
    """A target's year: the accumulated total, the tie-break key, rank and grade — the grade
    `assign_grades` gave (`computed_grade`) and the one on record (`grade`), which differ only
    after an audited change with a reason."""

    scope_domain = "assessment"

    grading = models.ForeignKey(Grading, on_delete=models.CASCADE, related_name="grades",
                                verbose_name="年度等次评定")
    total = models.DecimalField("年度积分", max_digits=10, decimal_places=2, default=0)
    tie_key = models.JSONField("同分比较值", default=list, blank=True)
    rank = models.PositiveIntegerField("排位", default=0)
    active_months = models.PositiveSmallIntegerField("参加月数", default=0)
    computed_grade = models.CharField("评定等次", max_length=16,
                                      choices=[(g.value, GRADE_LABELS[g]) for g in Grade])
    grade = models.CharField("等次", max_length=16,
                             choices=[(g.value, GRADE_LABELS[g]) for g in Grade])
    poor_reason = models.CharField("“差”等次原因", max_length=16, blank=True,
                                   choices=[(PoorReason.VETO.value, "一票否决"),
                                            (PoorReason.QUOTA.value, "按比例（排位靠后）"),
                                            (PoorReason.TIE.value, "与末位同分")])
    change_reason = models.CharField("调整理由", max_length=300, blank=True)
    history = HistoricalRecords()

    objects = AnnualGradeQuerySet.as_manager()

    class Meta:
        verbose_name = "年度等次"
        verbose_name_plural = "年度等次"
        ordering = ["grading", "rank", "id"]
        constraints = [
            one_target_constraint("annual_grade_one_target"),
            models.UniqueConstraint(fields=["grading", "person"],
                                    condition=Q(person__isnull=False),
                                    name="one_annual_grade_per_person"),
            models.UniqueConstraint(fields=["grading", "org"], condition=Q(org__isnull=False),
                                    name="one_annual_grade_per_org"),
            models.UniqueConstraint(fields=["grading", "alliance"],
                                    condition=Q(alliance__isnull=False),
                                    name="one_annual_grade_per_alliance"),
        ]

    def __str__(self):
        return f"{self.grading} · {self.target}: {self.get_grade_display()}"

    def get_absolute_url(self):
        return reverse("assessment:grade_detail", args=[self.pk])


class AppealStatus(models.TextChoices):
    OPEN = "open", "待处理"
    ACCEPTED = "accepted", "已受理（重新计分）"
    REJECTED = "rejected", "已驳回"


class AppealQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = ("run__scheme__assessing_body__path", *TARGET_PATHS)


class Appeal(Target):
    """An appeal (申诉) against a published quarter's score, within the scheme's window; the
    assessing body accepts it (re-scores: a new draft of that quarter) or rejects it."""

    scope_domain = "assessment"

    run = models.ForeignKey("assessment.ScoringRun", on_delete=models.PROTECT,
                            related_name="appeals", verbose_name="季度计分")
    reason = models.TextField("申诉理由")
    status = models.CharField("状态", max_length=16, choices=AppealStatus.choices,
                              default=AppealStatus.OPEN)
    decision = models.CharField("处理意见", max_length=500, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="申诉人")
    created_at = models.DateTimeField("申诉时间", auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="处理人")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)

    objects = AppealQuerySet.as_manager()

    workflow = Workflow([
        Transition("accept", "受理并重新计分", {"open"}, "assessment.score", target="accepted",
                   url_name="assessment:appeal_accept", style="party", reason_field="decision",
                   state_error="该申诉已处理。", denied="只有考核单位可以处理申诉。"),
        Transition("reject", "驳回", {"open"}, "assessment.score", target="rejected",
                   url_name="assessment:appeal_reject", style="danger", reason_field="decision",
                   state_error="该申诉已处理。", denied="只有考核单位可以处理申诉。"),
    ], orgs=lambda appeal: [appeal.run.scheme.assessing_body],
        badges={"open": "warning", "accepted": "success", "rejected": "secondary"})

    class Meta:
        verbose_name = "考核申诉"
        verbose_name_plural = "考核申诉"
        ordering = ["-created_at", "-id"]
        constraints = [one_target_constraint("appeal_one_target")]

    def __str__(self):
        return f"{self.run} · {self.target} 申诉"

    def get_absolute_url(self):
        return reverse("assessment:appeal_detail", args=[self.pk])

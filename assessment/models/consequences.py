"""Use of the results (004 六.4; 000 四.3; 004 五.3): nominations for 表现特别突出 and for the
commendations (先进党组织, 优秀党员干部), and the eligibility overrides of those graded 差."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from assessment.models.scores import TARGET_PATHS, Target, one_target_constraint
from portal.scope import ScopedQuerySetMixin
from portal.workflow import Transition, Workflow


class NominationKind(models.TextChoices):
    OUTSTANDING = "outstanding", "表现特别突出（优先提拔使用）"
    ADVANCED_ORG = "advanced_org", "先进党组织"
    EXCELLENT_MEMBER = "excellent_member", "优秀党员干部"


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", "待审核"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "未通过"


class NominationQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = ("body__path", *TARGET_PATHS)


class Nomination(Target):
    """A nomination of a person (or, for 先进党组织, an organization) for a year, confirmed or
    rejected by 组织部. A nominee graded 差 that year is refused unless the nominator gives an
    override reason ("原则上不得…评先评优")."""

    scope_domain = "assessment"

    kind = models.CharField("类别", max_length=20, choices=NominationKind.choices)
    body = models.ForeignKey("portal.Organization", verbose_name="推荐单位", null=True,
                             blank=True, on_delete=models.PROTECT, related_name="+",
                             help_text="考核单位推荐“表现特别突出”时为该考核单位。")
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    reason = models.TextField("推荐理由（主要事迹）")
    poor_override = models.CharField("“差”等次例外理由", max_length=300, blank=True)
    status = models.CharField("状态", max_length=16, choices=NominationStatus.choices,
                              default=NominationStatus.NOMINATED)
    decision = models.CharField("审核意见", max_length=300, blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name="推荐人")
    created_at = models.DateTimeField("推荐时间", auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="审核人")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)

    objects = NominationQuerySet.as_manager()

    workflow = Workflow([
        Transition("confirm", "确认", {"nominated"}, "assessment.file", target="confirmed",
                   url_name="assessment:nomination_confirm", style="success", icon="check2",
                   confirm="确认该推荐吗？确认后列入结果运用名单。",
                   state_error="该推荐已审核。", denied="只有县委组织部可以审核推荐。"),
        Transition("reject", "不予通过", {"nominated"}, "assessment.file", target="rejected",
                   url_name="assessment:nomination_reject", style="outline-danger",
                   reason_field="decision", state_error="该推荐已审核。",
                   denied="只有县委组织部可以审核推荐。"),
    ], orgs=lambda n: [n.person.home_org if n.person_id else n.org],
        badges={"nominated": "warning", "confirmed": "success", "rejected": "secondary"})

    class Meta:
        verbose_name = "评先评优推荐"
        verbose_name_plural = "评先评优推荐"
        ordering = ["-year", "kind", "-created_at", "-id"]
        constraints = [
            one_target_constraint("nomination_one_target"),
            models.UniqueConstraint(fields=["kind", "year", "person"],
                                    condition=models.Q(person__isnull=False),
                                    name="one_nomination_per_person_kind_year"),
            models.UniqueConstraint(fields=["kind", "year", "org"],
                                    condition=models.Q(org__isnull=False),
                                    name="one_nomination_per_org_kind_year"),
        ]

    def __str__(self):
        return f"{self.year}年{self.get_kind_display()}：{self.target}"

    def get_absolute_url(self):
        return reverse("assessment:results") + f"?year={self.year}#nominations"


class EligibilityOverrideQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "grade__person__home_org__path"


class EligibilityOverride(models.Model):
    """组织部's reasoned exception for one person graded 差: "原则上不得作为提拔重用和评先评优
    对象" (004 六.4) — the principle admits exceptions, each with its reason, audited."""

    scope_domain = "assessment"

    grade = models.OneToOneField("assessment.AnnualGrade", on_delete=models.CASCADE,
                                 related_name="eligibility_override", verbose_name="年度等次")
    reason = models.CharField("例外理由", max_length=300)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="决定人")
    decided_at = models.DateTimeField("决定时间", auto_now_add=True)

    objects = EligibilityOverrideQuerySet.as_manager()

    class Meta:
        verbose_name = "“差”等次使用例外"
        verbose_name_plural = "“差”等次使用例外"
        ordering = ["-decided_at"]

    def __str__(self):
        return f"{self.grade}：{self.reason}"

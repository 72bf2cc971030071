"""People across the alliance (003 二.4, 二.6): mentor pairs (导师传帮带, 老带新), the roster of
local experts (本土专家服务团), and the member-development quota the alliance holds (党员发展指标):
an activist is recommended, trained in the home branch, granted a quota place and admitted."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from portal.scope import ScopedQuerySetMixin


class AllianceScopedQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "alliance__owner__path"


class MentorPair(models.Model):
    """导师传帮带: an experienced secretary or cadre mentoring a newer one."""

    scope_domain = "alliance"

    alliance = models.ForeignKey("alliances.Alliance", verbose_name="联盟",
                                 on_delete=models.CASCADE, related_name="mentor_pairs")
    mentor = models.ForeignKey("portal.Person", verbose_name="导师", on_delete=models.PROTECT,
                               related_name="alliance_mentees")
    mentee = models.ForeignKey("portal.Person", verbose_name="徒弟", on_delete=models.PROTECT,
                               related_name="alliance_mentors")
    started_on = models.DateField("结对日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    goals = models.TextField("帮带目标", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = AllianceScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "导师传帮带"
        verbose_name_plural = "导师传帮带"
        ordering = ["alliance", "-started_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(mentor=F("mentee")),
                                   name="mentor_is_not_own_mentee"),
            models.UniqueConstraint(fields=["alliance", "mentor", "mentee"],
                                    condition=Q(ended_on__isnull=True),
                                    name="one_current_mentor_pair"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True)
                                   | Q(ended_on__gte=F("started_on")),
                                   name="mentor_pair_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.mentor} 带 {self.mentee}"


class Expert(models.Model):
    """A local expert (本土专家) on the alliance's service roster, with specialties that are
    matched against member villages' needs."""

    scope_domain = "alliance"

    alliance = models.ForeignKey("alliances.Alliance", verbose_name="联盟",
                                 on_delete=models.CASCADE, related_name="experts")
    person = models.ForeignKey("portal.Person", verbose_name="专家", on_delete=models.PROTECT,
                               related_name="alliance_expertise")
    specialties = models.CharField("专长", max_length=200,
                                   help_text="多个专长用逗号或顿号分隔，如：中药材种植、电商销售。")
    introduction = models.TextField("简介", blank=True)
    active = models.BooleanField("在册", default=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField("加入时间", auto_now_add=True)

    objects = AllianceScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "本土专家"
        verbose_name_plural = "本土专家服务团"
        ordering = ["alliance", "person__name", "id"]
        constraints = [models.UniqueConstraint(fields=["alliance", "person"],
                                               name="one_expert_entry_per_alliance")]

    def __str__(self):
        return f"{self.person}（{self.specialties}）"


class DevelopmentQuota(models.Model):
    """The member-development places (党员发展指标) the county gives an alliance for a year."""

    scope_domain = "alliance"

    alliance = models.ForeignKey("alliances.Alliance", verbose_name="联盟",
                                 on_delete=models.CASCADE, related_name="development_quotas")
    year = models.PositiveSmallIntegerField("年度")
    places = models.PositiveSmallIntegerField("指标数")
    note = models.CharField("说明", max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    set_at = models.DateTimeField("设定时间", auto_now=True)
    history = HistoricalRecords()

    objects = AllianceScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "党员发展指标"
        verbose_name_plural = "党员发展指标"
        ordering = ["-year", "alliance"]
        constraints = [models.UniqueConstraint(fields=["alliance", "year"],
                                               name="one_quota_per_alliance_year")]

    def __str__(self):
        return f"{self.alliance} {self.year}年 {self.places}名"


class CandidateStage(models.TextChoices):
    RECOMMENDED = "recommended", "已推荐"
    TRAINING = "training", "培养中"
    QUOTA_GRANTED = "quota_granted", "已给予指标"
    ADMITTED = "admitted", "已吸收入党"
    WITHDRAWN = "withdrawn", "已退出"


# Stages that hold one of the year's quota places.
QUOTA_HOLDING = (CandidateStage.QUOTA_GRANTED, CandidateStage.ADMITTED)


class DevelopmentCandidate(models.Model):
    """An activist (入党积极分子) recommended to the alliance: trained in the home branch
    (所属党组织), then granted one of the alliance's quota places and admitted. Every step is
    audited and kept in the history."""

    scope_domain = "alliance"

    alliance = models.ForeignKey("alliances.Alliance", verbose_name="联盟",
                                 on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey("portal.Person", verbose_name="积极分子",
                               on_delete=models.PROTECT, related_name="alliance_candidacies")
    branch = models.ForeignKey("portal.Organization", verbose_name="所属党组织（培养）",
                               on_delete=models.PROTECT, related_name="+")
    recommended_by = models.ForeignKey("portal.Organization", verbose_name="推荐组织",
                                       on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField("年度")
    stage = models.CharField("阶段", max_length=16, choices=CandidateStage.choices,
                             default=CandidateStage.RECOMMENDED, db_index=True)
    reason = models.TextField("推荐理由")
    recommended_on = models.DateField("推荐日期")
    training_since = models.DateField("开始培养日期", null=True, blank=True)
    quota_granted_on = models.DateField("给予指标日期", null=True, blank=True)
    admitted_on = models.DateField("吸收日期", null=True, blank=True)
    note = models.CharField("备注", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    history = HistoricalRecords()

    objects = AllianceScopedQuerySet.as_manager()

    class Meta:
        verbose_name = "党员发展推荐人选"
        verbose_name_plural = "党员发展推荐人选"
        ordering = ["alliance", "-year", "stage", "id"]
        constraints = [models.UniqueConstraint(fields=["alliance", "person"],
                                               condition=~Q(stage="withdrawn"),
                                               name="one_live_candidacy_per_person")]

    def __str__(self):
        return f"{self.person}（{self.get_stage_display()}）"

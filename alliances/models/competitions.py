"""The half-yearly 擂台赛 (003 二.3): a round with entrant alliances, judges and weighted
criteria; each judge scores each entrant on each criterion; results are ranked and published."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from portal.scope import ScopedQuerySetMixin


class CompetitionStatus(models.TextChoices):
    OPEN = "open", "评分中"
    PUBLISHED = "published", "已公布"


class CompetitionQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "owner__path"


class Competition(models.Model):
    """A 擂台赛 round of one owner (a township or the county) for a half year: open while judges
    score, then published with its ranked results."""

    scope_domain = "alliance"

    owner = models.ForeignKey("portal.Organization", verbose_name="主办单位",
                              on_delete=models.PROTECT, related_name="competitions")
    title = models.CharField("名称", max_length=100)
    year = models.PositiveSmallIntegerField("年度")
    half = models.PositiveSmallIntegerField("半年", choices=[(1, "上半年"), (2, "下半年")])
    held_on = models.DateField("举办日期")
    status = models.CharField("状态", max_length=16, choices=CompetitionStatus.choices,
                              default=CompetitionStatus.OPEN)
    published_at = models.DateTimeField("公布时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    objects = CompetitionQuerySet.as_manager()

    class Meta:
        verbose_name = "擂台赛"
        verbose_name_plural = "擂台赛"
        ordering = ["-year", "-half", "owner__path"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("alliances:competition_detail", args=[self.pk])


class Criterion(models.Model):
    """A weighted criterion; a competition's weights sum to 100."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE,
                                    related_name="criteria", verbose_name="擂台赛")
    name = models.CharField("评分项", max_length=100)
    weight = models.DecimalField("权重（%）", max_digits=5, decimal_places=2,
                                 validators=[MinValueValidator(0), MaxValueValidator(100)])
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "评分项"
        verbose_name_plural = "评分项"
        ordering = ["competition", "order", "id"]

    def __str__(self):
        return self.name


class Entrant(models.Model):
    """An alliance taking part, with the topic it competes on (打擂主题)."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE,
                                    related_name="entrants", verbose_name="擂台赛")
    alliance = models.ForeignKey("alliances.Alliance", verbose_name="参赛联盟",
                                 on_delete=models.PROTECT, related_name="entries")
    topic = models.CharField("打擂主题", max_length=200, blank=True)

    class Meta:
        verbose_name = "参赛联盟"
        verbose_name_plural = "参赛联盟"
        ordering = ["competition", "alliance__name"]
        constraints = [models.UniqueConstraint(fields=["competition", "alliance"],
                                               name="one_entry_per_alliance")]

    def __str__(self):
        return str(self.alliance)


class Judge(models.Model):
    """A seated judge; never scores an entrant whose member organizations they serve."""

    competition = models.ForeignKey(Competition, on_delete=models.CASCADE,
                                    related_name="judges", verbose_name="擂台赛")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评委",
                             on_delete=models.PROTECT, related_name="judgings")

    class Meta:
        verbose_name = "评委"
        verbose_name_plural = "评委"
        ordering = ["competition", "id"]
        constraints = [models.UniqueConstraint(fields=["competition", "user"],
                                               name="one_judge_seat")]

    def __str__(self):
        return self.user.get_full_name() or self.user.username


class JudgeScore(models.Model):
    """One judge's score of one entrant on one criterion (0–100)."""

    judge = models.ForeignKey(Judge, on_delete=models.CASCADE, related_name="scores",
                              verbose_name="评委")
    entrant = models.ForeignKey(Entrant, on_delete=models.CASCADE, related_name="scores",
                                verbose_name="参赛联盟")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="scores",
                                  verbose_name="评分项")
    score = models.DecimalField("得分（0–100）", max_digits=5, decimal_places=1,
                                validators=[MinValueValidator(0), MaxValueValidator(100)])
    scored_at = models.DateTimeField("评分时间", auto_now=True)

    class Meta:
        verbose_name = "评委评分"
        verbose_name_plural = "评委评分"
        ordering = ["judge", "entrant", "criterion"]
        constraints = [models.UniqueConstraint(fields=["judge", "entrant", "criterion"],
                                               name="one_score_per_judge_entrant_criterion")]

    def __str__(self):
        return f"{self.judge} · {self.entrant} · {self.criterion}: {self.score}"

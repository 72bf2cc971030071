"""例会, 观摩 and 轮办 (003 二.3, 二.7): alliance meetings and site visits with their minutes,
attendees and photos, hosted in turn by the members; and the year-end review (年底述职相互评):
each member reports, members score each other, and the result is the alliance's 年度考评."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from portal.scope import ScopedQuerySetMixin


class MeetingKind(models.TextChoices):
    REGULAR = "regular", "联盟例会"
    SITE_VISIT = "site_visit", "现场观摩"
    ROTATING = "rotating", "党建活动轮办"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "计划召开"
    HELD = "held", "已召开"
    CANCELLED = "cancelled", "已取消"


class MeetingQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "alliance__owner__path"


class Meeting(models.Model):
    """A meeting, site visit or rotating activity of an alliance, hosted by one member."""

    scope_domain = "alliance"

    alliance = models.ForeignKey("alliances.Alliance", verbose_name="联盟",
                                 on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField("类型", max_length=12, choices=MeetingKind.choices,
                            default=MeetingKind.REGULAR)
    title = models.CharField("主题", max_length=100)
    starts_at = models.DateTimeField("时间")
    place = models.CharField("地点", max_length=100)
    host_org = models.ForeignKey("portal.Organization", verbose_name="承办成员", null=True,
                                 blank=True, on_delete=models.PROTECT,
                                 related_name="hosted_alliance_meetings")
    agenda = models.TextField("议程", blank=True)
    minutes = models.TextField("会议纪要", blank=True)
    status = models.CharField("状态", max_length=12, choices=MeetingStatus.choices,
                              default=MeetingStatus.PLANNED)
    cancel_reason = models.CharField("取消原因", max_length=300, blank=True)
    attendees = models.ManyToManyField("portal.Person", verbose_name="参加人员", blank=True,
                                       related_name="alliance_meetings")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "联盟例会与观摩"
        verbose_name_plural = "联盟例会与观摩"
        ordering = ["-starts_at", "-id"]
        indexes = [
            models.Index(fields=["alliance", "starts_at"], name="meeting_alliance_time"),
            # 联盟例会 lists the planned ones soonest first: walked in order to the page's LIMIT
            # instead of filtering every meeting of the city (12,000, most held long ago).
            models.Index(fields=["starts_at", "id"], condition=Q(status="planned"),
                         name="meeting_planned_time"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("alliances:meeting_detail", args=[self.pk])


class MeetingPhoto(models.Model):
    """A photo (or scanned sign-in sheet) of a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="photos",
                                verbose_name="会议")
    file = models.FileField("照片", upload_to="alliances/meetings/%Y/%m/")
    thumbnail = models.ImageField("缩略图", upload_to="alliances/meetings/thumbs/%Y/%m/",
                                  blank=True)
    caption = models.CharField("说明", max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "会议照片"
        verbose_name_plural = "会议照片"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.caption or self.file.name


class ReviewStatus(models.TextChoices):
    OPEN = "open", "述职互评中"
    CLOSED = "closed", "已完成"


class ReviewQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "alliance__owner__path"


class AnnualReview(models.Model):
    """年底述职相互评 of one alliance for one year. Closing it computes each member's average
    peer score and rank, and the alliance's 年度考评 score (the mean of its members')."""

    scope_domain = "alliance"

    alliance = models.ForeignKey("alliances.Alliance", verbose_name="联盟",
                                 on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField("年度")
    status = models.CharField("状态", max_length=8, choices=ReviewStatus.choices,
                              default=ReviewStatus.OPEN)
    score = models.DecimalField("年度考评得分", max_digits=5, decimal_places=2, null=True,
                                blank=True)
    summary = models.TextField("考评意见", blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    opened_at = models.DateTimeField("发起时间", auto_now_add=True)
    closed_at = models.DateTimeField("完成时间", null=True, blank=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        verbose_name = "年底述职互评"
        verbose_name_plural = "年底述职互评"
        ordering = ["-year", "alliance"]
        constraints = [models.UniqueConstraint(fields=["alliance", "year"],
                                               name="one_review_per_alliance_year")]

    def __str__(self):
        return f"{self.alliance} {self.year}年度述职互评"

    def get_absolute_url(self):
        return reverse("alliances:review_detail", args=[self.pk])


class MemberReport(models.Model):
    """A member organization's 述职 in the year-end review, with its result once closed."""

    review = models.ForeignKey(AnnualReview, on_delete=models.CASCADE, related_name="reports",
                               verbose_name="述职互评")
    member = models.ForeignKey("portal.Organization", verbose_name="成员组织",
                               on_delete=models.PROTECT, related_name="+")
    reporter = models.ForeignKey("portal.Person", verbose_name="述职人", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    content = models.TextField("述职内容")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField("提交时间", auto_now=True)
    peer_average = models.DecimalField("互评平均分", max_digits=5, decimal_places=2, null=True,
                                       blank=True)
    rank = models.PositiveSmallIntegerField("名次", null=True, blank=True)

    class Meta:
        verbose_name = "成员述职"
        verbose_name_plural = "成员述职"
        ordering = ["review", "rank", "member__path"]
        constraints = [models.UniqueConstraint(fields=["review", "member"],
                                               name="one_report_per_member")]

    def __str__(self):
        return f"{self.member} 述职"


class PeerScore(models.Model):
    """One member's score of another (相互评), 0–100."""

    review = models.ForeignKey(AnnualReview, on_delete=models.CASCADE,
                               related_name="peer_scores", verbose_name="述职互评")
    rater = models.ForeignKey("portal.Organization", verbose_name="评价组织",
                              on_delete=models.PROTECT, related_name="+")
    ratee = models.ForeignKey("portal.Organization", verbose_name="被评组织",
                              on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField("得分", validators=[MinValueValidator(0),
                                                                  MaxValueValidator(100)])
    comment = models.CharField("评语", max_length=300, blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    scored_at = models.DateTimeField("评分时间", auto_now=True)

    class Meta:
        verbose_name = "相互评分"
        verbose_name_plural = "相互评分"
        ordering = ["review", "ratee", "rater"]
        constraints = [
            models.UniqueConstraint(fields=["review", "rater", "ratee"],
                                    name="one_peer_score_per_pair"),
            models.CheckConstraint(condition=~Q(rater=F("ratee")), name="no_self_peer_score"),
            models.CheckConstraint(condition=Q(score__lte=100), name="peer_score_at_most_100"),
        ]

    def __str__(self):
        return f"{self.rater} → {self.ratee} {self.score}"

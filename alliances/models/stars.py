"""Dynamic stars (动态评星, 003 二.3): 1–5 stars per alliance per quarter, from its score by
absolute thresholds or set by county staff with a reason; every change kept with its reason."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.scope import ScopedQuerySetMixin


class StarSource(models.TextChoices):
    SCORE = "score", "按考核得分"
    MANUAL = "manual", "人工评定"


class StarQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "alliance__owner__path"


class StarRating(models.Model):
    """The stars an alliance holds for a quarter. A re-rating of the same quarter is a new row
    (the latest counts), so the history of changes and their reasons is kept."""

    scope_domain = "alliance"

    alliance = models.ForeignKey("alliances.Alliance", verbose_name="联盟",
                                 on_delete=models.CASCADE, related_name="star_ratings")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度", validators=[MinValueValidator(1),
                                                                    MaxValueValidator(4)])
    stars = models.PositiveSmallIntegerField("星级", validators=[MinValueValidator(1),
                                                                  MaxValueValidator(5)])
    score = models.DecimalField("得分", max_digits=7, decimal_places=2, null=True, blank=True)
    source = models.CharField("来源", max_length=8, choices=StarSource.choices)
    reason = models.CharField("评定理由", max_length=300)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    rated_at = models.DateTimeField("评定时间", auto_now_add=True)

    objects = StarQuerySet.as_manager()

    class Meta:
        verbose_name = "联盟星级"
        verbose_name_plural = "联盟星级"
        ordering = ["alliance", "-year", "-quarter", "-rated_at", "-id"]
        indexes = [models.Index(fields=["alliance", "year", "quarter"], name="star_quarter")]

    def __str__(self):
        return f"{self.alliance} {self.year}Q{self.quarter} {self.stars}星"

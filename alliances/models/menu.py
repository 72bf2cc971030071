"""The alliance's service menu (联盟活动服务清单, 003 二.7) in the three-way mode "党员群众选、
部门结对送、党建联盟定": members' people vote for items, a unit commits to deliver one, and the
alliance schedules it, which plans an activity in the ledger (ledger.Activity.menu_item)."""

from django.conf import settings
from django.db import models
from django.urls import reverse

from portal.scope import ScopedQuerySetMixin


class MenuChannel(models.TextChoices):
    CHOSEN = "chosen", "党员群众选"
    DELIVERED = "delivered", "部门结对送"
    DECIDED = "decided", "党建联盟定"


class MenuStatus(models.TextChoices):
    OPEN = "open", "征集中"
    COMMITTED = "committed", "已认领承办"
    SCHEDULED = "scheduled", "已排期"
    DONE = "done", "已完成"
    WITHDRAWN = "withdrawn", "已撤下"


class MenuItemQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "alliance__owner__path"


class ServiceMenuItem(models.Model):
    """An item of the alliance's service menu: proposed (by a member or the alliance), voted
    on, committed by a providing unit, scheduled as a planned activity, done."""

    scope_domain = "alliance"

    alliance = models.ForeignKey("alliances.Alliance", verbose_name="联盟",
                                 on_delete=models.CASCADE, related_name="menu_items")
    title = models.CharField("服务项目", max_length=100)
    description = models.TextField("服务内容", blank=True)
    channel = models.CharField("来源方式", max_length=12, choices=MenuChannel.choices,
                               default=MenuChannel.CHOSEN)
    proposed_by_org = models.ForeignKey("portal.Organization", verbose_name="提出组织",
                                        null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    provider = models.ForeignKey("portal.Organization", verbose_name="承办单位", null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=12, choices=MenuStatus.choices,
                              default=MenuStatus.OPEN, db_index=True)
    planned_date = models.DateField("计划日期", null=True, blank=True)
    vote_count = models.PositiveIntegerField("票数", default=0)
    withdraw_reason = models.CharField("撤下原因", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    objects = MenuItemQuerySet.as_manager()

    class Meta:
        verbose_name = "联盟服务清单项目"
        verbose_name_plural = "联盟服务清单"
        ordering = ["alliance", "-vote_count", "-created_at", "-id"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("alliances:menu_item_detail", args=[self.pk])


class ServiceVote(models.Model):
    """One person's vote (党员群众选) for a menu item; one per user and item."""

    item = models.ForeignKey(ServiceMenuItem, on_delete=models.CASCADE, related_name="votes",
                             verbose_name="服务项目")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="+", verbose_name="投票人")
    voted_at = models.DateTimeField("投票时间", auto_now_add=True)

    class Meta:
        verbose_name = "服务清单投票"
        verbose_name_plural = "服务清单投票"
        constraints = [models.UniqueConstraint(fields=["item", "voter"],
                                               name="one_vote_per_user_and_item")]

    def __str__(self):
        return f"{self.voter} → {self.item}"

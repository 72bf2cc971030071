"""The alliances (党建联盟) in the "x+x+x" structure, their types and their members (003)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from portal.scope import ScopedQuerySetMixin, scope_paths, scope_q, under_any_path
from portal.subqueries import count_per


class AllianceType(models.Model):
    """红色引领 / 绿色发展 / 蓝色治理, or a type the county adds, with its colour."""

    code = models.SlugField("编码", max_length=32, unique=True)
    name = models.CharField("类型名称", max_length=50, unique=True)
    colour = models.CharField("颜色", max_length=7, default="#c0392b",
                              help_text="十六进制颜色，如 #c0392b。")
    description = models.CharField("说明", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "联盟类型"
        verbose_name_plural = "联盟类型"
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class AllianceKind(models.TextChoices):
    CORE = "core", "核心联盟（全镇）"
    AREA = "area", "片区联盟"
    TASK = "task", "任务型联盟"


class AllianceQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "owner__path"

    def open(self):
        return self.filter(closed_at__isnull=True)

    def with_member_count(self):
        """`member_count`: the current members, a correlated count per alliance rather than a
        GROUP BY over every membership, so a LIMIT reads the members of the rows shown only."""
        return self.annotate(member_count=count_per(Membership.objects.current(), "alliance"))

    def visible_to(self, user, action="view"):
        """The owner's scope, plus — for a member organization's secretary or contact — the
        alliances their organizations currently belong to (a county-wide task alliance too)."""
        from alliances.scope import member_paths

        capability = action if "." in action else f"{self.model.scope_domain}.{action}"
        by_owner = super().visible_to(user, action)
        paths = member_paths(user, capability)
        if not paths:
            return by_owner
        by_membership = (Membership.objects.current().filter(under_any_path("org__path", paths))
                         .values("alliance_id"))
        return self.filter(Q(pk__in=by_owner.values("pk")) | Q(pk__in=by_membership))


class Alliance(models.Model):
    """A party-building alliance. A core alliance spans its township; area alliances (片区) sit
    under it; a task alliance gathers organizations across fields, places and levels for one
    major issue ("不限领域、不限地域、不限层级") and closes when the task is done."""

    scope_domain = "alliance"

    name = models.CharField("联盟名称", max_length=100)
    kind = models.CharField("层级", max_length=8, choices=AllianceKind.choices)
    type = models.ForeignKey(AllianceType, verbose_name="类型", on_delete=models.PROTECT,
                             related_name="alliances")
    owner = models.ForeignKey("portal.Organization", verbose_name="所属乡镇（县）",
                              on_delete=models.PROTECT, related_name="owned_alliances")
    parent = models.ForeignKey("self", verbose_name="上级联盟", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    lead_org = models.ForeignKey("portal.Organization", verbose_name="牵头组织", null=True,
                                 blank=True, on_delete=models.PROTECT, related_name="+")
    leader = models.ForeignKey("portal.Person", verbose_name="负责人", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="led_alliances")
    founded = models.DateField("成立日期")
    goals = models.TextField("目标任务", blank=True)
    purpose = models.TextField("任务（任务型联盟）", blank=True)
    principles = models.CharField("组建原则", max_length=200, blank=True,
                                  default="地域相邻、资源相融、规模适当")
    closed_at = models.DateField("结束日期", null=True, blank=True,
                                 help_text="任务型联盟完成任务后关闭。")
    close_note = models.CharField("结束说明", max_length=300, blank=True)
    is_demonstration = models.BooleanField("示范点", default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    objects = AllianceQuerySet.as_manager()

    class Meta:
        verbose_name = "党建联盟"
        verbose_name_plural = "党建联盟"
        ordering = ["owner__path", "kind", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="core") | Q(parent__isnull=True),
                                   name="core_alliance_has_no_parent"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("alliances:alliance_detail", args=[self.pk])

    @property
    def is_open(self):
        return self.closed_at is None


class MembershipQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "alliance__owner__path"

    def current(self):
        return self.filter(left_on__isnull=True)


class Membership(models.Model):
    """An organization's membership of an alliance, from `joined_on` until `left_on` (history
    kept: leaving closes the row, joining again opens a new one). An organization may belong to
    several alliances at once."""

    scope_domain = "alliance"

    alliance = models.ForeignKey(Alliance, on_delete=models.CASCADE, related_name="memberships",
                                 verbose_name="联盟")
    org = models.ForeignKey("portal.Organization", verbose_name="成员组织",
                            on_delete=models.PROTECT, related_name="alliance_memberships")
    joined_on = models.DateField("加入日期")
    left_on = models.DateField("退出日期", null=True, blank=True)
    left_reason = models.CharField("退出原因", max_length=200, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "联盟成员"
        verbose_name_plural = "联盟成员"
        ordering = ["alliance", "org__path", "joined_on"]
        constraints = [
            models.UniqueConstraint(fields=["alliance", "org"],
                                    condition=Q(left_on__isnull=True),
                                    name="one_current_membership"),
            models.CheckConstraint(condition=Q(left_on__isnull=True)
                                   | Q(left_on__gte=models.F("joined_on")),
                                   name="membership_left_after_joined"),
        ]

    def __str__(self):
        return f"{self.alliance} · {self.org}"


class OwnerMemberTally(models.Model):
    """联盟成员汇总: per owner (the township or county an alliance belongs to) and member
    organization, the number of the owner's open alliances the organization is a current
    member of, kept by database triggers on the memberships and alliances
    (alliances.member_tally): 联盟总览's distinct members per township count a city's 6,000
    rows above zero instead of every current membership joined with its alliance (12,000)."""

    owner = models.ForeignKey("portal.Organization", verbose_name="所属乡镇（县）",
                              on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    org = models.ForeignKey("portal.Organization", verbose_name="成员组织",
                            on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    alliances = models.IntegerField("所在开放联盟数", default=0)

    class Meta:
        verbose_name = "联盟成员汇总"
        verbose_name_plural = "联盟成员汇总"
        constraints = [models.UniqueConstraint(fields=["owner", "org"],
                                               name="owner_member_tally_one_per_member")]

    def __str__(self):
        return f"{self.owner_id} · {self.org_id}: {self.alliances}"


class AllianceOrOrgScopedQuerySetMixin(ScopedQuerySetMixin):
    """Rows in scope by their alliance's owner or by their own organization (a venue's
    provider, a project's member), read as two IN-subqueries that the org path index serves:
    the OR of both paths across the joins hashed every organization of the city and every row
    of the table (5,800 organizations; 1,100 venues, 6,600 projects) for one village's page."""

    alliance_field = "alliance"
    org_field = "org"

    def visible_to(self, user, action="view"):
        from portal.models import Organization

        capability = action if "." in action else f"{self.model.scope_domain}.{action}"
        paths = scope_paths(user, capability)
        if paths is None:
            return self.all()
        if not paths:
            return self.none()
        orgs = Organization.objects.filter(scope_q(user, capability, "path")).values("pk")
        owned = Alliance.objects.filter(owner__in=orgs).values("pk")
        return self.filter(Q(**{f"{self.alliance_field}__in": owned})
                           | Q(**{f"{self.org_field}__in": orgs}))

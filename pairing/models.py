"""结对共建: pairings, the yearly 三清单一协议, the needs board, joint meetings and
双结对双帮扶 (cadre–household pairing)."""

from django.apps import apps
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from pairing import scope as _capabilities  # noqa: F401  (declares what the workflows name)
from portal.scope import ScopedQuerySetMixin, scope_holds_every_org, scope_paths, scope_q
from portal.workflow import Transition, Workflow

PAIRING_PATHS = ("village_org__path", "city_org__path")


def _both_sides(pairing):
    return [pairing.village_org, pairing.city_org]


def _is_active(pairing):
    return pairing.is_active


def holds_every_pairing(user, action):
    """Whether the user's scope for `action` (a pairing capability) holds the whole tree, so
    every pairing: one query per user object (portal.scope.scope_holds_every_org)."""
    return scope_holds_every_org(user, action if "." in action else f"pairing.{action}")


def pairing_ids_below_roots(user, action):
    """The ids of the pairings in the user's scope for `action` (a pairing capability), as the
    union of the pairings of the villages in scope and those of the units in scope, each read
    through the path index and the pairing's foreign key; None when the scope is empty or holds
    a root of the tree, where the path join of a list is the cheaper reading."""
    capability = action if "." in action else f"pairing.{action}"
    paths = scope_paths(user, capability)
    steplen = apps.get_model("portal", "Organization").steplen
    if not paths or any(len(path) <= steplen for path in paths):
        return None
    village_side, unit_side = (
        Pairing.objects.filter(scope_q(user, capability, path)).order_by().values("pk")
        for path in PAIRING_PATHS)
    return village_side.union(unit_side, all=True)


class Principle(models.TextChoices):
    NEAR = "near", "地域相邻"
    INDUSTRY = "industry", "产业相近"
    COMPLEMENT = "complement", "优势互补"
    CONVENIENT = "convenient", "便于活动"


class PairingStatus(models.TextChoices):
    ACTIVE = "active", "共建中"
    ENDED = "ended", "已结束"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    FILED = "filed", "已备案"
    RETURNED = "returned", "已退回"


class PairingQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = PAIRING_PATHS

    def visible_to(self, user, action="view"):
        """A scope below the tree's roots (a township, a village, a unit) is the union of the
        pairings of its villages and those of its units, each read through the path index and
        the pairing's foreign key: the join of every pairing with both organizations hashed a
        city's 4,800 pairings and 5,800 organizations for a unit's 90. A root keeps the join,
        which lets a list read villages in path order up to its LIMIT; a scope holding the
        whole tree (a county admin of the only county) needs no filter at all: the pairings'
        count and a picker's totals joined a city's 4,800 pairings to the tree for nothing."""
        if holds_every_pairing(user, action):
            return self.all()
        ids = pairing_ids_below_roots(user, action)
        return super().visible_to(user, action) if ids is None else self.filter(pk__in=ids)

    def active(self):
        return self.filter(status=PairingStatus.ACTIVE)


class Pairing(models.Model):
    """结对共建关系: a city organization (unit, community, enterprise) paired with a village."""

    scope_domain = "pairing"

    city_org = models.ForeignKey("portal.Organization", verbose_name="结对单位",
                                 on_delete=models.PROTECT, related_name="pairings_as_city")
    village_org = models.ForeignKey("portal.Organization", verbose_name="结对村",
                                    on_delete=models.PROTECT, related_name="pairings_as_village")
    since = models.DateField("结对日期")
    until = models.DateField("结束日期", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=PairingStatus.choices,
                              default=PairingStatus.ACTIVE, db_index=True)
    principles = models.JSONField("结对原则", default=list, blank=True)
    honorary_head = models.ForeignKey("portal.Person", verbose_name="名誉村长", null=True,
                                      blank=True, on_delete=models.SET_NULL, related_name="+")
    liaison = models.ForeignKey("portal.Person", verbose_name="联络员", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    plan_goals = models.TextField("共建目标", blank=True)
    plan_tasks = models.TextField("共建任务", blank=True)
    plan_measures = models.TextField("保障措施", blank=True)
    plan_status = models.CharField("共建方案状态", max_length=16, choices=PlanStatus.choices,
                                   default=PlanStatus.DRAFT)
    plan_return_reason = models.CharField("退回原因", max_length=300, blank=True)
    plan_filed_at = models.DateTimeField("方案备案时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = "结对共建"
        verbose_name_plural = "结对共建"
        ordering = ["village_org__path", "city_org__path"]
        constraints = [
            models.UniqueConstraint(fields=["city_org", "village_org"],
                                    condition=models.Q(status="active"),
                                    name="one_active_pairing_per_pair"),
        ]

    # The co-building plan (共建方案): either side writes and submits, the county files it.
    workflow = Workflow([
        # A GET page (no url_name, so no POST button); only an active pairing's plan changes.
        Transition("edit_plan", "编辑方案", {"draft", "returned"}, "pairing.plan",
                   condition=_is_active, state_error="共建方案已提交或已备案，不能修改。"),
        Transition("submit_plan", "提交备案", {"draft", "returned"}, "pairing.plan",
                   url_name="pairing:plan_submit", icon="send", style="party",
                   condition=_is_active, confirm="确认提交共建方案吗？提交后不能修改。",
                   state_error="只有草稿或被退回的方案可以提交。"),
        Transition("file_plan", "备案", {"submitted"}, "pairing.file",
                   url_name="pairing:plan_file", icon="archive", style="success",
                   orgs=lambda p: [p.village_org], confirm="确定予以备案吗？",
                   state_error="只有已提交的方案可以备案。"),
        Transition("return_plan", "退回", {"submitted"}, "pairing.file",
                   url_name="pairing:plan_return", style="danger", reason_field="reason",
                   orgs=lambda p: [p.village_org], confirm="确定退回该共建方案吗？",
                   state_error="只有已提交的方案可以退回。"),
    ], orgs=_both_sides, status_field="plan_status",
        badges={"draft": "secondary", "submitted": "primary", "filed": "success",
                "returned": "danger"})

    def __str__(self):
        return f"{self.city_org} ↔ {self.village_org}"

    def get_absolute_url(self):
        return reverse("pairing:pairing_detail", args=[self.pk])

    @property
    def is_active(self):
        """共建中 (not yet ended): only an active pairing is edited, planned and met."""
        return self.status == PairingStatus.ACTIVE

    @property
    def principle_labels(self):
        return [Principle(p).label for p in self.principles if p in Principle.values]


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    FILED = "filed", "已备案"
    RETURNED = "returned", "已退回"


class AgreementQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = tuple(f"pairing__{p}" for p in PAIRING_PATHS)

    def visible_to(self, user, action="view"):
        """Below the tree's roots, the agreements of the pairings in scope by the pairing's id
        (`pairing_ids_below_roots`): the OR of both sides' paths across the joins hashed a
        city's 4,800 pairings with its 5,800 organizations twice for a unit's 90 agreements.
        A scope holding the whole tree needs no filter (their count joined every agreement to
        the tree twice: 7 ms at city)."""
        if holds_every_pairing(user, action):
            return self.all()
        ids = pairing_ids_below_roots(user, action)
        return super().visible_to(user, action) if ids is None else self.filter(pairing__in=ids)

    def current(self):
        """Versions no later version supersedes, as a NOT EXISTS: the LEFT JOIN ... IS NULL it
        replaces was estimated at one row, so PostgreSQL joined and sorted a city's every
        agreement of the year before the list's LIMIT instead of reading villages in order."""
        later = AnnualAgreement.objects.filter(supersedes=models.OuterRef("pk"))
        return self.filter(~models.Exists(later))


class AnnualAgreement(models.Model):
    """三清单一协议: one pairing's yearly agreement with its resource, needs and project lists.

    A filed agreement is read-only; a change makes a new version that supersedes it."""

    scope_domain = "pairing"

    pairing = models.ForeignKey(Pairing, verbose_name="结对关系", on_delete=models.PROTECT,
                                related_name="agreements")
    year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveSmallIntegerField("版本", default=1)
    status = models.CharField("状态", max_length=16, choices=AgreementStatus.choices,
                              default=AgreementStatus.DRAFT, db_index=True)
    terms = models.TextField("协议条款", blank=True)
    village_submitted_at = models.DateTimeField("村党组织确认时间", null=True, blank=True)
    village_submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                             on_delete=models.SET_NULL, related_name="+",
                                             verbose_name="村党组织确认人")
    unit_submitted_at = models.DateTimeField("单位确认时间", null=True, blank=True)
    unit_submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                          on_delete=models.SET_NULL, related_name="+",
                                          verbose_name="单位确认人")
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="备案人")
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by", verbose_name="上一版本")
    signed_scan = models.FileField("签字扫描件", upload_to="agreements/%Y/", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = "三清单一协议"
        verbose_name_plural = "三清单一协议"
        ordering = ["-year", "pairing_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year", "version"],
                                    name="one_agreement_version_per_year"),
        ]

    # Both sides confirm (one endpoint, each side its transition); the county files or returns;
    # a filed agreement changes only through a new version.
    workflow = Workflow([
        Transition("edit", "编辑", {"draft", "returned"}, "pairing.plan"),
        Transition("sign_village", "村党组织确认提交", {"draft", "returned"},
                   "pairing.sign_village", url_name="pairing:agreement_submit", icon="send",
                   style="party", orgs=lambda a: [a.pairing.village_org],
                   condition=lambda a: not a.village_submitted_at,
                   confirm="确认协议内容无误并提交吗？提交后如再修改，需双方重新确认。",
                   state_error="只有草稿或被退回的协议可以提交。"),
        Transition("sign_unit", "结对单位确认提交", {"draft", "returned"}, "pairing.sign_unit",
                   url_name="pairing:agreement_submit", icon="send", style="party",
                   orgs=lambda a: [a.pairing.city_org],
                   condition=lambda a: not a.unit_submitted_at,
                   confirm="确认协议内容无误并提交吗？提交后如再修改，需双方重新确认。",
                   state_error="只有草稿或被退回的协议可以提交。"),
        Transition("file", "备案", {"submitted"}, "pairing.file", target="filed",
                   url_name="pairing:agreement_file", icon="archive", style="success",
                   orgs=lambda a: [a.pairing.village_org],
                   confirm="确定予以备案吗？备案后协议只读，需求清单将发布到村需求看板。",
                   state_error="只有双方都已提交的协议可以备案。"),
        Transition("return", "退回", {"submitted"}, "pairing.file", target="returned",
                   url_name="pairing:agreement_return", style="danger", reason_field="reason",
                   orgs=lambda a: [a.pairing.village_org], confirm="确定退回该协议吗？",
                   state_error="只有已提交的协议可以退回。"),
        Transition("new_version", "新建版本", {"filed"}, "pairing.plan",
                   url_name="pairing:agreement_new_version", icon="files", style="party",
                   condition=lambda a: not hasattr(a, "superseded_by"),
                   confirm="确定基于本备案版本新建草稿吗？原备案版本保留在版本记录中。",
                   state_error="只有已备案的最新版本可以新建版本；草稿可直接修改。"),
    ], orgs=lambda a: _both_sides(a.pairing),
        badges={"draft": "secondary", "submitted": "primary", "filed": "success",
                "returned": "danger"})

    def __str__(self):
        return f"{self.pairing} {self.year}年三清单一协议（第{self.version}版）"

    def get_absolute_url(self):
        return reverse("pairing:agreement_detail", args=[self.pk])

    @property
    def is_editable(self):
        return self.status in (AgreementStatus.DRAFT, AgreementStatus.RETURNED)


class ResourceCategory(models.TextChoices):
    FUNDS = "funds", "资金"
    TECHNOLOGY = "technology", "技术"
    PEOPLE = "people", "人才"
    MATERIALS = "materials", "物资"
    INFORMATION = "information", "信息"
    VENUE = "venue", "场地"


class ResourceItem(models.Model):
    """县直单位资源清单 entry: what the unit can give."""

    agreement = models.ForeignKey(AnnualAgreement, on_delete=models.CASCADE,
                                  related_name="resources", verbose_name="协议")
    category = models.CharField("类别", max_length=16, choices=ResourceCategory.choices)
    description = models.CharField("资源内容", max_length=300)
    estimated_amount = models.DecimalField("折合金额（元）", max_digits=12, decimal_places=2,
                                           null=True, blank=True,
                                           validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = "资源清单"
        verbose_name_plural = "资源清单"
        ordering = ["id"]

    def __str__(self):
        return self.description


class NeedItem(models.Model):
    """村党组织需求清单 entry: what the village needs."""

    agreement = models.ForeignKey(AnnualAgreement, on_delete=models.CASCADE,
                                  related_name="needs", verbose_name="协议")
    title = models.CharField("需求事项", max_length=100)
    description = models.CharField("需求说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "需求清单"
        verbose_name_plural = "需求清单"
        ordering = ["id"]

    def __str__(self):
        return self.title


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "计划中"
    IN_PROGRESS = "in_progress", "实施中"
    DONE = "done", "已完成"
    CANCELLED = "cancelled", "已取消"


class ProjectItem(models.Model):
    """结对共建项目清单 entry: a project both sides carry out."""

    agreement = models.ForeignKey(AnnualAgreement, on_delete=models.CASCADE,
                                  related_name="projects", verbose_name="协议")
    name = models.CharField("项目名称", max_length=100)
    needs = models.ManyToManyField(NeedItem, blank=True, related_name="projects",
                                   verbose_name="对应需求")
    resources = models.ManyToManyField(ResourceItem, blank=True, related_name="projects",
                                       verbose_name="投入资源")
    budget = models.DecimalField("预算（元）", max_digits=12, decimal_places=2, default=0,
                                 validators=[MinValueValidator(0)])
    start_date = models.DateField("开始日期", null=True, blank=True)
    end_date = models.DateField("结束日期", null=True, blank=True)
    milestones = models.TextField("进度节点", blank=True)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0,
                                                validators=[MaxValueValidator(100)])
    status = models.CharField("状态", max_length=16, choices=ProjectStatus.choices,
                              default=ProjectStatus.PLANNED)

    class Meta:
        verbose_name = "项目清单"
        verbose_name_plural = "项目清单"
        ordering = ["id"]

    def __str__(self):
        return self.name


class NeedKind(models.TextChoices):
    PROBLEM = "problem", "问题"
    NEED = "need", "需求"
    SERVICE = "service", "服务"
    THEME_ACTIVITY = "theme_activity", "主题活动"
    SMALL_SERVICE = "small_service", "小微服务"
    PROJECT = "project", "结对共建项目"
    MICRO_WISH = "micro_wish", "微心愿"


class NeedStatus(models.TextChoices):
    PUBLISHED = "published", "发布中"
    COMPLETED = "completed", "已完成"  # every place confirmed (pairing.services.needs)
    CLOSED = "closed", "已关闭"


class NeedQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "village_org__path"

    def open(self):
        return self.filter(status=NeedStatus.PUBLISHED)


class Need(models.Model):
    """A village's published item on the needs board (问题/需求/服务清单, 主题活动, 小微服务,
    结对共建项目, 微心愿) that talents and units claim online."""

    scope_domain = "need"

    village_org = models.ForeignKey("portal.Organization", verbose_name="发布村",
                                    on_delete=models.PROTECT, related_name="needs")
    kind = models.CharField("类别", max_length=16, choices=NeedKind.choices,
                            default=NeedKind.NEED)
    title = models.CharField("标题", max_length=100)
    description = models.TextField("内容")
    deadline = models.DateField("截止日期")
    places = models.PositiveSmallIntegerField("需要人数", default=1,
                                              validators=[MinValueValidator(1),
                                                          MaxValueValidator(200)])
    taken_places = models.PositiveSmallIntegerField("已认领人数", default=0)
    status = models.CharField("状态", max_length=16, choices=NeedStatus.choices,
                              default=NeedStatus.PUBLISHED, db_index=True)
    source_item = models.ForeignKey(NeedItem, verbose_name="来源需求清单", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="board_needs")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="发布人")
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = "需求事项"
        verbose_name_plural = "需求事项"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(taken_places__lte=models.F("places")),
                                   name="need_places_not_overbooked"),
        ]
        # The needs board's two orders (newest first; claimable by deadline): a page of 20
        # reads the index instead of sorting every need (21,000 at city scale).
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="need_newest_first"),
            models.Index(fields=["deadline", "-id"], name="need_by_deadline"),
        ]

    workflow = Workflow([
        Transition("edit", "修改", {"published"}, "need.publish", url_name="",
                   state_error="已完成或已关闭的事项不能修改。"),
        Transition("close", "关闭", {"published"}, "need.publish", target="closed",
                   url_name="pairing:need_close", icon="x-circle", style="outline-secondary",
                   confirm="确定关闭该事项吗？关闭后不再接受认领。",
                   state_error="该事项已完成或已关闭。"),
    ], orgs=lambda n: [n.village_org],
        badges={"published": "success", "completed": "primary", "closed": "secondary"})

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("pairing:need_detail", args=[self.pk])

    @property
    def free_places(self):
        return max(self.places - self.taken_places, 0)


class ClaimStatus(models.TextChoices):
    CLAIMED = "claimed", "已认领"
    DONE = "done", "待确认"
    CONFIRMED = "confirmed", "已确认"
    WITHDRAWN = "withdrawn", "已撤回"


# Claims that hold a place on their need.
PLACE_HOLDING = (ClaimStatus.CLAIMED, ClaimStatus.DONE, ClaimStatus.CONFIRMED)


class ClaimQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "need__village_org__path"


class Claim(models.Model):
    """认领: a talent or unit contact taking a place on a need, reporting and being confirmed."""

    scope_domain = "need"

    need = models.ForeignKey(Need, on_delete=models.PROTECT, related_name="claims",
                             verbose_name="需求事项")
    claimant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="claims", verbose_name="认领人")
    status = models.CharField("状态", max_length=16, choices=ClaimStatus.choices,
                              default=ClaimStatus.CLAIMED, db_index=True)
    result = models.TextField("完成情况", blank=True)
    evidence = models.FileField("佐证材料", upload_to="claims/%Y/%m/", blank=True)
    rating = models.PositiveSmallIntegerField("评分", null=True, blank=True,
                                              validators=[MinValueValidator(1),
                                                          MaxValueValidator(5)])
    comment = models.CharField("评价", max_length=300, blank=True)
    created_at = models.DateTimeField("认领时间", auto_now_add=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = "认领"
        verbose_name_plural = "认领"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "claimant"],
                condition=models.Q(status__in=["claimed", "done", "confirmed"]),
                name="one_live_claim_per_person_and_need"),
        ]

    # The claimant withdraws or reports; the village confirms or sends back. Each move leaves
    # a ClaimEvent row.
    workflow = Workflow([
        Transition("withdraw", "撤回认领", {"claimed"}, "need.claim", target="withdrawn",
                   url_name="pairing:claim_withdraw", style="outline-danger",
                   guard=lambda c, user: c.claimant_id == user.pk,
                   confirm="确定撤回认领吗？名额将释放给其他人。",
                   state_error="已报告完成的认领不能撤回。", denied="只能处理自己的认领。"),
        Transition("report", "报告完成", {"claimed"}, "need.claim", target="done",
                   guard=lambda c, user: c.claimant_id == user.pk,
                   state_error="当前状态不能报告完成。", denied="只能处理自己的认领。"),
        Transition("confirm", "确认完成", {"done"}, "need.confirm", target="confirmed",
                   state_error="只有待确认的认领可以确认。"),
        Transition("send_back", "退回", {"done"}, "need.confirm", target="claimed",
                   reason_field="reason", style="danger",
                   state_error="只有待确认的认领可以退回。"),
    ], orgs=lambda c: [c.need.village_org],
        badges={"claimed": "primary", "done": "warning", "confirmed": "success",
                "withdrawn": "secondary"})

    def __str__(self):
        return f"{self.claimant} 认领 {self.need}"

    def get_absolute_url(self):
        return reverse("pairing:need_detail", args=[self.need_id]) + f"#claim-{self.pk}"


class ClaimEvent(models.Model):
    """One transition of a claim: who moved it, when, from which status to which."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events",
                              verbose_name="认领")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name="操作人")
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16)
    note = models.CharField("说明", max_length=300, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "认领记录"
        verbose_name_plural = "认领记录"
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.claim_id}: {self.from_status or '—'} → {self.to_status}"


class JointMeetingQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = tuple(f"pairing__{p}" for p in PAIRING_PATHS)


class JointMeeting(models.Model):
    """联席会议: the half-yearly meeting of a pairing, chaired by the 名誉村长 and the
    village party leader."""

    scope_domain = "pairing"

    pairing = models.ForeignKey(Pairing, on_delete=models.PROTECT, related_name="meetings",
                                verbose_name="结对关系")
    year = models.PositiveSmallIntegerField("年度")
    half = models.PositiveSmallIntegerField("半年", choices=[(1, "上半年"), (2, "下半年")])
    date = models.DateField("会议日期")
    place = models.CharField("地点", max_length=100)
    unit_chair = models.ForeignKey("portal.Person", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="主持人（名誉村长）")
    village_chair = models.ForeignKey("portal.Person", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+",
                                      verbose_name="主持人（村党组织负责人）")
    attendees = models.TextField("参会人员")
    topics = models.TextField("议题")
    decisions = models.TextField("议定事项", blank=True)
    minutes = models.FileField("会议纪要", upload_to="meetings/%Y/", blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = JointMeetingQuerySet.as_manager()

    class Meta:
        verbose_name = "联席会议"
        verbose_name_plural = "联席会议"
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year", "half"],
                                    name="one_joint_meeting_per_half_year"),
        ]

    def __str__(self):
        return f"{self.pairing} {self.year}年{self.get_half_display()}联席会议"

    def get_absolute_url(self):
        return reverse("pairing:meeting_detail", args=[self.pk])


class DifficultyType(models.TextChoices):
    POVERTY = "poverty", "低收入"
    ILLNESS = "illness", "因病"
    DISABILITY = "disability", "因残"
    ELDERLY = "elderly", "高龄独居"
    EDUCATION = "education", "因学"
    DISASTER = "disaster", "因灾"
    OTHER = "other", "其他"


class HouseholdQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "village_org__path"


class AidHousehold(models.Model):
    """A household in difficulty (困难户/困难党员) in a village; personal data stays in scope."""

    scope_domain = "aid"

    village_org = models.ForeignKey("portal.Organization", verbose_name="所在村",
                                    on_delete=models.PROTECT, related_name="aid_households")
    head_name = models.CharField("户主姓名", max_length=50)
    members = models.PositiveSmallIntegerField("家庭人口", default=1,
                                               validators=[MinValueValidator(1)])
    difficulty = models.CharField("困难类型", max_length=16, choices=DifficultyType.choices)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    is_party_member = models.BooleanField("困难党员", default=False)
    is_active = models.BooleanField("帮扶中", default=True)
    history = HistoricalRecords()

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = "帮扶对象"
        verbose_name_plural = "帮扶对象"
        ordering = ["village_org__path", "head_name"]

    def __str__(self):
        return self.head_name

    def get_absolute_url(self):
        return reverse("pairing:aid_household_detail", args=[self.pk])


class AidPairingQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "household__village_org__path"


class AidPairing(models.Model):
    """双结对双帮扶: a cadre paired with a household, with a help plan and visits."""

    scope_domain = "aid"

    cadre = models.ForeignKey("portal.Person", verbose_name="帮扶干部", on_delete=models.PROTECT,
                              related_name="aid_pairings")
    household = models.ForeignKey(AidHousehold, verbose_name="帮扶对象",
                                  on_delete=models.PROTECT, related_name="aid_pairings")
    since = models.DateField("结对日期")
    plan = models.TextField("帮扶计划")
    is_active = models.BooleanField("帮扶中", default=True)

    objects = AidPairingQuerySet.as_manager()

    class Meta:
        verbose_name = "干部结对帮扶"
        verbose_name_plural = "干部结对帮扶"
        ordering = ["-since", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cadre", "household"],
                                    condition=models.Q(is_active=True),
                                    name="one_active_aid_pairing"),
        ]

    def __str__(self):
        return f"{self.cadre} → {self.household}"

    def get_absolute_url(self):
        return reverse("pairing:aid_household_detail", args=[self.household_id])


class AidVisit(models.Model):
    """走访记录: one visit of a cadre to the household."""

    aid_pairing = models.ForeignKey(AidPairing, on_delete=models.CASCADE,
                                    related_name="visits", verbose_name="结对帮扶")
    date = models.DateField("走访日期")
    content = models.TextField("帮扶内容")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="登记人")

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.aid_pairing} {self.date}"


class NeedMonthTally(models.Model):
    """需求月度汇总: a village's needs published in a month (local time, the month's first day),
    and how many of them are claimed (a claim holds a place) and confirmed, kept by database
    triggers on the needs and claims (pairing.need_tally): 结对共建统计 and the home's 需求认领趋势
    sum a year's few thousand rows instead of counting its needs against every claim."""

    village_org = models.ForeignKey("portal.Organization", verbose_name="发布村",
                                    on_delete=models.DO_NOTHING, related_name="+",
                                    db_constraint=False)
    month = models.DateField("月份")
    published = models.IntegerField("发布需求数", default=0)
    claimed = models.IntegerField("已认领数", default=0)
    confirmed = models.IntegerField("已确认数", default=0)

    class Meta:
        verbose_name = "需求月度汇总"
        verbose_name_plural = "需求月度汇总"
        constraints = [models.UniqueConstraint(fields=["village_org", "month"],
                                               name="need_tally_one_per_village_month")]
        indexes = [models.Index(fields=["month"], name="need_tally_by_month")]

    def __str__(self):
        return f"{self.village_org_id} {self.month:%Y-%m}: {self.published}"


class VillagePairingTally(models.Model):
    """村结对汇总: a village's 共建中 pairings and its households with an active aid pairing
    (帮扶户数), as of today, kept by database triggers (pairing.village_tally): 结对共建统计 sums
    a row per village instead of counting every pairing and household per view."""

    village_org = models.OneToOneField("portal.Organization", verbose_name="村",
                                       on_delete=models.DO_NOTHING,
                                       related_name="pairing_tally", db_constraint=False)
    active_pairings = models.IntegerField("共建中结对数", default=0)
    households = models.IntegerField("帮扶户数", default=0)

    class Meta:
        verbose_name = "村结对汇总"
        verbose_name_plural = "村结对汇总"

    def __str__(self):
        return f"{self.village_org_id}: {self.active_pairings}"


class VillageYearTally(models.Model):
    """村年度共建汇总: per village and year, its pairings with a filed agreement of the year
    (协议已备案) and the projects of the year's current agreement versions (not cancelled) with
    their budget, kept by database triggers (pairing.village_tally)."""

    village_org = models.ForeignKey("portal.Organization", verbose_name="村",
                                    on_delete=models.DO_NOTHING,
                                    related_name="pairing_year_tallies", db_constraint=False)
    year = models.PositiveSmallIntegerField("年度")
    agreements_filed = models.IntegerField("协议已备案结对数", default=0)
    projects = models.IntegerField("共建项目数", default=0)
    budget = models.DecimalField("项目预算（元）", max_digits=14, decimal_places=2, default=0)

    class Meta:
        verbose_name = "村年度共建汇总"
        verbose_name_plural = "村年度共建汇总"
        constraints = [models.UniqueConstraint(fields=["village_org", "year"],
                                               name="village_year_tally_one_per_village_year")]
        indexes = [models.Index(fields=["year"], name="village_year_tally_by_year")]

    def __str__(self):
        return f"{self.village_org_id} {self.year}: {self.projects}"


class NeedYearTally(models.Model):
    """需求年度汇总: a village's needs of a year (published, claimed, confirmed), the sum of its
    twelve NeedMonthTally rows, kept by database triggers on those (pairing.village_tally):
    结对共建统计 reads one row per village instead of twelve."""

    village_org = models.ForeignKey("portal.Organization", verbose_name="发布村",
                                    on_delete=models.DO_NOTHING,
                                    related_name="need_year_tallies", db_constraint=False)
    year = models.PositiveSmallIntegerField("年度")
    published = models.IntegerField("发布需求数", default=0)
    claimed = models.IntegerField("已认领数", default=0)
    confirmed = models.IntegerField("已确认数", default=0)

    class Meta:
        verbose_name = "需求年度汇总"
        verbose_name_plural = "需求年度汇总"
        constraints = [models.UniqueConstraint(fields=["village_org", "year"],
                                               name="need_year_tally_one_per_village_year")]
        indexes = [models.Index(fields=["year"], name="need_year_tally_by_year")]

    def __str__(self):
        return f"{self.village_org_id} {self.year}: {self.published}"


class NeedDeadlineTally(models.Model):
    """需求截止月汇总: per village and deadline month (the month's first day), its open needs
    (published), those of them not all of whose places are confirmed (past the deadline, such
    a need is overdue: pairing.services.needs.overdue_q), and the claims awaiting confirmation
    on its needs (any need status), kept by database triggers on the needs and claims
    (pairing.need_deadline_tally): 每月调度 sums a few thousand rows instead of counting a
    city's needs against their claims per view. Cells left at zero are deleted."""

    village_org = models.ForeignKey("portal.Organization", verbose_name="发布村",
                                    on_delete=models.DO_NOTHING, related_name="+",
                                    db_constraint=False)
    deadline_month = models.DateField("截止月份")
    open = models.IntegerField("进行中需求数", default=0)
    unfilled = models.IntegerField("未满员需求数", default=0)
    waiting = models.IntegerField("待确认认领数", default=0)

    class Meta:
        verbose_name = "需求截止月汇总"
        verbose_name_plural = "需求截止月汇总"
        constraints = [models.UniqueConstraint(fields=["village_org", "deadline_month"],
                                               name="need_deadline_tally_one_per_cell")]

    def __str__(self):
        return f"{self.village_org_id} {self.deadline_month:%Y-%m}: {self.open}"

"""台账: monthly activities with participants and evidence, period locks, villagers' requests
(民情诉求) and the townships' half-year reports."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from ledger import scope as _capabilities  # noqa: F401  (declares what the workflows name)
from ledger.periods import month_range
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.scope import ScopedQuerySetMixin
from portal.workflow import Transition, Workflow


class ActivityTheme(models.Model):
    """活动主题: the reference list of activity themes named by the seeds (fixtures/)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=40, unique=True)
    order = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "活动主题"
        verbose_name_plural = "活动主题"
        ordering = ["order", "id"]

    def __str__(self):
        return self.name


class ActivityStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待确认"
    CONFIRMED = "confirmed", "已确认"
    RETURNED = "returned", "已退回"


class ActivityQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "org__path"

    def in_month(self, year, month):
        first, next_first = month_range(year, month)
        return self.filter(date__gte=first, date__lt=next_first)

    def counted(self):
        """Activities that count in compliance and statistics (not drafts, not returned)."""
        return self.filter(status__in=[ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED])


class Activity(models.Model):
    """活动台账条目: one co-building activity an organization logged, with what came of it."""

    scope_domain = "ledger"

    org = models.ForeignKey("portal.Organization", verbose_name="组织", on_delete=models.PROTECT,
                            related_name="activities")
    date = models.DateField("活动日期", db_index=True)
    theme = models.ForeignKey(ActivityTheme, verbose_name="活动主题", on_delete=models.PROTECT,
                              related_name="activities")
    title = models.CharField("活动名称", max_length=100)
    place = models.CharField("活动地点", max_length=100, blank=True)
    content = models.TextField("活动内容")
    outcome = models.TextField("活动成效", blank=True)
    beneficiaries = models.PositiveIntegerField("受益群众（人）", default=0)
    funds = models.DecimalField("投入资金（元）", max_digits=12, decimal_places=2, default=0,
                                validators=[MinValueValidator(0)])
    pairing = models.ForeignKey("pairing.Pairing", verbose_name="结对关系", null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="activities")
    need = models.ForeignKey("pairing.Need", verbose_name="认领事项", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="activities")
    alliance = models.ForeignKey("alliances.Alliance", verbose_name="党建联盟", null=True,
                                 blank=True, on_delete=models.SET_NULL,
                                 related_name="activities")
    menu_item = models.ForeignKey("alliances.ServiceMenuItem", verbose_name="联盟服务清单项目",
                                  null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="activities")
    status = models.CharField("状态", max_length=16, choices=ActivityStatus.choices,
                              default=ActivityStatus.DRAFT, db_index=True)
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="确认人", null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    objects = ActivityQuerySet.as_manager()

    # The village (unit) logs and submits; the township (county) confirms or returns.
    workflow = Workflow([
        Transition("edit", "修改", {"draft", "returned"}, "ledger.log",
                   state_error="已提交或已确认的活动不能修改。"),
        Transition("submit", "提交", {"draft", "returned"}, "ledger.log", target="submitted",
                   url_name="ledger:activity_submit", style="party", icon="send",
                   confirm="提交后由乡镇确认，确认前不能再修改。确定提交吗？",
                   state_error="该活动已提交。"),
        Transition("delete", "删除草稿", {"draft"}, "ledger.log",
                   url_name="ledger:activity_delete", style="outline-danger", icon="trash",
                   confirm="确定删除该草稿吗？删除后不能恢复。",
                   state_error="只有草稿可以删除；已提交的活动请联系乡镇退回。"),
        Transition("confirm", "确认", {"submitted"}, "ledger.confirm", target="confirmed",
                   url_name="ledger:activity_confirm", style="party", icon="check2",
                   confirm="确认该活动吗？确认后该活动不能再修改。",
                   state_error="只有待确认的活动可以确认。",
                   denied="只有乡镇（县）管理员可以确认活动台账。"),
        Transition("return", "退回", {"submitted"}, "ledger.confirm", target="returned",
                   url_name="ledger:activity_return", style="danger",
                   icon="arrow-return-left", reason_field="reason",
                   state_error="只有待确认的活动可以退回。",
                   denied="只有乡镇（县）管理员可以退回活动台账。"),
    ], badges={"draft": "secondary", "submitted": "warning", "confirmed": "success",
               "returned": "danger"})

    class Meta:
        verbose_name = "活动台账"
        verbose_name_plural = "活动台账"
        ordering = ["-date", "-id"]
        # The 待确认 queue (submitted, oldest first) and its count: a county's queue reads its
        # first page in order, a township's its villages' entries, instead of every submitted
        # activity (27,000 at city scale) joined and sorted per view.
        # The lists' order (newest date, then id) is an index too: with the date alone,
        # PostgreSQL sorted the whole latest day before a page (1,600 rows at city scale).
        indexes = [models.Index(fields=["date", "id"], name="activity_date_id"),
                   models.Index(fields=["org", "date"], name="activity_org_date"),
                   models.Index(fields=["submitted_at", "id"], include=["org"],
                                condition=models.Q(status="submitted"),
                                name="activity_waiting_queue"),
                   models.Index(fields=["org", "submitted_at"],
                                condition=models.Q(status="submitted"),
                                name="activity_waiting_by_org"),
                   # The county home's "this month's entries to confirm": the month's
                   # submitted ones counted from this index alone, not every activity of the
                   # month read from the date index (25,000 at city scale, 7 ms).
                   models.Index(fields=["date"], condition=models.Q(status="submitted"),
                                name="activity_waiting_by_date")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("ledger:activity_detail", args=[self.pk])

    @property
    def is_editable(self):
        return self.status in (ActivityStatus.DRAFT, ActivityStatus.RETURNED)


class ParticipantRole(models.TextChoices):
    ORGANIZER = "organizer", "组织者"
    PARTICIPANT = "participant", "参与者"
    VOLUNTEER = "volunteer", "志愿者"
    MENTOR = "mentor", "导师"


class ParticipationQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "activity__org__path"


class Participation(models.Model):
    """参与记录: a person who took part in an activity, with hours and role."""

    scope_domain = "ledger"

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE,
                                 related_name="participations", verbose_name="活动")
    person = models.ForeignKey("portal.Person", on_delete=models.PROTECT,
                               related_name="participations", verbose_name="参与人员")
    hours = models.DecimalField("时长（小时）", max_digits=5, decimal_places=1, default=2,
                                validators=[MinValueValidator(0), MaxValueValidator(24)])
    role = models.CharField("角色", max_length=16, choices=ParticipantRole.choices,
                            default=ParticipantRole.PARTICIPANT)

    objects = ParticipationQuerySet.as_manager()

    class Meta:
        verbose_name = "参与记录"
        verbose_name_plural = "参与记录"
        constraints = [models.UniqueConstraint(fields=["activity", "person"],
                                               name="one_participation_per_person")]
        indexes = [models.Index(fields=["person", "activity"], name="participation_person")]

    def __str__(self):
        return f"{self.person} @ {self.activity_id}"


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", "照片"
    FILE = "file", "文件"


class Evidence(models.Model):
    """佐证材料: a photo (thumbnailed, location data stripped) or a PDF of an activity."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="evidence",
                                 verbose_name="活动")
    kind = models.CharField("类型", max_length=8, choices=EvidenceKind.choices)
    file = models.FileField("文件", upload_to="evidence/%Y/%m/")
    thumbnail = models.ImageField("缩略图", upload_to="evidence/thumbs/%Y/%m/", blank=True)
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    size = models.PositiveIntegerField("大小", default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name or self.file.name


class MonthReopening(models.Model):
    """补录开放: a township admin reopened one organization's closed month, with a reason."""

    scope_domain = "ledger"

    org = models.ForeignKey("portal.Organization", verbose_name="组织", on_delete=models.PROTECT,
                            related_name="month_reopenings")
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月", validators=[MinValueValidator(1),
                                                              MaxValueValidator(12)])
    reason = models.CharField("原因", max_length=300)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="开放人")
    reopened_at = models.DateTimeField("开放时间", auto_now_add=True)
    expires_at = models.DateTimeField("截止时间")

    class Meta:
        verbose_name = "补录开放"
        verbose_name_plural = "补录开放"
        ordering = ["-reopened_at", "-id"]
        indexes = [models.Index(fields=["org", "year", "month"], name="reopening_org_month")]

    def __str__(self):
        return f"{self.org} {self.year}年{self.month}月"


class ReopenRequestStatus(models.TextChoices):
    PENDING = "pending", "待处理"
    GRANTED = "granted", "已开放"
    REFUSED = "refused", "未同意"


class ReopenRequestQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "org__path"


class ReopenRequest(models.Model):
    """补录申请: a village (unit) asks its township to reopen a locked month, for an activity
    or for entries still to make; the township grants it (opening the month) or refuses."""

    scope_domain = "ledger"

    org = models.ForeignKey("portal.Organization", verbose_name="组织", on_delete=models.PROTECT,
                            related_name="reopen_requests")
    year = models.PositiveSmallIntegerField("年")
    month = models.PositiveSmallIntegerField("月", validators=[MinValueValidator(1),
                                                              MaxValueValidator(12)])
    activity = models.ForeignKey(Activity, verbose_name="活动", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="reopen_requests")
    reason = models.CharField("申请理由", max_length=300)
    status = models.CharField("状态", max_length=16, choices=ReopenRequestStatus.choices,
                              default=ReopenRequestStatus.PENDING, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                     on_delete=models.SET_NULL, related_name="+",
                                     verbose_name="申请人")
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name="处理人")
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    note = models.CharField("处理意见", max_length=300, blank=True)
    reopening = models.ForeignKey(MonthReopening, verbose_name="补录开放", null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ReopenRequestQuerySet.as_manager()

    # The village asks; the township (county) grants it with the reopen service, or refuses.
    workflow = Workflow([
        Transition("grant", "同意并开放", {"pending"}, "ledger.reopen", target="granted",
                   url_name="ledger:reopen_request_grant", style="success", icon="unlock",
                   confirm="同意后将开放该组织该月的台账补录。确定同意吗？",
                   state_error="该申请已处理。",
                   denied="只有乡镇（县）管理员可以处理补录申请。"),
        Transition("refuse", "不同意", {"pending"}, "ledger.reopen", target="refused",
                   url_name="ledger:reopen_request_refuse", style="danger",
                   reason_field="note", state_error="该申请已处理。",
                   denied="只有乡镇（县）管理员可以处理补录申请。"),
    ], badges={"pending": "warning", "granted": "success", "refused": "secondary"})

    class Meta:
        verbose_name = "补录申请"
        verbose_name_plural = "补录申请"
        ordering = ["-requested_at", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["org", "year", "month"], condition=models.Q(status="pending"),
            name="one_pending_reopen_request")]
        # The whole-tree list (county scope) reads the newest page without sorting them all.
        indexes = [models.Index(fields=["-requested_at", "-id"],
                                name="reopen_request_newest_first")]

    def __str__(self):
        return f"{self.org} {self.year}年{self.month}月补录申请"

    def get_absolute_url(self):
        return reverse("ledger:reopen_request_list")


class RequestStatus(models.TextChoices):
    PENDING = "pending", "待研判"
    JUDGED = "judged", "已研判"
    PUBLISHED = "published", "已发布为需求"
    RESOLVED = "resolved", "已办结"


class RequestCategory(models.TextChoices):
    PRODUCTION = "production", "生产发展"
    LIVELIHOOD = "livelihood", "生活服务"
    INFRASTRUCTURE = "infrastructure", "基础设施"
    GOVERNANCE = "governance", "矛盾纠纷"
    HEALTH = "health", "医疗健康"
    EDUCATION = "education", "教育文化"
    OTHER = "other", "其他"


class ResidentRequestQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "village_org__path"


class ResidentRequest(models.Model):
    """民情诉求: a villager's request, collected and judged daily (日汇总、日研判)."""

    scope_domain = "resident"

    village_org = models.ForeignKey("portal.Organization", verbose_name="村",
                                    on_delete=models.PROTECT, related_name="resident_requests")
    date = models.DateField("收集日期", db_index=True)
    category = models.CharField("类别", max_length=16, choices=RequestCategory.choices)
    content = models.TextField("诉求内容")
    raised_by = models.CharField("反映人", max_length=50, blank=True)
    raised_by_phone = models.CharField("联系电话", max_length=20, blank=True)
    status = models.CharField("状态", max_length=16, choices=RequestStatus.choices,
                              default=RequestStatus.PENDING, db_index=True)
    judgement = models.TextField("研判意见", blank=True)
    judged_at = models.DateTimeField("研判时间", null=True, blank=True)
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+",
                                  verbose_name="研判人")
    need = models.OneToOneField("pairing.Need", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="resident_request", verbose_name="发布的需求")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+",
                                    verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = ResidentRequestQuerySet.as_manager()

    # The village records, judges (again, while not published), publishes or resolves.
    workflow = Workflow([
        Transition("edit", "修改", {"pending"}, "resident.change",
                   state_error="已研判或已处理的诉求不能修改。"),
        Transition("judge", "研判", {"pending", "judged"}, "resident.change",
                   target="judged", reason_field="judgement",
                   state_error="该诉求已发布或已办结，不能再研判。",
                   denied="只有本村党组织可以研判。"),
        # A form page (title, deadline...), not a one-click POST: no url_name.
        Transition("publish", "发布为需求", {"pending", "judged"}, "resident.change",
                   target="published", condition=lambda r: r.need_id is None,
                   state_error="该诉求已发布为需求或已办结，不能重复发布。"),
        Transition("resolve", "办结", {"pending", "judged", "published"}, "resident.change",
                   target="resolved", url_name="ledger:request_resolve", style="success",
                   icon="check2-circle", confirm="确定将该诉求标记为已办结吗？",
                   state_error="该诉求已办结。"),
    ], orgs=lambda r: [r.village_org],
        badges={"pending": "warning", "judged": "info", "published": "primary",
                "resolved": "success"})

    class Meta:
        verbose_name = "民情诉求"
        verbose_name_plural = "民情诉求"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.date} {self.get_category_display()}"

    def get_absolute_url(self):
        return reverse("ledger:request_detail", args=[self.pk])


class ReportStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交"
    FILED = "filed", "已备案"
    RETURNED = "returned", "已退回"


class TownshipReportQuerySet(ScopedQuerySetMixin, models.QuerySet):
    scope_path_field = "township__path"


class TownshipReport(models.Model):
    """乡镇半年工作报告: figures compiled from the ledger, text written by the township,
    submitted to and filed by 县委组织部 (004 四.二.3)."""

    scope_domain = "report"

    township = models.ForeignKey("portal.Organization", verbose_name="乡镇",
                                 on_delete=models.PROTECT, related_name="half_year_reports")
    year = models.PositiveSmallIntegerField("年度")
    half = models.PositiveSmallIntegerField("半年", choices=[(1, "上半年"), (2, "下半年")])
    figures = models.JSONField("统计数据", default=dict, blank=True)
    summary = models.TextField("工作开展情况", blank=True)
    problems = models.TextField("存在问题", blank=True)
    next_steps = models.TextField("下步打算", blank=True)
    status = models.CharField("状态", max_length=16, choices=ReportStatus.choices,
                              default=ReportStatus.DRAFT)
    return_reason = models.CharField("退回原因", max_length=300, blank=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name="备案人")
    history = HistoricalRecords()

    objects = TownshipReportQuerySet.as_manager()

    # The township writes and submits; 县委组织部 files it or returns it with a reason.
    workflow = Workflow([
        Transition("write", "撰写", {"draft", "returned"}, "report.write",
                   state_error="报告已提交或已备案，不能修改。"),
        Transition("submit", "提交", {"draft", "returned"}, "report.write", target="submitted",
                   state_error="报告已提交或已备案，不能重复提交。"),
        Transition("file", "备案", {"submitted"}, "report.file", target="filed",
                   url_name="ledger:report_file", style="success", icon="archive",
                   confirm="确定予以备案吗？备案后报告和统计数据只读。",
                   state_error="只有已提交的报告可以备案。"),
        Transition("return", "退回", {"submitted"}, "report.file", target="returned",
                   url_name="ledger:report_return", style="danger", reason_field="reason",
                   state_error="只有已提交的报告可以退回。"),
    ], orgs=lambda r: [r.township],
        badges={"draft": "secondary", "submitted": "warning", "filed": "success",
                "returned": "danger"})

    class Meta:
        verbose_name = "乡镇半年报告"
        verbose_name_plural = "乡镇半年报告"
        ordering = ["-year", "-half", "township__path"]
        constraints = [models.UniqueConstraint(fields=["township", "year", "half"],
                                               name="one_report_per_township_half")]

    def __str__(self):
        return f"{self.township} {self.year}年{self.get_half_display()}工作报告"

    def get_absolute_url(self):
        return reverse("ledger:report_detail", args=[self.pk])

    @property
    def is_editable(self):
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)


# --- Monthly tallies (月度汇总) ------------------------------------------------------------------
# Kept by database triggers (ledger/tallies.py) in the transaction of every write to activities,
# participations or a person's home organization, whichever code path writes them; the
# compliance matrices read them instead of scanning the participations. A month is its first
# day; `pairing` is 0 for activities linked to no pairing (a plain key, so the unique
# constraints hold on both databases), hence no database constraint on it.

class OrgMonthTally(models.Model):
    """组织月度活动数: counted activities (submitted or confirmed) of one organization in one
    month, per linked pairing, and their participations (参加人次)."""

    org = models.ForeignKey("portal.Organization", verbose_name="组织", on_delete=models.CASCADE,
                            related_name="+")
    pairing = models.ForeignKey("pairing.Pairing", verbose_name="结对关系", related_name="+",
                                on_delete=models.DO_NOTHING, db_constraint=False)
    month = models.DateField("月份")
    activities = models.IntegerField("活动数", default=0)
    participations = models.IntegerField("参加人次", default=0, db_default=0)

    class Meta:
        verbose_name = "组织月度活动数"
        verbose_name_plural = "组织月度活动数"
        constraints = [models.UniqueConstraint(fields=["org", "pairing", "month"],
                                               name="one_org_month_tally")]
        # A year of tallies (the org matrix's columns, the home trends: 110,000 rows at city
        # scale) and a month's participations read from the index alone.
        indexes = [models.Index(fields=["month", "org", "activities", "participations"],
                                name="org_tally_month_people")]

    def __str__(self):
        return f"{self.org_id} {self.month:%Y-%m}: {self.activities}"


class PersonMonthTally(models.Model):
    """人员月度参加次数: counted activities of one organization one person took part in,
    in one month."""

    person = models.ForeignKey("portal.Person", verbose_name="人员", on_delete=models.CASCADE,
                               related_name="+")
    org = models.ForeignKey("portal.Organization", verbose_name="活动组织",
                            on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    participations = models.IntegerField("参加次数", default=0)
    # The person's is_city_talent, kept by database triggers (ledger/talent_flag.py): the
    # dispatch's talents per township read the talents' rows by the partial index below.
    talent = models.BooleanField("城市人才", db_default=False, editable=False)

    class Meta:
        verbose_name = "人员月度参加次数"
        verbose_name_plural = "人员月度参加次数"
        constraints = [models.UniqueConstraint(fields=["person", "org", "month"],
                                               name="one_person_month_tally")]
        # The dispatch and the county home read one month county-wide: month first, and every
        # column they read, so PostgreSQL answers from the index alone (a month's rows lie on
        # most of the table's pages: 580 ms at city scale). A township's talent matrix reads
        # its villages' year the other way round, also from the index alone (a township of a
        # city: 4,200 rows on 4,200 pages, 25 -> 3.5 ms).
        indexes = [models.Index(fields=["org", "month", "person", "participations"],
                                name="person_tally_org_month_all"),
                   models.Index(fields=["month", "org", "person", "participations"],
                                name="person_tally_month_covering"),
                   models.Index(fields=["org", "month", "person", "participations"],
                                name="person_tally_talents", condition=models.Q(talent=True))]

    def __str__(self):
        return f"{self.person_id}@{self.org_id} {self.month:%Y-%m}: {self.participations}"


class TalentMonthTally(models.Model):
    """城市人才月度参加村级活动次数: counted activities of village organizations one city
    talent took part in, in one month, all villages together.

    The talent matrix's column figures (talents active per month, their participations) read
    a year of this, one row per talent-month, instead of every (person, org, month) tally of
    everyone. Rows exist only for active people who are city talents (the triggers recount a
    person whose flags change), so a county-wide reader needs no join to the people."""

    person = models.ForeignKey("portal.Person", verbose_name="城市人才", on_delete=models.CASCADE,
                               related_name="+")
    month = models.DateField("月份")
    participations = models.IntegerField("参加次数", default=0)

    class Meta:
        verbose_name = "城市人才月度参加村级活动次数"
        verbose_name_plural = "城市人才月度参加村级活动次数"
        constraints = [models.UniqueConstraint(fields=["person", "month"],
                                               name="one_talent_month_tally")]
        # A year of column figures read from the index alone.
        indexes = [models.Index(fields=["month", "person", "participations"],
                                name="talent_tally_month_covering")]

    def __str__(self):
        return f"{self.person_id} {self.month:%Y-%m}: {self.participations}"


# How many rows a month's talent totals are split into (by person id).
TALENT_TOTAL_BUCKETS = 16


class TalentMonthTotal(models.Model):
    """城市人才月度合计: one of TALENT_TOTAL_BUCKETS parts of a month's figures over every city
    talent — talents active (talent tallies above 0) and their participations; the month's
    figures are the sum of its buckets (one bucket alone means nothing).

    The whole-tree talent matrix sums a year's buckets (12 x 16 rows) instead of reading the
    month's talent tallies (184,000 rows a year at city scale). Triggers on the talent tally
    keep it: whether a talent is active changes within that talent's own tally row, so each
    change adds an exact difference whatever writes run at once; a writing transaction adds
    to one bucket (ledger.tallies), so the month-end saves spread over several rows instead of
    one locked by every save of the month."""

    month = models.DateField("月份")
    bucket = models.SmallIntegerField("分桶")
    talents = models.IntegerField("参加人才数", default=0)
    participations = models.IntegerField("参加次数", default=0)

    class Meta:
        verbose_name = "城市人才月度合计"
        verbose_name_plural = "城市人才月度合计"
        constraints = [models.UniqueConstraint(fields=["month", "bucket"],
                                               name="one_talent_month_total")]

    def __str__(self):
        return f"{self.month:%Y-%m}/{self.bucket}: {self.talents}, {self.participations}"


class UnitMonthTally(models.Model):
    """单位月度参加活动数: counted activities of one organization (per linked pairing) in one
    month that at least one person of `unit` (their home organization) took part in."""

    unit = models.ForeignKey("portal.Organization", verbose_name="参加人员所在单位",
                             on_delete=models.CASCADE, related_name="+")
    org = models.ForeignKey("portal.Organization", verbose_name="活动组织",
                            on_delete=models.CASCADE, related_name="+")
    pairing = models.ForeignKey("pairing.Pairing", verbose_name="结对关系", related_name="+",
                                on_delete=models.DO_NOTHING, db_constraint=False)
    month = models.DateField("月份")
    activities = models.IntegerField("活动数", default=0)

    class Meta:
        verbose_name = "单位月度参加活动数"
        verbose_name_plural = "单位月度参加活动数"
        constraints = [models.UniqueConstraint(fields=["unit", "org", "pairing", "month"],
                                               name="one_unit_month_tally")]
        indexes = [models.Index(fields=["org", "month"], name="unit_tally_org_month")]

    def __str__(self):
        return f"{self.unit_id}→{self.org_id} {self.month:%Y-%m}: {self.activities}"


# How many leading characters of an organization's path name its township (乡镇): the tree's
# second level (ledger.compliance.TOWNSHIP_PREFIX); a county-level unit is its own "township".
TOWNSHIP_PATH_LENGTH = 2 * Organization.steplen


class TownshipMonthTally(models.Model):
    """乡镇月度活动汇总: the org tallies (OrgMonthTally) of one month summed over the
    organizations of one kind and state (启用 or not) under one township (its path prefix;
    a county-level organization is its own) — counted activities, their participations, and
    how many of those organizations logged at least one counted activity that month.

    The county-wide columns of 履职情况, the county home's trends and the leader's 每月调度
    read a few hundred of these a year instead of a year of org tallies (120,000 rows at city
    scale). Triggers on the org tally keep it (ledger/township_tally.py), whatever wrote the
    org tally; the organizations' path, kind or state changing recounts their townships."""

    township = models.CharField("乡镇路径", max_length=TOWNSHIP_PATH_LENGTH)
    kind = models.CharField("组织类别", max_length=16, choices=OrgKind.choices)
    org_active = models.BooleanField("组织启用")
    month = models.DateField("月份")
    activities = models.IntegerField("活动数", default=0)
    participations = models.IntegerField("参加人次", default=0)
    active_orgs = models.IntegerField("开展活动的组织数", default=0)

    class Meta:
        verbose_name = "乡镇月度活动汇总"
        verbose_name_plural = "乡镇月度活动汇总"
        constraints = [models.UniqueConstraint(fields=["township", "kind", "org_active", "month"],
                                               name="one_township_month_tally")]
        indexes = [models.Index(fields=["month", "township"], name="township_tally_month")]

    def __str__(self):
        return f"{self.township}/{self.kind} {self.month:%Y-%m}: {self.activities}"


class PairedUnitMonthTally(models.Model):
    """结对单位月度联系村活动数: the unit matrix's cell for the whole tree (规范性 单位, the
    county-wide area), one paired city organization in one month: counted activities that link
    it with its villages (ledger.compliance.UNIT_HELP), each activity once.

    Rows exist only for city organizations with an active pairing (the matrix's rows), so the
    column figures sum a year of these (units x 12 rows) instead of the org and unit tallies
    behind them; ledger.unit_tally keeps them by triggers."""

    unit = models.ForeignKey("portal.Organization", verbose_name="结对单位",
                             on_delete=models.CASCADE, related_name="+")
    month = models.DateField("月份")
    activities = models.IntegerField("联系村活动数", default=0)

    class Meta:
        verbose_name = "结对单位月度联系村活动数"
        verbose_name_plural = "结对单位月度联系村活动数"
        constraints = [models.UniqueConstraint(fields=["unit", "month"],
                                               name="one_paired_unit_month_tally")]
        # The column figures read a year of every unit from the index alone.
        indexes = [models.Index(fields=["month", "unit", "activities"],
                                name="paired_unit_tally_month")]

    def __str__(self):
        return f"{self.unit_id} {self.month:%Y-%m}: {self.activities}"

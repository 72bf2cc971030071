"""Metrics of organizations: county units (004 四.一), villages (004 四.三) and townships
(004 四.二.3).

Month-by-month metrics go through `monthly_groups`; metrics of a yearly or half-yearly record
(an agreement, an evaluation, a report) run one grouped query keyed by target and a bucket (the
month it was filed, its quarter, its half) and keep, per member, the buckets its window allows.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import DateField, Exists, F, OuterRef, Q
from django.db.models.functions import Greatest, TruncMonth

from assessment.metrics.registry import (
    IdList,
    Measure,
    monthly_groups,
    months_between,
    parse_ids,
    per_target,
    register_metric,
)
from assessment.models import TalentEvaluation, TargetKind
from ledger.compliance import COUNTED_STATUSES
from ledger.models import Activity, Participation, ReportStatus, ResidentRequest, TownshipReport
from ledger.periods import next_month
from pairing.models import AgreementStatus, AnnualAgreement, JointMeeting, Pairing, PairingStatus
from portal.models.orgs import OrgKind

# A half-year report is on time when submitted by this day of the month after the half ends.
REPORT_DUE_DAY = 10


def _window_end(member) -> datetime.date:
    """The first day after the member's last month (windows are month-granular)."""
    months = member.months()
    return datetime.date(*next_month(*months[-1]), 1) if months else member.start


def _windowed(cohort, rows, keep):
    """{target_id: Measure} from rows (target_id, bucket, ids_text, counted_text) of one grouped
    query: each member keeps the buckets `keep(member, bucket)` allows; the value is the number
    of distinct counted ids (the source rows themselves, or the pairings behind agreements)."""
    members = {m.target_id: m for m in cohort.members}
    ids, counted = defaultdict(set), defaultdict(set)
    for target_id, bucket, ids_text, counted_text in rows:
        member = members.get(target_id)
        if member is not None and keep(member, bucket):
            ids[target_id].update(parse_ids(ids_text))
            counted[target_id].update(parse_ids(counted_text))
    return {target_id: Measure(Decimal(len(counted[target_id])), sorted(ids[target_id]))
            for target_id in members}


def _month_bucket(timestamp):
    """The local month of a datetime (settings.TIME_ZONE), as the date of its first day."""
    return TruncMonth(timestamp, output_field=DateField())


def _agreements_of(cohort, side, statuses, moment):
    """Rows (target_id, month, agreement ids, pairing ids) of the agreements of the period's
    year, in `statuses`, of the active pairings whose `side` is in the cohort, by the month of
    `moment`; a member counts those of months before its window ends."""
    key = f"pairing__{side}_id"
    rows = (AnnualAgreement.objects
            .filter(**{f"pairing__{side}__in": cohort.ids}, pairing__status=PairingStatus.ACTIVE,
                    year=cohort.period[0].year, status__in=statuses)
            .annotate(month=_month_bucket(moment))
            .filter(month__lt=max(_window_end(m) for m in cohort.members))
            .values(key, "month").order_by()
            .annotate(ids=IdList("id"), pairings=IdList("pairing_id"))
            .values_list(key, "month", "ids", "pairings"))
    return _windowed(cohort, rows, lambda member, month: month < _window_end(member))


# --- County units (004 四.一) ------------------------------------------------------------------

@register_metric("unit_contact_months", label="联系结对村月数", target_kind=TargetKind.UNIT,
                 unit="个月", source="activity",
                 basis="县直单位每月定期联系村党组织（004 四.一.1）：当月至少有 1 项已提交或已确认"
                       "的活动满足其一，计 1 个月：① 活动关联了该单位的结对关系；② 活动由该单位"
                       "自己登记；③ 活动由与该单位结对（结对中）的村登记，且该单位人员参加。")
def unit_contact_months(cohort):
    # The three conditions of ledger.compliance._unit_parts, keyed by unit: one UNION query a
    # month, merged here so an activity meeting two of them counts once.
    def month(first, next_first, ids):
        counted = Activity.objects.filter(status__in=COUNTED_STATUSES, date__gte=first,
                                          date__lt=next_first)
        by_pairing = per_target(counted.filter(pairing__city_org__in=ids),
                                "pairing__city_org_id")
        own = per_target(counted.filter(org__in=ids), "org_id")
        paired = Pairing.objects.filter(status=PairingStatus.ACTIVE,
                                        city_org=OuterRef("person__home_org"),
                                        village_org=OuterRef("activity__org"))
        talents = (Participation.objects
                   .filter(person__home_org__in=ids, activity__status__in=COUNTED_STATUSES,
                           activity__date__gte=first, activity__date__lt=next_first,
                           activity__org__kind=OrgKind.VILLAGE)
                   .filter(Exists(paired)))
        with_talents = per_target(talents, "person__home_org_id", "activity_id")
        merged = defaultdict(set)
        for target_id, _n, ids_text in by_pairing.union(own, with_talents, all=True):
            merged[target_id].update(parse_ids(ids_text))
        return [(target_id, len(found), ",".join(map(str, found)))
                for target_id, found in merged.items()]

    return monthly_groups(cohort, month)


@register_metric("agreement_filed", label="三清单一协议备案数", target_kind=TargetKind.UNIT,
                 unit="个", source="agreement",
                 basis="县直单位每年与结对村签订“三清单一协议”（004 四.一.2）：计该单位结对中的"
                       "结对关系里，本年度协议已由县委组织部备案（备案时间在考核期结束之前）的个数。")
def agreement_filed(cohort):
    if not cohort.members:
        return {}
    return _agreements_of(cohort, "city_org", [AgreementStatus.FILED], "filed_at")


@register_metric("joint_meetings", label="联席会议次数", target_kind=TargetKind.UNIT,
                 unit="次", source="meeting",
                 basis="每半年召开一次党建联席会议（004 四.一.3）：计该单位各结对关系在考核期内"
                       "召开（按会议日期）的联席会议次数。")
def joint_meetings(cohort):
    def month(first, next_first, ids):
        meetings = JointMeeting.objects.filter(pairing__city_org__in=ids, date__gte=first,
                                               date__lt=next_first)
        return per_target(meetings, "pairing__city_org_id")

    return monthly_groups(cohort, month, count="rows")


@register_metric("unit_ledger_months", label="单位台账登记月数", target_kind=TargetKind.UNIT,
                 unit="个月", source="activity",
                 basis="县直单位建立《“双结对双帮扶”工作台账》（004 四.一.5）：当月该单位自己"
                       "登记了至少 1 项已提交或已确认的活动，计 1 个月。")
def unit_ledger_months(cohort):
    def month(first, next_first, ids):
        logged = Activity.objects.filter(org__in=ids, status__in=COUNTED_STATUSES,
                                         date__gte=first, date__lt=next_first)
        return per_target(logged, "org_id")

    return monthly_groups(cohort, month)


# --- Villages (004 四.三) ---------------------------------------------------------------------

@register_metric("requests_judged_same_day", label="民情诉求当日研判数",
                 target_kind=TargetKind.VILLAGE, unit="件", source="request",
                 basis="按照“日汇总、日研判”的原则梳理村民需求（004 四.三.3）：计考核期内收集、"
                       "且在收集当日（北京时间）作出研判的民情诉求件数。")
def requests_judged_same_day(cohort):
    def month(first, next_first, ids):
        judged = ResidentRequest.objects.filter(village_org__in=ids, date__gte=first,
                                                date__lt=next_first, judged_at__date=F("date"))
        return per_target(judged, "village_org_id")

    return monthly_groups(cohort, month, count="rows")


@register_metric("lists_published", label="三清单报送数", target_kind=TargetKind.VILLAGE,
                 unit="个", source="agreement",
                 basis="村党组织建立问题清单、需求清单、服务清单并向结对单位反馈（004 四.三.2）："
                       "计该村结对中的结对关系里，本年度“三清单一协议”已经双方确认提交（已提交或"
                       "已备案，确认时间在考核期结束之前）的个数。")
def lists_published(cohort):
    if not cohort.members:
        return {}
    return _agreements_of(cohort, "village_org",
                          [AgreementStatus.SUBMITTED, AgreementStatus.FILED],
                          Greatest("village_submitted_at", "unit_submitted_at"))


def _quarter(year, month):
    return year, (month - 1) // 3 + 1


@register_metric("evaluations_sent", label="城市人才评价人次", target_kind=TargetKind.VILLAGE,
                 unit="人次", source="evaluation",
                 basis="村党组织将城市人才在村工作表现汇总告知乡镇党委（004 四.三.5）：计该村对"
                       "考核期所在季度作出的城市人才评价条数。")
def evaluations_sent(cohort):
    if not cohort.members:
        return {}
    quarters = {_quarter(*ym) for ym in months_between(*cohort.period)}
    in_quarters = Q()
    for year, quarter in quarters:
        in_quarters |= Q(year=year, quarter=quarter)
    rows = (TalentEvaluation.objects
            .filter(in_quarters, village__in=cohort.ids)
            .values("village_id", "year", "quarter").order_by()
            .annotate(ids=IdList("id"))
            .values_list("village_id", "year", "quarter", "ids"))
    windows = {m.target_id: {_quarter(*ym) for ym in m.months()} for m in cohort.members}
    return _windowed(cohort, ((village_id, (year, quarter), ids, ids)
                              for village_id, year, quarter, ids in rows),
                     lambda member, bucket: bucket in windows[member.target_id])


# --- Townships (004 四.二.3) ------------------------------------------------------------------

def _half_end(year, half):
    """The last month of a half-year, (year, 6) or (year, 12)."""
    return year, 6 * half


def _report_due(year, half) -> datetime.date:
    return datetime.date(*next_month(*_half_end(year, half)), REPORT_DUE_DAY)


@register_metric("reports_on_time", label="半年工作报告按时报送数",
                 target_kind=TargetKind.TOWNSHIP, unit="份", source="report",
                 basis=f"乡镇党委形成工作报告，每半年向县委组织部反馈（004 四.二.3）：计半年末在"
                       f"考核期内、且在半年结束后次月 {REPORT_DUE_DAY} 日（含）之前提交（已提交或"
                       f"已备案）的半年工作报告份数。")
def reports_on_time(cohort):
    if not cohort.members:
        return {}
    halves = [(year, month // 6) for year, month in months_between(*cohort.period)
              if month in (6, 12)]
    if not halves:
        return {m.target_id: Measure() for m in cohort.members}
    on_time = Q()
    for year, half in halves:
        on_time |= Q(year=year, half=half, submitted_at__date__lte=_report_due(year, half))
    rows = (TownshipReport.objects
            .filter(on_time, township__in=cohort.ids,
                    status__in=[ReportStatus.SUBMITTED, ReportStatus.FILED])
            .values("township_id", "year", "half").order_by()
            .annotate(ids=IdList("id"))
            .values_list("township_id", "year", "half", "ids"))
    return _windowed(cohort, ((township_id, (year, half), ids, ids)
                              for township_id, year, half, ids in rows),
                     lambda member, half: _half_end(*half) in member.months())

"""Metrics of party-building alliances (党建联盟, seed 003 三（二）): what the 季度晾晒 board shows,
as scored by an alliance scheme whose totals become the quarter's stars (动态评星).

Each metric is one grouped query over the cohort's period keyed by alliance and local day; a
member keeps the days inside its own window, to the day (an alliance founded on 15 February
counts from that day, a closed one up to its closing day), never a query per alliance.
"""

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import F, Q
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from alliances.models import Meeting, MeetingStatus
from alliances.services.charity import THEME_CODE as CHARITY_THEME
from assessment.metrics.registry import IdList, Measure, parse_ids, register_metric
from assessment.models import TargetKind
from ledger.compliance import COUNTED_STATUSES
from ledger.models import Activity
from pairing.models import Claim, ClaimStatus, NeedKind

MEMBERSHIP = "need__village_org__alliance_memberships"


def _aware(day):
    """Midnight of `day` in the local time zone (settings.TIME_ZONE)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _dated(cohort, rows, *, count="rows"):
    """{alliance id: Measure} from rows (alliance id, local day, ids_text): each member keeps
    the days inside [start, end) of its window; the value is the number of distinct ids
    (count="rows") or of distinct months among the kept days (count="months")."""
    members = {m.target_id: m for m in cohort.members}
    ids, months = defaultdict(set), defaultdict(set)
    for target_id, day, ids_text in rows:
        member = members.get(target_id)
        if member is None or not member.start <= day < member.end:
            continue
        ids[target_id].update(parse_ids(ids_text))
        months[target_id].add((day.year, day.month))
    counted = months if count == "months" else ids
    return {t: Measure(Decimal(len(counted[t])), sorted(ids[t])) for t in members}


def _grouped_by_day(queryset, target, day="date"):
    return (queryset.values(target, day).order_by()
            .annotate(ids=IdList("id"))
            .values_list(target, day, "ids"))


@register_metric("alliance_activities", label="联盟活动次数", target_kind=TargetKind.ALLIANCE,
                 unit="次", source="activity",
                 basis="常态化开展党建联盟活动，大型活动共办、党建活动轮办（003 三（二）7）："
                       "计考核期内关联到该联盟、已提交或已确认的台账活动项数（按活动日期）。")
def alliance_activities(cohort):
    if not cohort.members:
        return {}
    start, end = cohort.period
    linked = Activity.objects.filter(alliance__in=cohort.ids, status__in=COUNTED_STATUSES,
                                     date__gte=start, date__lt=end)
    return _dated(cohort, _grouped_by_day(linked, "alliance_id"))


@register_metric("alliance_charity_months", label="开展“一月一公益”月数",
                 target_kind=TargetKind.ALLIANCE, unit="个月", source="activity",
                 basis="依托“一月一公益”等自愿服务活动载体实现困难联帮（003 三（二）7）：考核期内"
                       "当月有至少 1 项主题为“一月一公益”、已提交或已确认的活动（直接关联该联盟，"
                       "或关联该联盟的服务清单项目），计 1 个月。")
def alliance_charity_months(cohort):
    if not cohort.members:
        return {}
    start, end = cohort.period
    held = (Activity.objects
            .filter(Q(alliance__in=cohort.ids) | Q(menu_item__alliance__in=cohort.ids),
                    theme__code=CHARITY_THEME, status__in=COUNTED_STATUSES,
                    date__gte=start, date__lt=end)
            .annotate(linked=Coalesce("alliance_id", "menu_item__alliance_id")))
    return _dated(cohort, _grouped_by_day(held, "linked"), count="months")


@register_metric("alliance_meetings_held", label="联盟例会观摩次数",
                 target_kind=TargetKind.ALLIANCE, unit="次", source="alliance_meeting",
                 basis="以现场观摩实地学、联盟例会集中谈等形式开展互学互比（003 三（二）3）："
                       "计考核期内已召开（状态为“已召开”）的联盟例会、观摩和轮办活动次数（按会议时间）。")
def alliance_meetings_held(cohort):
    if not cohort.members:
        return {}
    start, end = cohort.period
    held = (Meeting.objects
            .filter(alliance__in=cohort.ids, status=MeetingStatus.HELD,
                    starts_at__gte=_aware(start), starts_at__lt=_aware(end))
            .annotate(day=TruncDate("starts_at")))
    return _dated(cohort, _grouped_by_day(held, "alliance_id", "day"))


@register_metric("alliance_wishes_fulfilled", label="成员村微心愿实现数",
                 target_kind=TargetKind.ALLIANCE, unit="个", source="claim",
                 basis="组织联盟党员认领“微心愿”，帮助身边党员群众解决实际问题（003 三（二）7）："
                       "计考核期内经村党组织确认完成的微心愿认领数，限确认当日为该联盟成员的村"
                       "发布的微心愿。")
def alliance_wishes_fulfilled(cohort):
    if not cohort.members:
        return {}
    start, end = cohort.period
    # One filter() call: the membership conditions hold for the same membership row.
    fulfilled = (Claim.objects.annotate(day=TruncDate("confirmed_at"))
                 .filter(Q(**{f"{MEMBERSHIP}__left_on__isnull": True})
                         | Q(**{f"{MEMBERSHIP}__left_on__gte": F("day")}),
                         status=ClaimStatus.CONFIRMED, need__kind=NeedKind.MICRO_WISH,
                         confirmed_at__gte=_aware(start), confirmed_at__lt=_aware(end),
                         **{f"{MEMBERSHIP}__alliance__in": cohort.ids,
                            f"{MEMBERSHIP}__joined_on__lte": F("day")}))
    return _dated(cohort, _grouped_by_day(fulfilled, f"{MEMBERSHIP}__alliance_id", "day"))

"""Metrics of enrolled cadres and city talents (004 四.四, 四.三.5)."""

import datetime

from django.db.models import Avg, F

from assessment.metrics.registry import (
    IdList,
    grouped,
    monthly_groups,
    per_target,
    register_metric,
)
from assessment.models import TalentEvaluation, TargetKind
from ledger.compliance import COUNTED_STATUSES as COUNTED
from ledger.models import Participation
from pairing.models import Claim, ClaimStatus
from portal.models.orgs import OrgKind


@register_metric("months_served", label="参加村级服务活动月数", target_kind=TargetKind.PERSON,
                 unit="个月", source="activity",
                 basis="每月至少参加1次村级服务活动（004 四.四.2）：当月参加过村党组织已提交或"
                       "已确认的活动，计 1 个月。")
def months_served(cohort):
    def month(first, next_first, ids):
        served = Participation.objects.filter(
            person_id__in=ids, activity__org__kind=OrgKind.VILLAGE,
            activity__status__in=COUNTED, activity__date__gte=first, activity__date__lt=next_first)
        return per_target(served, "person_id", "activity_id")

    return monthly_groups(cohort, month)


@register_metric("claims_on_time", label="按期完成认领事项数", target_kind=TargetKind.PERSON,
                 unit="项", source="claim",
                 basis="线上认领村级需求并按期完成（004 四.四.3）：认领经村党组织确认，且确认"
                       "日期不晚于需求截止日期。")
def claims_on_time(cohort):
    def month(first, next_first, ids):
        on_time = Claim.objects.filter(
            claimant__person__in=ids, status=ClaimStatus.CONFIRMED,
            confirmed_at__date__gte=first, confirmed_at__date__lt=next_first,
            confirmed_at__date__lte=F("need__deadline"))
        return per_target(on_time, "claimant__person__id")

    return monthly_groups(cohort, month, count="rows")


@register_metric("village_rating", label="服务村评价（平均）", target_kind=TargetKind.PERSON,
                 unit="分", source="evaluation",
                 basis="村党组织每季度对服务本村的城市人才作出评价（004 四.三.5），5 优秀、"
                       "4 良好、3 一般、1 较差，取本季度各村评价的平均值。")
def village_rating(cohort):
    if not cohort.members:
        return {}
    start, end = cohort.period
    last = end - datetime.timedelta(days=1)
    quarters = range((start.month - 1) // 3 + 1, (last.month - 1) // 3 + 2)  # of start's year
    rows = (TalentEvaluation.objects
            .filter(person__in=cohort.ids, year=start.year, quarter__in=quarters)
            .values("person_id").order_by()
            .annotate(avg=Avg("rating"), ids=IdList("id"))
            .values_list("person_id", "avg", "ids"))
    return grouped(cohort, rows)

"""`manage.py need_deadline_tally --check | --rebuild`: compare the needs per village and
deadline month (pairing.need_deadline_tally) with a recount of the needs and claims, or
recount them."""

from pairing import need_deadline_tally
from portal.tally_command import TallyCommand


class Command(TallyCommand):
    help = "检查或重建需求截止月汇总（每月调度读取的进行中、逾期需求和待确认认领数）。"
    tally = need_deadline_tally
    title = "需求截止月汇总"
    sources = "需求、认领记录"
    rows_unit = "个村·截止月"
    figures = "进行中, 未满员, 待确认"

    def describe_key(self, key):
        village, month = key
        return f"村 {village} 截止 {month}"

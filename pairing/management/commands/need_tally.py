"""`manage.py need_tally --check | --rebuild`: compare the needs per village and month
(pairing.need_tally) with a recount of the needs and claims, or recount them."""

from pairing import need_tally
from portal.tally_command import TallyCommand


class Command(TallyCommand):
    help = "检查或重建需求月度汇总（结对共建统计、需求认领趋势读取的需求数）。"
    tally = need_tally
    title = "需求月度汇总"
    sources = "需求、认领记录"
    rows_unit = "个村·月"
    figures = "发布, 已认领, 已确认"

    def describe_key(self, key):
        village, month = key
        return f"村 {village} {month}"

"""`manage.py village_tally --check | --rebuild`: compare the pairing figures per village and
per village-year and the needs per village-year (pairing.village_tally) with a recount of the
pairings, agreements, projects, aid households and the needs' month tallies, or recount them."""

from pairing import village_tally
from portal.tally_command import TallyCommand


class Command(TallyCommand):
    help = ("检查或重建村结对汇总、村年度共建汇总、需求年度汇总"
            "（结对共建统计读取的结对、协议、项目、帮扶户数和需求数）。")
    tally = village_tally
    title = "村结对汇总、村年度共建汇总、需求年度汇总"
    sources = "结对关系、协议、项目、帮扶记录、需求月度汇总"
    rows_unit = "行（村、村·年度）"
    figures = "村：共建中结对, 帮扶户；年度：协议已备案, 项目, 预算；需求年度：发布, 已认领, 已确认"

    def describe_key(self, key):
        if key[0] == "村":
            return f"村 {key[1]}"
        return f"{key[0]} 村 {key[1]} {key[2]}年"

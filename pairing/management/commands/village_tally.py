"""`manage.py village_tally --check | --rebuild`: compare the pairing figures per village and
per village-year (pairing.village_tally) with a recount of the pairings, agreements, projects
and aid households, or recount them."""

from pairing import village_tally
from portal.tally_command import TallyCommand


class Command(TallyCommand):
    help = "检查或重建村结对汇总、村年度共建汇总（结对共建统计读取的结对、协议、项目、帮扶户数）。"
    tally = village_tally
    title = "村结对汇总、村年度共建汇总"
    sources = "结对关系、协议、项目、帮扶记录"
    rows_unit = "行（村、村·年度）"
    figures = "村：共建中结对, 帮扶户；村·年度：协议已备案, 项目, 预算"

    def describe_key(self, key):
        if key[0] == "村":
            return f"村 {key[1]}"
        return f"村 {key[1]} {key[2]}年"

"""`manage.py unit_tally --check | --rebuild`: compare the paired units' monthly counts
(ledger.unit_tally, 规范性 单位 county-wide) with a recount of the raw rows, or recount them."""

from ledger import unit_tally
from portal.tally_command import TallyCommand


class Command(TallyCommand):
    help = "检查或重建结对单位月度联系村活动数（全县规范性·单位矩阵读取的汇总）。"
    tally = unit_tally
    title = "结对单位月度联系村活动数"
    sources = "活动、参加人员、结对关系"
    rows_unit = "个单位·月"
    figures = "联系村活动数"

    def describe_key(self, key):
        unit, month = key
        return f"单位 {unit} {month}"

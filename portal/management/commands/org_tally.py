"""`manage.py org_tally --check | --rebuild`: compare the organizations per township, kind
and state (portal.org_tally) with a recount of the organizations, or recount them."""

from portal import org_tally
from portal.tally_command import TallyCommand


class Command(TallyCommand):
    help = "检查或重建乡镇组织数汇总（首页、每月调度、履职情况读取的各乡镇村数）。"
    tally = org_tally
    title = "乡镇组织数汇总"
    sources = "组织记录"
    rows_unit = "行"
    figures = "组织数"

    def describe_key(self, key):
        township, kind, active = key
        return f"乡镇路径 {township} {kind}{'' if active else '（停用）'}"

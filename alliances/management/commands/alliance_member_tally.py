"""`manage.py alliance_member_tally --check | --rebuild`: compare the members per owner and
organization (alliances.member_tally) with a recount of the memberships, or recount them."""

from alliances import member_tally
from portal.tally_command import TallyCommand


class Command(TallyCommand):
    help = "检查或重建联盟成员汇总（联盟总览读取的各乡镇联盟成员组织数）。"
    tally = member_tally
    title = "联盟成员汇总"
    sources = "联盟成员记录"
    rows_unit = "个乡镇·成员组织"
    figures = "所在开放联盟数"

    def describe_key(self, key):
        owner, org = key
        return f"乡镇（县）{owner} 成员组织 {org}"

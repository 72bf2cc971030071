"""`manage.py people_tally --check | --rebuild`: compare the people per organization
(portal.people_tally) with a recount of the people, or recount them."""

from portal import people_tally
from portal.tally_command import TallyCommand


class Command(TallyCommand):
    help = "检查或重建各组织人员数汇总（组织页、组织架构读取的人数）。"
    tally = people_tally
    title = "人员数汇总"
    sources = "人员记录"
    rows_unit = "个组织"
    figures = "人员, 在册, 在册党员, 在册城市人才"

    def describe_key(self, org):
        return f"组织 {org}"

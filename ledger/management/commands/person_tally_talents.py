"""`manage.py person_tally_talents --check | --rebuild`: compare the person tallies' city-talent
flags (ledger.talent_flag, 每月调度's talents per township) with their people's, or set them."""

from ledger import talent_flag
from portal.tally_command import TallyCommand


class Command(TallyCommand):
    help = "检查或重建人员月度参加次数上的城市人才标记（每月调度按乡镇统计参与人才时读取）。"
    tally = talent_flag
    title = "人员月度参加次数的城市人才标记"
    sources = "人员记录"
    rows_unit = "行"
    figures = "标记、人员记录"

    def describe_key(self, key):
        person, org, month = key
        return f"人员 {person} 组织 {org} {month}"

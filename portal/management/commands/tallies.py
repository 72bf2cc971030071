"""`manage.py tallies --check | --rebuild`: every trigger-kept tally at once, each by its own
command (ledger_tallies, person_tally_talents, unit_tally, need_tally, need_deadline_tally,
village_tally, people_tally, org_tally, alliance_member_tally), so an operator after a
restore, a bulk load or an upgrade runs one command and reads one verdict. A check goes on
past a tally that differs or misses a trigger and exits 1 at the end if any did; a rebuild
installs missing triggers again (portal.tally_command)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

# In the order a rebuild needs: the village-year needs are summed from the village-month ones.
COMMANDS = ("ledger_tallies", "person_tally_talents", "unit_tally", "need_tally",
            "need_deadline_tally", "village_tally", "people_tally", "org_tally",
            "alliance_member_tally")


class Command(BaseCommand):
    help = "检查或重建全部汇总表（台账、结对单位、需求、结对统计、人员、组织数、联盟成员）。"

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true",
                            help="逐一与原始记录重新统计的结果比对并检查触发器；有不一致或缺少"
                                 "触发器时以非零状态退出")
        action.add_argument("--rebuild", action="store_true",
                            help="逐一重装缺少的触发器并按原始记录重新统计")

    def handle(self, *args, check, rebuild, **options):
        flag = "--rebuild" if rebuild else "--check"
        differing = []
        for name in COMMANDS:
            self.stdout.write(f"== {name} {flag}")
            try:
                call_command(name, flag, stdout=self.stdout, stderr=self.stderr)
            except SystemExit as exit_:
                if exit_.code:
                    differing.append(name)
        if differing:
            raise CommandError(f"不一致或缺少触发器：{'、'.join(differing)}；运行 manage.py "
                               "tallies --rebuild 重建。", returncode=1)
        self.stdout.write(self.style.SUCCESS(
            "全部汇总表已重建。" if rebuild else "全部汇总表与原始记录一致。"))

"""`manage.py ledger_tallies --check | --rebuild [--year Y]`: compare the monthly tallies with
a recount of the raw activities and participations, and the talent totals with a recount of
the talent tallies and the township roll-up with a recount of the raw rows, or recount them;
--check also fails on a missing trigger of theirs, which --rebuild installs again
(portal.tally_command)."""

import datetime
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ledger import tallies, township_tally
from portal.tally_command import (
    missing_triggers,
    reinstall_missing_triggers,
    write_missing_triggers,
)

SHOWN = 20


class Command(BaseCommand):
    help = "检查或重建台账月度汇总（履职情况矩阵读取的计数）。"
    tally_modules = (tallies, township_tally)  # whose triggers keep these tables

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true",
                            help="与原始记录重新统计的结果比对并检查触发器；不一致或缺少触发器时"
                                 "以非零状态退出")
        action.add_argument("--rebuild", action="store_true",
                            help="重装缺少的触发器，按原始记录重新统计")
        parser.add_argument("--year", type=int, help="只处理该年的月份")

    def handle(self, *args, check, rebuild, year, **options):
        if year is not None and not 2000 <= year <= 2100:
            raise CommandError("年份不正确。")
        if rebuild:
            # One transaction: the missing triggers come back with the recount, or neither does.
            with transaction.atomic():
                reinstalled = reinstall_missing_triggers(self.tally_modules)
                written = tallies.rebuild_tallies(year=year)
            if reinstalled:
                self.stdout.write(f"已重装缺少的触发器：{'、'.join(reinstalled)}")
            for name, rows in written.items():
                self.stdout.write(f"{name}: {rows} 行")
            self.stdout.write(f"TalentMonthTotal: {self._totals(year)} 行")
            self.stdout.write(f"TownshipMonthTally: {self._rollup(year)} 行")
            self.stdout.write(self.style.SUCCESS("月度汇总已重建。"))
            return
        missing = missing_triggers(self.tally_modules)
        mismatches = tallies.check_tallies(year=year)
        mismatches["TalentMonthTotal"] = tallies.check_talent_totals(year=year)
        mismatches["TownshipMonthTally"] = [
            ((township, kind, active, month), stored, expected)
            for (township, kind, active, month), stored, expected
            in tallies.check_township_rollup(year)]
        wrong = 0
        for name, rows in mismatches.items():
            wrong += len(rows)
            if not rows:
                continue
            self.stdout.write(f"{name}: {len(rows)} 处不一致（键, 汇总, 重新统计）")
            for key, stored, expected in rows[:SHOWN]:
                self.stdout.write(f"  {', '.join(key)}: {stored} ≠ {expected}")
        if wrong:
            self.stdout.write(self.style.ERROR(
                f"共 {wrong} 处不一致；运行 manage.py ledger_tallies --rebuild 重建。"))
        if missing:
            write_missing_triggers(self, missing, what="月度汇总", name="ledger_tallies")
        if wrong or missing:
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("月度汇总与原始记录一致。"))

    def _totals(self, year):
        return self._in_year(tallies.TalentMonthTotal.objects.all(), year).count()

    def _rollup(self, year):
        return self._in_year(township_tally.TownshipMonthTally.objects.all(), year).count()

    def _in_year(self, rows, year):
        if year is not None:
            rows = rows.filter(month__gte=datetime.date(year, 1, 1),
                               month__lt=datetime.date(year + 1, 1, 1))
        return rows

"""`manage.py ledger_tallies --check | --rebuild [--year Y]`: compare the monthly tallies with
a recount of the raw activities and participations, and the talent totals with a recount of
the talent tallies and the township roll-up with a recount of the raw rows, or recount them."""

import datetime
import sys

from django.core.management.base import BaseCommand, CommandError

from ledger import tallies, township_tally

SHOWN = 20


class Command(BaseCommand):
    help = "检查或重建台账月度汇总（履职情况矩阵读取的计数）。"

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true",
                            help="与原始记录重新统计的结果比对；不一致时以非零状态退出")
        action.add_argument("--rebuild", action="store_true", help="按原始记录重新统计")
        parser.add_argument("--year", type=int, help="只处理该年的月份")

    def handle(self, *args, check, rebuild, year, **options):
        if year is not None and not 2000 <= year <= 2100:
            raise CommandError("年份不正确。")
        if rebuild:
            written = tallies.rebuild_tallies(year=year)
            for name, rows in written.items():
                self.stdout.write(f"{name}: {rows} 行")
            self.stdout.write(f"TalentMonthTotal: {self._totals(year)} 行")
            self.stdout.write(f"TownshipMonthTally: {self._rollup(year)} 行")
            self.stdout.write(self.style.SUCCESS("月度汇总已重建。"))
            return
        mismatches = tallies.check_tallies(year=year)
        mismatches["TalentMonthTotal"] = tallies.check_talent_totals(year=year)
        mismatches["TownshipMonthTally"] = [
            ((township, kind, active, month), stored, expected)
            for (township, kind, active, month), stored, expected in township_tally.check(year)]
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

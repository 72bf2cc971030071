"""The `--check | --rebuild` command of a trigger-kept tally (people per organization, needs per
village-month, pairing figures per village, paired units per month; `manage.py tallies` runs
them all with the ledger's): compare the table with a recount of the raw rows, exit 1 when
they differ, or recount it in one transaction. A tally module offers `check() -> {key: (kept,
recounted)}` and `rebuild() -> rows written`; a command names it and says what its rows and
figures are."""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction

SHOWN = 20


class TallyCommand(BaseCommand):
    tally = None  # the module keeping the table: check(), rebuild()
    title = ""  # 人员数汇总
    sources = ""  # 人员记录: what the recount reads
    rows_unit = ""  # 个组织: what one row of the table is, for the rebuild's count
    figures = ""  # 人员, 在册: the figures of one row, in order

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true",
                            help=f"与{self.sources}重新统计的结果比对；不一致时以非零状态退出")
        action.add_argument("--rebuild", action="store_true", help=f"按{self.sources}重新统计")

    def describe_key(self, key):
        return str(key)

    def handle(self, *args, check, rebuild, **options):
        if rebuild:
            with transaction.atomic():
                rows = self.tally.rebuild()
            self.stdout.write(self.style.SUCCESS(f"{self.title}已重建：{rows} {self.rows_unit}。"))
            return
        mismatches = self.tally.check()
        for key, (kept, counted) in sorted(mismatches.items())[:SHOWN]:
            self.stdout.write(f"  {self.describe_key(key)}: {kept} ≠ {counted}（{self.figures}）")
        if mismatches:
            command = self.__module__.rsplit(".", 1)[-1]
            self.stdout.write(self.style.ERROR(
                f"共 {len(mismatches)} 处不一致；运行 manage.py {command} --rebuild 重建。"))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(f"{self.title}与{self.sources}一致。"))

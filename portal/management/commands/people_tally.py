"""`manage.py people_tally --check | --rebuild`: compare the people per organization
(portal.people_tally) with a recount of the people, or recount them."""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction

from portal import people_tally

SHOWN = 20


class Command(BaseCommand):
    help = "检查或重建各组织人员数汇总（组织页、组织架构读取的人数）。"

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true",
                            help="与人员记录重新统计的结果比对；不一致时以非零状态退出")
        action.add_argument("--rebuild", action="store_true", help="按人员记录重新统计")

    def handle(self, *args, check, rebuild, **options):
        if rebuild:
            with transaction.atomic():
                rows = people_tally.rebuild()
            self.stdout.write(self.style.SUCCESS(f"人员数汇总已重建：{rows} 个组织。"))
            return
        mismatches = people_tally.check()
        for org, (kept, counted) in sorted(mismatches.items())[:SHOWN]:
            self.stdout.write(f"  组织 {org}: {kept} ≠ {counted}（人员, 在册）")
        if mismatches:
            self.stdout.write(self.style.ERROR(
                f"共 {len(mismatches)} 处不一致；运行 manage.py people_tally --rebuild 重建。"))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("人员数汇总与人员记录一致。"))

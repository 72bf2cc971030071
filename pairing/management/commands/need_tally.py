"""`manage.py need_tally --check | --rebuild`: compare the needs per village and month
(pairing.need_tally) with a recount of the needs and claims, or recount them."""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction

from pairing import need_tally

SHOWN = 20


class Command(BaseCommand):
    help = "检查或重建需求月度汇总（结对共建统计、需求认领趋势读取的需求数）。"

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true",
                            help="与需求、认领记录重新统计的结果比对；不一致时以非零状态退出")
        action.add_argument("--rebuild", action="store_true", help="按需求、认领记录重新统计")

    def handle(self, *args, check, rebuild, **options):
        if rebuild:
            with transaction.atomic():
                rows = need_tally.rebuild()
            self.stdout.write(self.style.SUCCESS(f"需求月度汇总已重建：{rows} 个村·月。"))
            return
        mismatches = need_tally.check()
        for (village, month), (kept, counted) in sorted(mismatches.items())[:SHOWN]:
            self.stdout.write(f"  村 {village} {month}: {kept} ≠ {counted}（发布, 已认领, 已确认）")
        if mismatches:
            self.stdout.write(self.style.ERROR(
                f"共 {len(mismatches)} 处不一致；运行 manage.py need_tally --rebuild 重建。"))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("需求月度汇总与需求、认领记录一致。"))

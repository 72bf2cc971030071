"""python manage.py score_quarter --year Y --quarter Q [--scheme ID]"""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessment.management.commands._schemes import add_scheme_arguments, error_text, schemes_for
from assessment.services.scoring import score_quarter


class Command(BaseCommand):
    help = "按考核方案对一个季度计分并排位（草稿；已发布的季度不会被改动）。重复运行结果相同。"

    def add_arguments(self, parser):
        add_scheme_arguments(parser)
        parser.add_argument("--quarter", type=int, required=True, choices=[1, 2, 3, 4],
                            help="季度 1–4")

    def handle(self, *args, year, quarter, scheme=None, **options):
        failed = 0
        for chosen in schemes_for(year, scheme, quarter):
            started = time.perf_counter()
            try:
                run = score_quarter(chosen, quarter)
            except ValidationError as exc:
                failed += 1
                self.stderr.write(f"{chosen}：{error_text(exc)}")
                continue
            self.stdout.write(f"{run}：{run.cohort_size} 个考核对象，"
                              f"用时 {time.perf_counter() - started:.2f} 秒")
        if failed:
            raise CommandError(f"{failed} 个方案未能计分。")

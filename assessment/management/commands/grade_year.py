"""python manage.py grade_year --year Y [--scheme ID]"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessment.grading import GRADE_LABELS, Grade
from assessment.management.commands._schemes import add_scheme_arguments, error_text, schemes_for
from assessment.services.grading import grade_year


class Command(BaseCommand):
    help = ("评定年度等次（预览）：累计各季度积分和年度指标，“差”等次不低于总人数的10%；"
            "已报送或备案的评定不会被改动。")

    def add_arguments(self, parser):
        add_scheme_arguments(parser)

    def handle(self, *args, year, scheme=None, **options):
        failed = 0
        for chosen in schemes_for(year, scheme):
            try:
                grading = grade_year(chosen)
            except ValidationError as exc:
                failed += 1
                self.stderr.write(f"{chosen}：{error_text(exc)}")
                continue
            counts = {g: grading.grades.filter(grade=g).count() for g in Grade}
            line = "，".join(f"{GRADE_LABELS[g]} {counts[g]}" for g in Grade)
            extra = f"（同分超出比例 {grading.over_quota} 人）" if grading.over_quota else ""
            self.stdout.write(f"{chosen}：N={grading.cohort_size}，{line}；"
                              f"“差”最低 {grading.poor_quota} 人{extra}")
        if failed:
            raise CommandError(f"{failed} 个方案未能评定。")

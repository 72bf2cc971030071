"""python manage.py export_report ranking|grades --year Y [--quarter Q] [--scheme ID]
--format pdf|xlsx --out PATH

Writes the published quarterly rankings (ranking) or the submitted and filed annual gradings
(grades) of a year as one file: a PDF with a section per cohort, or a workbook with a sheet per
cohort. The same data functions and renderers as the download on the Rankings page.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessment import reports
from assessment.exporters import EXCEL, GRADES_KIND, PDF, RANKING_KIND, render_report
from assessment.models import Scheme

KINDS = {"ranking": RANKING_KIND, "grades": GRADES_KIND}


class Command(BaseCommand):
    help = ("导出考核报表：ranking 为季度排名表（已发布），"
            "grades 为年度等次评定表（已报送或已备案）；"
            "多个考核对象组时 PDF 每组一节，Excel 每组一个工作表。")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS), help="ranking 或 grades")
        parser.add_argument("--year", type=int, required=True, help="考核年度")
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4],
                            help="季度（仅 ranking；默认该年度全部已发布季度）")
        parser.add_argument("--scheme", type=int, help="只导出该编号的考核方案")
        parser.add_argument("--format", choices=[PDF, EXCEL], required=True, dest="fmt")
        parser.add_argument("--out", required=True, help="输出文件路径")

    def handle(self, *args, kind, year, quarter=None, scheme=None, fmt, out, **options):
        chosen = None
        if scheme is not None:
            chosen = Scheme.objects.filter(pk=scheme, year=year).first()
            if chosen is None:
                raise CommandError(f"{year}年没有编号为 {scheme} 的考核方案。")
        if kind == "ranking":
            cohorts = list(reports.runs_for(year, quarter, chosen))
            tables = reports.ranking_tables(cohorts)
            missing = "没有已发布的季度排名"
        else:
            if quarter is not None:
                raise CommandError("--quarter 只用于 ranking：年度等次按全年评定。")
            cohorts = list(reports.gradings_for(year, chosen))
            tables = reports.grade_tables(cohorts)
            missing = "没有已报送或已备案的年度等次"
        if not tables:
            period = f"{year}年" + (f"第{quarter}季度" if quarter else "")
            raise CommandError(f"{period}{missing}。")
        content = render_report(KINDS[kind], fmt, tables)
        path = Path(out)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        except OSError as exc:
            raise CommandError(f"无法写入 {path}：{exc}") from exc
        rows = sum(len(table.rows) for table in tables)
        self.stdout.write(f"已写入 {path}：{len(tables)} 个考核对象组，{rows} 行。")

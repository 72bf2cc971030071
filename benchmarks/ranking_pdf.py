"""Benchmark: the quarterly ranking PDF (assessment/exporters.py ranking_pdf) for 300 and 3,000
rows. Targets (issue 9): under 3 s and under 20 s.

    .venv/bin/python benchmarks/ranking_pdf.py [--rows 300 3000] [--columns 4]

Each size renders in a fresh process, so the peak RSS printed is that size's own. The table is
built in memory (unsaved model instances, no database): rank, name, unit, four indicator columns
(the default person scheme's quarterly indicators), total. What is timed is the PDF alone
(the template and WeasyPrint's layout and font subsetting); the data function is benchmarked by
its query-count tests.

Measured on this machine (2 cores, WeasyPrint 70, WenQuanYi Micro Hei, A4 landscape,
`table-layout: fixed`, header repeated on each page), quiet (load average about 2):

    rows   pages   wall s   CPU s   peak RSS   file
     300      10     1.97    1.86     157 MB   109 KB   (target < 3 s: met)
   3,000      97    16.67   16.56     576 MB   757 KB   (target < 20 s: met)

With other test suites running beside it (load average 4-6) the 3,000 rows took 22.5-39.6 s
wall, 22.5-24.6 s CPU: the figure depends on the machine being otherwise idle.

Layout cost is per table cell (cascade, line boxes, drawing), spread evenly over WeasyPrint;
no single hotspot. Tried and not kept (under 5 % each, within the noise): borderless zebra
rows, separate borders, nowrap cells without word-break, denser rows, no per-cell classes.
"""

import argparse
import datetime
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文玉兰海燕春梅"
UNITS = ["县农业农村局", "县教育局", "县卫生健康局", "县财政局", "县住房和城乡建设局",
         "县交通运输局", "县水利局", "县商务局", "县文化和旅游局", "县自然资源局",
         "县市场监督管理局", "县人民医院"]


def build_table(rows, columns):
    from assessment.models import IndicatorKind, RunStatus, Scheme, ScoringRun
    from assessment.reports import Column, RankingRow, RankingTable
    from portal.models import Organization

    body = Organization(name="县乡村振兴局", path="00010009")
    scheme = Scheme(name="“乡村振兴行动”城市人才考核", year=2025, assessing_body=body,
                    target_kind="person")
    run = ScoringRun(scheme=scheme, quarter=1, status=RunStatus.PUBLISHED,
                     published_at=datetime.datetime(2025, 4, 20, 9, 30))
    names = ["服务村月数", "认领需求按期完成", "村级评价", "联系群众", "综合评价", "加分", "扣分"]
    cols = [Column(names[i % len(names)], IndicatorKind.AUTO, Decimal(20))
            for i in range(columns)]
    rng = random.Random(7)
    table = RankingTable(run=run, columns=cols)
    scored = []
    for i in range(rows):
        cells = [Decimal(rng.randint(0, 2000)) / 100 for _ in cols]
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
        scored.append((sum(cells), f"{name}{i}", rng.choice(UNITS), cells))
    scored.sort(key=lambda r: -r[0])
    for rank, (total, name, unit, cells) in enumerate(scored, start=1):
        table.rows.append(RankingRow(rank=rank, name=name, unit=unit, cells=cells, total=total,
                                     vetoed=False))
    return table


def measure(rows, columns):
    import django

    django.setup()
    from assessment.exporters import ranking_pdf

    table = build_table(rows, columns)
    started, cpu = time.perf_counter(), time.process_time()
    pdf = ranking_pdf([table])
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{rows:>6,} rows  {page_count(pdf):>4} pages  {seconds:6.2f} s ({cpu:.2f} s CPU)  "
          f"peak RSS {peak_mb:6.0f} MB  {len(pdf) / 1024:6.0f} KB", flush=True)


def page_count(pdf):
    """Pages, read by poppler's pdfinfo when installed ("?" otherwise)."""
    if not shutil.which("pdfinfo"):
        return "?"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        info = subprocess.run(["pdfinfo", handle.name], capture_output=True, text=True).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.MULTILINE)
    return match.group(1) if match else "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--columns", type=int, default=4)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.one:
        measure(args.one, args.columns)
        return
    for rows in args.rows:
        subprocess.run([sys.executable, __file__, "--one", str(rows), "--columns",
                        str(args.columns)], check=True)


if __name__ == "__main__":
    main()

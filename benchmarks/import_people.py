"""Benchmark: validate and import a county's worth of people (15,000 rows) from Excel.

    .venv/bin/python benchmarks/import_people.py [--rows 15000] [--no-update]

After the insert it imports the same file again (every row unchanged) and a file in which every
row changes (every person updated, matched by ID number), preview and commit.

Without DATABASE_URL it migrates a throwaway SQLite database in a temporary directory. With
DATABASE_URL it uses that database, builds its tree under a separate benchmark county and
rolls everything back at the end, so the database is left as it was.

Timings are taken without tracemalloc (it slows Python down); peak Python memory is measured
in separate runs under tracemalloc, for a small and the full file, to show it stays flat. Each
timing shows wall and CPU seconds (SQLite runs in the process, so CPU time counts it too and is
steadier than wall time on a shared machine).
"""

import argparse
import io
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
THROWAWAY = "DATABASE_URL" not in os.environ
if THROWAWAY:
    _tmp = tempfile.mkdtemp(prefix="portal-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmp}/bench.sqlite3"
    os.environ.setdefault("MEDIA_ROOT", f"{_tmp}/media")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from portal.idnumber import check_digit  # noqa: E402
from portal.importers import PERSON_COLUMNS, import_people  # noqa: E402
from portal.models import Organization, Person, RoleAssignment  # noqa: E402

TOWNSHIPS, VILLAGES_PER_TOWNSHIP, UNITS = 25, 16, 150
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


class Rollback(Exception):
    pass


def build_county():
    """A county-sized tree (25 townships × 16 villages, 150 units); returns (county, codes)."""
    county = Organization.objects.add_root(dict(name="基准测试县", code="BENCH-C", kind="county",
                                                 party_org_type="committee"))
    codes = []
    for t in range(TOWNSHIPS):
        town = Organization.objects.add_child(county, dict(
            name=f"测试{t}镇", code=f"BENCH-T{t:02d}", kind="township",
            party_org_type="committee"))
        for v in range(VILLAGES_PER_TOWNSHIP):
            code = f"BENCH-V{t:02d}{v:02d}"
            Organization.objects.add_child(town, dict(name=f"测试{t}镇{v}村", code=code,
                                                      kind="village"))
            codes.append(code)
    for u in range(UNITS):
        code = f"BENCH-U{u:03d}"
        Organization.objects.add_child(county, dict(name=f"测试单位{u}", code=code, kind="unit"))
        codes.append(code)
    return county, codes


def id_number(n):
    """A valid, unique 18-digit ID number for serial n (area 990000+, births 1950–1999)."""
    first17 = f"{990000 + n // 36500:06d}{1950 + n % 50}{1 + n % 12:02d}{1 + n % 28:02d}" \
              f"{n % 1000:03d}"
    return first17 + check_digit(first17)


def people_workbook(rows, codes, *, position=None):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人员")
    sheet.append([c.header for c in PERSON_COLUMNS])
    seen = set()
    n = 0
    while len(seen) < rows:
        number = id_number(n)
        n += 1
        if number in seen:
            continue
        seen.add(number)
        i = len(seen)
        g = len(GIVEN)
        sheet.append([SURNAMES[i % len(SURNAMES)] + GIVEN[i % g] + GIVEN[(i // g) % g],
                      "男" if i % 2 else "女", number, f"13{i % 10}{i:08d}",
                      codes[i % len(codes)],
                      position or ("党员" if i % 7 else "支部委员"),
                      "是" if i % 5 else "否", "是" if i % 11 == 0 else "否",
                      "是" if i % 13 == 0 else "否", "是"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CPU = {}


def timed(func):
    start, cpu = time.perf_counter(), time.process_time()
    result = func()
    CPU["last"] = time.process_time() - cpu
    return result, time.perf_counter() - start


def cpu():
    return f"(CPU {CPU['last']:.2f} s)"


def traced_peak(func):
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def mib(n):
    return n / (1024 * 1024)


def run(rows, *, update=True):
    county, codes = build_county()
    actor = get_user_model().objects.create(username="bench_importer")
    RoleAssignment.objects.create(user=actor, org=county, role="county_admin")
    print(f"database: {connection.vendor} ({'throwaway' if THROWAWAY else 'rolled back'}), "
          f"tree: {Organization.objects.count()} orgs")

    content, seconds = timed(lambda: people_workbook(rows, codes))
    print(f"generated {rows:,} rows: {len(content) / 1024:.0f} KiB in {seconds:.2f} s")
    small = people_workbook(rows // 5, codes)

    def read_only():
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        count = sum(1 for _ in workbook.worksheets[0].iter_rows(values_only=True))
        workbook.close()
        return count

    _, read_s = timed(read_only)
    print(f"openpyxl read_only parse alone: {read_s:.2f} s {cpu()}")

    def validate(data):
        return import_people(io.BytesIO(data), actor=actor)

    report, validate_s = timed(lambda: validate(content))
    assert report.ok and report.total == rows, report.errors[:5]
    print(f"validate (preview): {validate_s:.2f} s {cpu()}, {rows / validate_s:,.0f} rows/s")

    peak_small = traced_peak(lambda: validate(small))
    peak_full = traced_peak(lambda: validate(content))
    print(f"validate peak Python memory: {mib(peak_small):.1f} MiB for {rows // 5:,} rows, "
          f"{mib(peak_full):.1f} MiB for {rows:,} rows")

    def commit_and_roll_back():
        try:
            with transaction.atomic():
                assert import_people(io.BytesIO(content), actor=actor, commit=True).committed
                raise Rollback
        except Rollback:
            pass

    peak_commit = traced_peak(commit_and_roll_back)
    print(f"commit peak Python memory: {mib(peak_commit):.1f} MiB for {rows:,} rows")

    before = Person.objects.count()
    report, commit_s = timed(lambda: import_people(io.BytesIO(content), actor=actor,
                                                   commit=True, filename="bench.xlsx"))
    assert report.committed and Person.objects.count() - before == rows
    history = Person.history.filter(history_user=actor).count()
    print(f"commit (re-validate + bulk insert with history): {commit_s:.2f} s {cpu()}, "
          f"{rows / commit_s:,.0f} rows/s, {history:,} history rows")
    print(f"preview + commit total: {validate_s + commit_s:.2f} s")
    if update:
        run_updates(content, rows, codes, actor)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MiB")


def run_updates(content, rows, codes, actor):
    """The same file again (all unchanged), then every row changed: preview and commit."""
    history = Person.history.count()
    report, seconds = timed(lambda: import_people(io.BytesIO(content), actor=actor))
    assert report.ok and report.unchanged == rows, report.errors[:5]
    print(f"same file again, preview ({rows:,} unchanged): {seconds:.2f} s {cpu()}")
    report, seconds = timed(lambda: import_people(io.BytesIO(content), actor=actor,
                                                  commit=True))
    assert report.committed and report.updated == 0 and Person.history.count() == history
    print(f"same file again, commit (nothing written, no history): {seconds:.2f} s {cpu()}")

    changed = people_workbook(rows, codes, position="组织委员")
    report, seconds = timed(lambda: import_people(io.BytesIO(changed), actor=actor))
    assert report.ok and report.changed == rows, report.errors[:5]
    print(f"every row changed, preview ({rows:,} updates): {seconds:.2f} s {cpu()}, "
          f"{rows / seconds:,.0f} rows/s")
    report, seconds = timed(lambda: import_people(io.BytesIO(changed), actor=actor,
                                                  commit=True))
    assert report.committed and report.updated == rows
    print(f"every row changed, commit (bulk update with history): {seconds:.2f} s {cpu()}, "
          f"{rows / seconds:,.0f} rows/s, {Person.history.count() - history:,} history rows")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=15000)
    parser.add_argument("--no-update", action="store_true",
                        help="skip the update runs (for importers that only create)")
    args = parser.parse_args()
    if THROWAWAY:
        call_command("migrate", verbosity=0)
        run(args.rows, update=not args.no_update)
        return
    try:
        with transaction.atomic():
            run(args.rows, update=not args.no_update)
            raise Rollback
    except Rollback:
        print("(all benchmark data rolled back)")


if __name__ == "__main__":
    main()

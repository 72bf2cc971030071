"""Benchmark: validate and import a county's worth of people (15,000 rows) from Excel.

    .venv/bin/python benchmarks/import_people.py [--rows 15000] [--no-update]
    .venv/bin/python benchmarks/import_people.py --rows 50000 --jobs-only

After the insert it imports the same file again (every row unchanged) and a file in which every
row changes (every person updated, matched by ID number), preview and commit.

Then the web flow, as the portal runs it: the upload POST and the 确认导入 POST through Django's
test client, with the jobs they queue not sent to a worker (`portal.jobs.send_job` is a no-op
here), so each request's time is the request's alone; then the preview job and the commit job
run with `execute_job`, as a worker would, each timed (`--jobs-only` runs just this part).

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
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from portal.idnumber import check_digit  # noqa: E402
from portal.importers import PERSON_COLUMNS, import_people  # noqa: E402
from portal.jobs import execute_job  # noqa: E402
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


def people_workbook(rows, codes, *, position=None, first_serial=0):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("人员")
    sheet.append([c.header for c in PERSON_COLUMNS])
    seen = set()
    n = first_serial
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


def run(rows, *, update=True, jobs_only=False):
    county, codes = build_county()
    actor = get_user_model().objects.create(username="bench_importer")
    RoleAssignment.objects.create(user=actor, org=county, role="county_admin")
    print(f"database: {connection.vendor} ({'throwaway' if THROWAWAY else 'rolled back'}), "
          f"tree: {Organization.objects.count()} orgs")
    if not jobs_only:
        run_direct(rows, codes, actor, update=update)
    run_web_and_jobs(rows, codes, actor)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS: {rss:.0f} MiB")


def run_web_and_jobs(rows, codes, actor):
    """The upload and confirm requests with their jobs queued but not run, then the jobs."""
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    import portal.jobs
    from portal.models import Job
    from portal.models.jobs import JobStatus
    from portal.views.transfer import SESSION_KEY

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    portal.jobs.send_job = lambda job_id: None  # queued; the "worker" below runs them
    content = people_workbook(rows, codes, first_serial=5_000_000)  # people not yet stored
    client = Client()
    client.force_login(actor)
    client.get(reverse("portal:transfer_index"), secure=True)  # warm up: URLs, templates
    before = Person.objects.count()

    def upload():
        return client.post(reverse("portal:transfer_upload", args=["people"]), {
            "people-file": SimpleUploadedFile("bench.xlsx", content)}, secure=True)

    response, upload_s = timed(upload)
    assert response.status_code == 302, response.status_code
    preview = Job.objects.filter(owner=actor, kind="import_people_preview").latest("pk")
    assert preview.status == JobStatus.PENDING
    print(f"web: upload POST of {rows:,} rows ({len(content) / 1024:.0f} KiB), preview job "
          f"queued: {upload_s:.3f} s {cpu()}")
    page, page_s = timed(lambda: client.get(response["Location"], secure=True))
    print(f"web: its page while the job waits: {page_s:.3f} s")

    preview, preview_s = timed(lambda: execute_job(preview.pk))
    assert preview.status == JobStatus.SUCCEEDED and preview.result["new"] == rows, preview.error
    print(f"job: preview ({rows:,} rows validated, report stored): {preview_s:.2f} s {cpu()}")
    page, page_s = timed(lambda: client.get(response["Location"], secure=True))
    assert "确认导入" in page.content.decode()
    token = next(token for token, info in client.session[SESSION_KEY].items()
                 if info.get("job") == str(preview.uuid))
    print(f"web: the preview page from the stored report: {page_s:.3f} s")

    commit_url = reverse("portal:transfer_commit", args=["people", token])
    response, commit_post_s = timed(lambda: client.post(commit_url, secure=True))
    assert response.status_code == 302, response.status_code
    commit = Job.objects.filter(owner=actor, kind="import_people_commit").latest("pk")
    print(f"web: 确认导入 POST, commit job queued: {commit_post_s:.3f} s {cpu()}")
    assert Person.objects.count() == before

    commit, commit_s = timed(lambda: execute_job(commit.pk))
    assert commit.status == JobStatus.SUCCEEDED, commit.error
    assert Person.objects.count() - before == rows
    print(f"job: commit (re-validate + write {rows:,} people with history, audited): "
          f"{commit_s:.2f} s {cpu()}")


def run_direct(rows, codes, actor, *, update):

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
    parser.add_argument("--jobs-only", action="store_true",
                        help="only the web requests and the import jobs")
    args = parser.parse_args()
    if THROWAWAY:
        call_command("migrate", verbosity=0)
        run(args.rows, update=not args.no_update, jobs_only=args.jobs_only)
        return
    try:
        with transaction.atomic():
            run(args.rows, update=not args.no_update, jobs_only=args.jobs_only)
            raise Rollback
    except Rollback:
        print("(all benchmark data rolled back)")


if __name__ == "__main__":
    main()

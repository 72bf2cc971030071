"""Benchmark: the compliance matrices counted from the raw rows vs from the monthly tallies.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_tallies \\
        .venv/bin/python benchmarks/tallies.py [--scale county] [--factor 10] [--runs 5]

Without DATABASE_URL it uses the PostgreSQL database above (created if missing); it must hold
no demo data of another run, since the benchmark seeds (and resets) it. It seeds the demo at
`--scale`, then, with `--factor N` > 1, adds (N - 1) × the demo's activities and
participations (copies of the demo's activities spread over the same year, triggers paused,
tallies rebuilt after), ANALYZE, and times, for the county and one township, logged in as
county_admin:

- raw: the grouped queries the matrices ran before the tallies (kept here only), which scan the
  activities and participations of the period;
- tallies: ledger.compliance.org_matrix / talent_matrix (page 1 of 50 rows) / unit_matrix as
  they are now, whole functions (rows, cells and column totals);

prints the medians and ratios, checks that both give the same cells, and times
`manage.py ledger_tallies --check` and `--rebuild`.
"""

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_tallies")

from bench_setup import setup_django  # noqa: E402  (benchmarks/ is the script's folder)

ROOT = setup_django("tallies")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count, Exists, F, OuterRef  # noqa: E402
from django.db.models.functions import TruncMonth  # noqa: E402

from ledger import compliance, tallies  # noqa: E402
from ledger.models import Activity, Participation  # noqa: E402
from pairing.models import Pairing, PairingStatus  # noqa: E402
from portal import demo  # noqa: E402
from portal.models import Organization  # noqa: E402
from portal.models.orgs import CITY_KINDS, OrgKind  # noqa: E402

PAGE = 50


def ensure_database():
    """Create the PostgreSQL database named by DATABASE_URL if it does not exist."""
    if connection.vendor != "postgresql":
        return
    import psycopg

    name = connection.settings_dict["NAME"]
    params = {k: v for k, v in {"host": connection.settings_dict["HOST"],
                                "port": connection.settings_dict["PORT"] or None,
                                "user": connection.settings_dict["USER"],
                                "password": connection.settings_dict["PASSWORD"] or None,
                                }.items() if v}
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


# --- The counts as they were computed before the tallies ------------------------------------------

def _grouped(queryset, key, month_field, count):
    rows = (queryset.annotate(_month=TruncMonth(month_field)).values(key, "_month")
            .annotate(_n=count).order_by())
    result = defaultdict(int)
    for row in rows:
        result[(row[key], (row["_month"].year, row["_month"].month))] += row["_n"]
    return result


def raw_org(area, period):
    return _grouped(compliance.org_activities(area, OrgKind.VILLAGE, period), "org_id", "date",
                    Count("id"))


def raw_talent(area, period):
    """The page's cells (first PAGE talents) and the column figures over every talent."""
    talents = compliance.filtered_talents(area)
    page = Paginator(talents, PAGE).page(1)
    people = [p.pk for p in page.object_list]
    participations = Participation.objects.filter(
        compliance._talent_activity_q(area, period, "activity__"))
    every = participations.filter(compliance._talent_q(area, prefix="person__"))
    cells = _grouped(participations.filter(person_id__in=people), "person_id", "activity__date",
                     Count("id"))
    columns = list(every.annotate(_month=TruncMonth("activity__date")).values("_month")
                   .annotate(_people=Count("person_id", distinct=True), _n=Count("id"))
                   .order_by())
    return cells, columns


def raw_unit(area, period):
    counted = Activity.objects.counted().filter(date__gte=period.start, date__lt=period.end)
    by_pairing = counted.filter(pairing__city_org__kind__in=CITY_KINDS,
                                pairing__village_org__path__startswith=area.path)
    own = (counted.filter(org__kind__in=CITY_KINDS, org__path__startswith=area.path)
           .exclude(pairing__city_org=F("org"), pairing__village_org__path__startswith=area.path))
    talents = (Participation.objects
               .filter(compliance._talent_activity_q(area, period, "activity__"))
               .filter(Exists(Pairing.objects.filter(status=PairingStatus.ACTIVE,
                                                     city_org=OuterRef("person__home_org"),
                                                     village_org=OuterRef("activity__org"))))
               .exclude(activity__pairing__city_org=F("person__home_org"),
                        activity__pairing__village_org__path__startswith=area.path))
    counts = defaultdict(int)
    for part in (_grouped(by_pairing, "pairing__city_org_id", "date", Count("id")),
                 _grouped(own, "org_id", "date", Count("id")),
                 _grouped(talents, "person__home_org_id", "activity__date",
                          Count("activity_id", distinct=True))):
        for key, n in part.items():
            counts[key] += n
    return counts


# --- Now ------------------------------------------------------------------------------------------

def tally_org(user, area, period):
    return compliance.org_matrix(user, area, period)


def tally_talent(user, area, period):
    return compliance.talent_matrix(user, area, period,
                                    paginate=lambda qs: Paginator(qs, PAGE).page(1))


def tally_unit(user, area, period):
    return compliance.unit_matrix(user, area, period)


def cells(matrix):
    return {(row.pk, (c.year, c.month)): c.count for row in matrix.rows for c in row.cells
            if c.count}


def agree(raw, matrix, keys):
    """Raw counts restricted to the matrix's rows equal the matrix's cells."""
    raw = {k: v for k, v in raw.items() if k[0] in keys and v}
    return raw == cells(matrix)


def median_ms(function, runs):
    function()  # warm
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


# --- Scaling the ledger up ------------------------------------------------------------------------

def multiply_ledger(factor):
    """Add (factor - 1) copies of every activity (same org, pairing, status, a day shifted
    within its month) and of its participations, in grouped INSERT ... SELECT statements with
    the triggers paused; then rebuild the tallies."""
    if factor <= 1:
        return 0.0
    started = time.perf_counter()
    table, parts = Activity._meta.db_table, Participation._meta.db_table
    columns = [f.column for f in Activity._meta.concrete_fields if f.column != "id"]
    with transaction.atomic(), tallies.paused(), connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {table}")
        top = cursor.fetchone()[0]
        for copy in range(1, factor):
            shift = copy * top
            selected = ", ".join(
                f"a.id + {shift}" if c == "id" else
                f"a.date - (EXTRACT(DAY FROM a.date)::int - 1) + ((EXTRACT(DAY FROM a.date)::int"
                f" - 1 + {copy}) % 28)" if c == "date" else f"a.{c}" for c in ["id", *columns])
            cursor.execute(f"INSERT INTO {table} (id, {', '.join(columns)}) "
                           f"SELECT {selected} FROM {table} a WHERE a.id <= {top}")
            cursor.execute(f"INSERT INTO {parts} (activity_id, person_id, hours, role) "
                           f"SELECT p.activity_id + {shift}, p.person_id, p.hours, p.role "
                           f"FROM {parts} p WHERE p.activity_id <= {top}")
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"(SELECT max(id) FROM {table}))")
    tallies.rebuild_tallies()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="county", choices=list(demo.SCALES))
    parser.add_argument("--factor", type=int, default=1,
                        help="multiply the demo's ledger (activities and participations)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true",
                        help="time the database as it is (seeded by an earlier run)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("这个基准测试需要 PostgreSQL（DATABASE_URL）。")
    ensure_database()
    print(f"数据库：{connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    seeded = grown = 0.0
    if not args.reuse:
        started = time.perf_counter()
        demo.seed(args.scale, seed=1, reset=demo.demo_data_exists())
        seeded = time.perf_counter() - started
        grown = multiply_ledger(args.factor)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    activities, participations = Activity.objects.count(), Participation.objects.count()
    print(f"规模 {args.scale} × 台账 {args.factor}：活动 {activities:,}，参与记录 "
          f"{participations:,}（seed {seeded:.0f} 秒，扩充 {grown:.0f} 秒）")

    started = time.perf_counter()
    mismatches = tallies.check_tallies()
    check_s = time.perf_counter() - started
    wrong = sum(len(rows) for rows in mismatches.values())
    started = time.perf_counter()
    tallies.rebuild_tallies()
    rebuild_s = time.perf_counter() - started
    print(f"ledger_tallies --check：{check_s:.1f} 秒，不一致 {wrong} 处；"
          f"--rebuild：{rebuild_s:.1f} 秒；汇总行数 " + "，".join(
              f"{model.__name__} {model.objects.count():,}" for model in tallies.MODELS.values()))

    user = get_user_model().objects.get(username="county_admin")
    county = Organization.objects.get(depth=1)
    township = Organization.objects.filter(kind="township").order_by("path").first()
    period = compliance.period_for(compliance.LAST_12)
    year = compliance.period_for(str(demo_year()))
    print(f"\n{'矩阵':<24}{'原始行 ms':>10}{'汇总 ms':>10}{'倍数':>8}  数字一致")
    print("-" * 64)
    for label, area, per in (("组织×月 全县村", county, year), ("组织×月 一个乡镇", township, year),
                             ("人才×月 全县 第1页", county, year),
                             ("人才×月 一个乡镇", township, year),
                             ("单位×月 全县", county, year), ("单位×月 一个乡镇", township, year),
                             ("单位×月 全县 近12月", county, period)):
        kind = label.split("×")[0]
        raw_f, tally_f = {"组织": (raw_org, tally_org), "人才": (raw_talent, tally_talent),
                          "单位": (raw_unit, tally_unit)}[kind]
        raw_ms = median_ms(lambda raw_f=raw_f, area=area, per=per: raw_f(area, per), args.runs)
        tally_ms = median_ms(lambda tally_f=tally_f, area=area, per=per: tally_f(user, area, per),
                             args.runs)
        matrix = tally_f(user, area, per)
        raw = raw_f(area, per)
        keys = {row.pk for row in matrix.rows}
        same = agree(raw[0] if kind == "人才" else raw, matrix, keys)
        if kind == "人才":
            totals = {(r["_month"].year, r["_month"].month): r["_n"] for r in raw[1]}
            same = same and [totals.get(m, 0) for m in matrix.months] == matrix.column_totals
        print(f"{label}{' ' * (24 - width(label))}{raw_ms:>10.1f}{tally_ms:>10.1f}"
              f"{raw_ms / tally_ms:>7.1f}x  {'是' if same else '否'}")
    print(f"\n（各 {args.runs} 次取中位数；原始行 = 之前的分组查询（只计数），"
          "汇总 = 现在的整个矩阵函数。）")


def demo_year():
    """The year of the demo's ledger (its latest activity)."""
    return Activity.objects.order_by("-date").values_list("date", flat=True).first().year


def width(text):
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


if __name__ == "__main__":
    main()

"""Benchmark: the compliance matrices (履职情况) at small and county scale.

    .venv/bin/python benchmarks/ledger_compliance.py [--runs 5]

Uses a throwaway SQLite database under var/bench/ unless DATABASE_URL is set (for example a
PostgreSQL database); that database must be empty, since the benchmark seeds and resets it.
Each scale is seeded with portal.demo.seed(scale). When the seed holds no ledger activities
(before seed_demo learns them), a year of activities and participations is generated here in
bulk: 4,000 / 30,000 at small scale, 50,000 / 400,000 at county scale. On PostgreSQL the
tables are ANALYZEd after seeding, as autovacuum would do on a live database.

For each page, logged in as county_admin, it reports the SQL queries and the median
milliseconds of several runs, and the county/small ratio; then the seconds one talent × month
Excel (every talent of the county) takes to build.
"""

import argparse
import datetime
import random
import statistics
import time

from bench_setup import setup_django  # noqa: E402  (benchmarks/ is the script's folder)

ROOT = setup_django("ledger_compliance")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from ledger import compliance  # noqa: E402
from ledger.models import Activity, ActivityStatus, ActivityTheme, Participation  # noqa: E402
from ledger.periods import months_back  # noqa: E402
from pairing.models import Pairing, PairingStatus  # noqa: E402
from portal import demo  # noqa: E402
from portal.models import Organization, Person  # noqa: E402

SCALES = {"small": (4_000, 30_000), "county": (50_000, 400_000)}
STATUSES = ([ActivityStatus.CONFIRMED] * 7 + [ActivityStatus.SUBMITTED] * 2
            + [ActivityStatus.DRAFT, ActivityStatus.RETURNED])


def generate_activities(activities, participations, seed=1):
    """A year of activities (villages 85 %, paired units 15 %) with participants drawn from
    the talents of the village's paired units and the village's own people."""
    rng = random.Random(seed)
    months = months_back(timezone.localdate(), 12)
    themes = list(ActivityTheme.objects.values_list("pk", flat=True))
    villages = list(Organization.objects.filter(kind="village").values_list("pk", flat=True))
    pairs = list(Pairing.objects.filter(status=PairingStatus.ACTIVE)
                 .values_list("pk", "city_org_id", "village_org_id"))
    talents_of, people_of = {}, {}
    for pk, org_id, is_talent in Person.objects.values_list("pk", "home_org_id",
                                                            "is_city_talent"):
        (talents_of if is_talent else people_of).setdefault(org_id, []).append(pk)
    units_of = {}
    for pk, city, village in pairs:
        units_of.setdefault(village, []).append((pk, city))
    rows, pools = [], []
    for n in range(activities):
        year, month = months[n % 12]
        date = datetime.date(year, month, 1 + rng.randrange(28))
        if pairs and rng.random() < 0.15:
            pairing, city, village = rng.choice(pairs)
            org, linked = city, pairing
        else:
            village = rng.choice(villages)
            paired = units_of.get(village, [])
            linked, _ = rng.choice(paired) if paired and rng.random() < 0.5 else (None, None)
            org = village
        pool = list(people_of.get(village, []))
        for _, city in units_of.get(village, []):
            pool += talents_of.get(city, [])
        rows.append(Activity(org_id=org, date=date, theme_id=rng.choice(themes),
                             title=f"活动{n}", content="开展活动", status=rng.choice(STATUSES),
                             pairing_id=linked))
        pools.append(pool)
    with transaction.atomic():
        created = Activity.objects.bulk_create(rows, batch_size=2000)
        if any(a.pk is None for a in created):
            ids = list(Activity.objects.order_by("pk").values_list("pk", flat=True))
            for activity, pk in zip(created, ids, strict=True):
                activity.pk = pk
        per_activity = participations / activities
        batch, made = [], 0
        for activity, pool in zip(created, pools, strict=True):
            want = min(len(pool), max(1, round(rng.gauss(per_activity, 2))))
            for person in rng.sample(pool, want):
                batch.append(Participation(activity_id=activity.pk, person_id=person))
            if len(batch) >= 20_000:
                Participation.objects.bulk_create(batch, batch_size=5000)
                made += len(batch)
                batch = []
        Participation.objects.bulk_create(batch, batch_size=5000)
        made += len(batch)
    return len(created), made


def delete_generated():
    """Remove the generated rows so the next seed may reset the demo."""
    with connection.cursor() as cursor:
        for model in (Participation, Activity):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def pages():
    county = Organization.objects.get(depth=1)
    township = Organization.objects.filter(kind="township").order_by("path").first()
    return [
        ("组织×月 全县村", "ledger:compliance_orgs", {"area": county.pk}),
        ("组织×月 一个乡镇", "ledger:compliance_orgs", {"area": township.pk}),
        ("组织×月 全县单位", "ledger:compliance_orgs", {"area": county.pk, "kind": "unit"}),
        ("人才×月 全县 第1页", "ledger:compliance_talents", {"area": county.pk}),
        ("人才×月 全县 第3页", "ledger:compliance_talents", {"area": county.pk, "page": 3}),
        ("人才×月 一个乡镇", "ledger:compliance_talents", {"area": township.pk}),
        ("单位×月 全县", "ledger:compliance_units", {"area": county.pk}),
    ]


def measure(client, name, params, runs):
    url = reverse(name)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    queries = len(ctx.captured_queries)
    if response.status_code != 200:
        raise SystemExit(f"{url} {params}: HTTP {response.status_code}")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
    return queries, statistics.median(timings)


def excel_seconds(user):
    county = Organization.objects.get(depth=1)
    started = time.perf_counter()
    matrix = compliance.talent_matrix(user, county, compliance.period_for(compliance.LAST_12))
    content = compliance.matrix_workbook(matrix)
    return time.perf_counter() - started, matrix.row_count, len(content)


def width(text):
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    print(f"数据库：{connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if demo.demo_data_exists():
        raise SystemExit("目标数据库已有组织或人员数据：基准测试需要一个空库（会生成并重置数据）。")

    results, sizes, excel = {}, {}, {}
    generated = False
    for n, (scale, (activities, participations)) in enumerate(SCALES.items()):
        if generated:
            delete_generated()
        started = time.perf_counter()
        demo.seed(scale, seed=1, reset=n > 0)
        seeded = time.perf_counter() - started
        generated = not Activity.objects.exists()
        if generated:
            started = time.perf_counter()
            generate_activities(activities, participations)
            seeded_ledger = time.perf_counter() - started
        else:
            seeded_ledger = 0.0
        if connection.vendor == "postgresql":
            # Fresh bulk loads have no planner statistics until autovacuum runs; without them
            # PostgreSQL picks nested loops over 400,000 rows. A live database has them.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        sizes[scale] = (Organization.objects.filter(kind="village").count(),
                        Person.objects.filter(is_city_talent=True).count(),
                        Activity.objects.count(), Participation.objects.count(),
                        seeded, seeded_ledger, generated)
        user = get_user_model().objects.get(username="county_admin")
        client = Client()
        client.force_login(user)
        client.get(reverse("ledger:compliance_orgs"))
        results[scale] = {label: measure(client, name, params, args.runs)
                          for label, name, params in pages()}
        excel[scale] = excel_seconds(user)

    print()
    print(f"{'规模':<8}{'村':>6}{'城市人才':>9}{'活动':>9}{'参与记录':>10}{'生成(秒)':>10}"
          f"{'活动生成(秒)':>13}")
    for scale, (v, t, a, p, s, sl, gen) in sizes.items():
        note = "（基准脚本生成）" if gen else "（seed_demo）"
        print(f"{scale:<8}{v:>7}{t:>10}{a:>10}{p:>12}{s:>11.1f}{sl:>13.1f} {note}")
    print()
    print(f"{'页面':<20}{'small 查询':>11}{'small ms':>10}{'county 查询':>12}{'county ms':>11}"
          f"{'county/small':>14}")
    print("-" * 80)
    for label in results["small"]:
        small_q, small_ms = results["small"][label]
        county_q, county_ms = results["county"][label]
        print(f"{label}{' ' * (20 - width(label))}{small_q:>9}{small_ms:>10.1f}{county_q:>12}"
              f"{county_ms:>11.1f}{county_ms / small_ms:>13.2f}x")
    print()
    for scale, (seconds, rows, size) in excel.items():
        print(f"人才×月 Excel（{scale}，{rows} 名，{size // 1024} KB）：{seconds:.2f} 秒")
    print(f"\n（每页 {args.runs} 次计时取中位数，登录身份 county_admin；查询数相同说明没有 N+1。）")


if __name__ == "__main__":
    main()

"""Scale benchmark: seed the small and the county demo, then time the core pages.

    .venv/bin/python benchmarks/scale.py [--runs 7]

Uses a throwaway SQLite database under var/bench/ unless DATABASE_URL is set (for example a
PostgreSQL database); that database must be empty, since the benchmark seeds and resets it.
For each scale it reports, logged in as county_admin, the median milliseconds of several runs
and the number of SQL queries per page, and the county/small ratio.
"""

import argparse
import statistics
import time

from bench_setup import setup_django  # noqa: E402  (benchmarks/ is the script's folder)

ROOT = setup_django("bench")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from portal import demo  # noqa: E402
from portal.models import Organization  # noqa: E402

SCALES = ("small", "county")


def pages():
    """(label, url, params) of the pages to time, for the data currently seeded."""
    county = Organization.objects.get(depth=1)
    township = Organization.objects.filter(kind="township").order_by("path").first()
    people = reverse("portal:person_list")
    return [
        ("组织树 县", reverse("portal:org_tree_node", args=[county.pk]), None),
        ("组织树 乡镇", reverse("portal:org_tree_node", args=[township.pk]), None),
        ("人员列表", people, None),
        ("人员筛选 乡镇+党员+女", people, {"org": township.pk, "flag": "party", "gender": "F"}),
        ("人员搜索 “王”", people, {"q": "王"}),
    ]


def measure(client, url, params, runs):
    """(query count, median ms) of `runs` timed requests after one warm-up request."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    queries = len(ctx.captured_queries)  # read now: the connection's log is reset later
    if response.status_code != 200:
        raise SystemExit(f"{url} {params} answered {response.status_code}")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url, params or {})
        timings.append((time.perf_counter() - started) * 1000)
    return queries, statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs per page (median)")
    args = parser.parse_args()

    # Keep one connection across requests, as Django's test client does, so that the queries
    # of a request can be captured and the timings measure the page, not the reconnect.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    engine = connection.vendor
    print(f"数据库：{engine} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if demo.demo_data_exists():
        raise SystemExit("目标数据库已有组织或人员数据：基准测试需要一个空库（会生成并重置数据）。")

    results, seeding = {}, {}
    for n, scale in enumerate(SCALES):
        started = time.perf_counter()
        summary = demo.seed(scale, seed=1, reset=n > 0)
        seeding[scale] = (time.perf_counter() - started, summary)
        client = Client()
        client.force_login(get_user_model().objects.get(username="county_admin"))
        client.get(reverse("portal:home"))
        results[scale] = {label: measure(client, url, params, args.runs)
                          for label, url, params in pages()}

    print()
    print(f"{'规模':<8}{'组织':>7}{'人员':>8}{'生成(秒)':>10}")
    for scale, (seconds, summary) in seeding.items():
        print(f"{scale:<8}{sum(summary['orgs'].values()):>8}{summary['people']:>10}"
              f"{seconds:>11.2f}")
    print()
    header = (f"{'页面':<22}{'small 查询':>11}{'small ms':>10}{'county 查询':>12}"
              f"{'county ms':>11}{'county/small':>14}")
    print(header)
    print("-" * 84)
    for label in results["small"]:
        small_q, small_ms = results["small"][label]
        county_q, county_ms = results["county"][label]
        pad = 24 - sum(2 if ord(ch) > 0x2E80 else 1 for ch in label)
        print(f"{label}{' ' * pad}{small_q:>9}{small_ms:>10.1f}{county_q:>12}{county_ms:>11.1f}"
              f"{county_ms / small_ms:>13.2f}x")
    print(f"\n（每页 {args.runs} 次计时取中位数，登录身份 county_admin；查询数相同说明没有 N+1。）")


if __name__ == "__main__":
    main()

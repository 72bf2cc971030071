"""Scale benchmark: seed the small and the county demo, then time the core and alliance pages.

    .venv/bin/python benchmarks/scale.py [--runs 7] [--scales small county]

Uses a throwaway SQLite database under var/bench/ unless DATABASE_URL is set (for example a
PostgreSQL database); that database must be empty, since the benchmark seeds and resets it.
For each scale it reports, logged in as county_admin, the median milliseconds of several runs
and the number of SQL queries per page, and the county/small ratio. The export jobs that make the
alliances' files (the 晾晒 A3 poster, the 擂台赛 results PDF and Excel) are timed too, once each:
their rendering, as the worker runs it, outside any request.
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
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from alliances import exporters as alliance_exporters  # noqa: E402
from alliances.models import Alliance, AllianceKind, Competition, InspectionRound, Venue  # noqa
from alliances.stars import quarter_of  # noqa: E402
from portal import demo  # noqa: E402
from portal.exporting import get_exporter  # noqa: E402
from portal.models import Job, Organization  # noqa: E402

SCALES = ("small", "county")
JOB_RUNS = 1  # a PDF takes seconds (WeasyPrint with the embedded CJK font)


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
        *alliance_pages(),
    ]


def optional_url(name, *args):
    """The URL of a page another area may not have yet, or None."""
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return None


def alliance_pages():
    """The 党建联盟 pages: the first township's core alliance and its pages, that township's
    boards, the busiest venue's week, the latest inspection round and published 擂台赛."""
    core = (Alliance.objects.filter(kind=AllianceKind.CORE, closed_at__isnull=True)
            .select_related("owner").order_by("owner__path").first())
    if core is None:
        return []
    town = {"township": core.owner_id}
    venue = (Venue.objects.annotate(n=Count("bookings")).order_by("-n", "id").first())
    booking = venue.bookings.order_by("-start").first() if venue else None
    inspection_round = InspectionRound.objects.order_by("-created_at", "-id").first()
    competition = (Competition.objects.filter(status="published").order_by("-year", "-half")
                   .first())
    rows = [
        ("联盟架构", reverse("alliances:structure"), None),
        ("联盟列表", reverse("alliances:alliance_list"), None),
        ("联盟总览", reverse("alliances:overview"), None),
        ("联盟主页 核心联盟", reverse("alliances:alliance_detail", args=[core.pk]), None),
        ("联盟项目清单", reverse("alliances:alliance_projects", args=[core.pk]), None),
        ("评星榜 乡镇", reverse("alliances:star_board"), town),
        ("联盟阵地列表", reverse("alliances:venue_list"), None),
    ]
    if venue:
        week = {"week": booking.start.date().isoformat()} if booking else None
        rows.append(("阵地预约日历", reverse("alliances:venue_detail", args=[venue.pk]), week))
    rows.append(("交叉检查轮次", reverse("alliances:round_list"), None))
    if inspection_round:
        rows.append(("交叉检查 一轮",
                     reverse("alliances:round_detail", args=[inspection_round.pk]), None))
    rows.append(("擂台赛列表", reverse("alliances:competition_list"), None))
    if competition:
        rows.append(("擂台赛 结果",
                     reverse("alliances:competition_detail", args=[competition.pk]), None))
    board = optional_url("alliances:showcase_board")
    if board:
        rows.append(("季度晾晒 乡镇", board, town))
    return rows


def export_jobs():
    """(label, exporter identifier, scope org, params) of the alliances' export jobs: the first
    township's 晾晒 poster of the running quarter and the latest published 擂台赛's results."""
    core = (Alliance.objects.filter(kind=AllianceKind.CORE, closed_at__isnull=True)
            .select_related("owner").order_by("owner__path").first())
    if core is None:
        return []
    jobs = [("晾晒海报 A3 PDF（任务）", alliance_exporters.POSTER_KIND, core.owner,
             alliance_exporters.poster_params(core.owner, *quarter_of(timezone.localdate())))]
    competition = (Competition.objects.filter(status="published").select_related("owner")
                   .order_by("-year", "-half").first())
    if competition:
        for label, kind in (("擂台赛成绩 PDF（任务）", alliance_exporters.COMPETITION_PDF_KIND),
                            ("擂台赛成绩 Excel（任务）", alliance_exporters.COMPETITION_XLSX_KIND)):
            jobs.append((label, kind, competition.owner, {"competition": competition.pk}))
    return jobs


def measure_job(user, identifier, scope_org, params):
    """(query count, median ms) of an export job's rendering, as the worker runs it (the job row
    is not saved: no file is stored)."""
    exporter = get_exporter(identifier)
    job = Job(owner=user, kind=identifier, scope_org=scope_org,
              params=exporter.clean_params(scope_org, params))
    timings = []
    for _ in range(JOB_RUNS):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            exporter.render(job, lambda percent, message="": None)
        timings.append((time.perf_counter() - started) * 1000)
    return len(ctx.captured_queries), statistics.median(timings)


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
    parser.add_argument("--scales", nargs="+", choices=SCALES, default=list(SCALES),
                        help="scales to seed and time, in order (default: small county)")
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
    for n, scale in enumerate(args.scales):
        started = time.perf_counter()
        summary = demo.seed(scale, seed=1, reset=n > 0)
        seeding[scale] = (time.perf_counter() - started, summary)
        admin = get_user_model().objects.get(username="county_admin")
        client = Client()
        client.force_login(admin)
        client.get(reverse("portal:home"))
        results[scale] = {label: measure(client, url, params, args.runs)
                          for label, url, params in pages()}
        results[scale].update({label: measure_job(admin, kind, org, params)
                               for label, kind, org, params in export_jobs()})

    print()
    print(f"{'规模':<8}{'组织':>7}{'人员':>8}{'生成(秒)':>10}")
    for scale, (seconds, summary) in seeding.items():
        print(f"{scale:<8}{sum(summary['orgs'].values()):>8}{summary['people']:>10}"
              f"{seconds:>11.2f}")
    print()
    scales = list(results)
    header = "".join(f"{scale + ' 查询':>12}{scale + ' ms':>11}" for scale in scales)
    ratio = len(scales) == 2
    print(f"{'页面':<22}{header}{'  ' + scales[1] + '/' + scales[0] if ratio else ''}")
    print("-" * (24 + 23 * len(scales) + (16 if ratio else 0)))
    labels = list(dict.fromkeys(label for scale in scales for label in results[scale]))
    for label in labels:
        pad = 24 - sum(2 if ord(ch) > 0x2E80 else 1 for ch in label)
        line = f"{label}{' ' * pad}"
        for scale in scales:
            queries, ms = results[scale].get(label, ("—", float("nan")))
            line += f"{queries:>10}{ms:>11.1f}"
        if ratio and all(label in results[scale] for scale in scales):
            line += f"{results[scales[1]][label][1] / results[scales[0]][label][1]:>13.2f}x"
        print(line)
    print(f"\n（每页 {args.runs} 次计时取中位数，后台任务（文件生成）计时 {JOB_RUNS} 次；"
          "登录身份 county_admin；查询数相同说明没有 N+1。）")


if __name__ == "__main__":
    main()

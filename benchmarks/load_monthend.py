"""Month-end load benchmark: gunicorn on loopback, Locust headless, then checks that nothing
was lost or duplicated.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_load \\
        .venv/bin/python benchmarks/load_monthend.py [--scale county] [--users 16] \\
        [--mix-seconds 60] [--page-seconds 15] [--rounds 1] [--workers 4] [--threads 2] \\
        [--fragment-cache redis|memory|off]

Needs Locust (`pip install -e .[bench]`). The database is seeded with `seed_demo --scale
SCALE` when it holds no organizations (PostgreSQL is what the figures are about; without
DATABASE_URL a throwaway SQLite file is used and the figures mean little).

1. The month-end mix, USERS clients for MIX seconds: village secretaries log activities with a
   photo, talents race for the last place of one need, township admins batch-confirm their
   queue, county staff read the home page and the compliance matrices.
2. Saturation runs of PAGE seconds each, every client on one page: the county home and the
   three compliance matrices, with /healthz run before each page and after the last; ROUNDS
   times. Each page's req/s is printed against the mean of the two /healthz runs around it
   (and the median share over the rounds): on this shared machine /healthz alone moved
   from 785 to 559 req/s from one round to the next. The server caches
   rendered fragments as in production (portal.fragments: by default in Redis, shared by
   the workers, as .env.example deploys it — a worker that gunicorn replaces after
   GUNICORN_MAX_REQUESTS starts with the cache full; `--fragment-cache memory` for each
   worker's own, `off` to measure every page built afresh);
   in the mix every write moves the data version on, so the county pages are rebuilt as the
   secretaries log; a saturation run writes nothing, so they are served from the cache.
3. Checks: every activity the server acknowledged exists exactly once; the raced need has no
   more live claims than places; no request failed; every trigger-kept tally (the ledger's
   monthly tallies and talent totals, needs per village-month and deadline month, people per
   organization, kept while the clients wrote) agrees with a recount of the raw rows.
   The exit status is 1 when a check fails.

Measured (county scale, 16 clients, 4 workers x 2 threads, Redis fragment cache, this 2-core
machine): every run 0 failed requests, nothing lost or duplicated, every tally equal to a
recount. Each page's share of /healthz: 2 rounds 31.7/20.5% (home), 28.8/29.6% (orgs),
27.6/26.7% (talents), 30.6/17.3% (units). The same with GUNICORN_MAX_REQUESTS=0 (no worker
replaced), 3 rounds: home 25.4/25.9/26.7%, orgs 22.0/27.6/25.1%, talents 25.4/27.2/27.8%,
units 25.2/22.5/27.6%. Replacing workers costs /healthz itself: 700-820 req/s with it,
830-1,030 without. The single-round dips of a page (e.g. units 139 req/s where it ran
225 in the round before) happen either way, and so do dips of /healthz (583 req/s between
830 and 821): they follow the machine, not a page.
"""

import argparse
import csv
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_setup import setup_django  # noqa: E402  (benchmarks/ is the script's folder)

ROOT = setup_django("load")

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from alliances import member_tally  # noqa: E402
from ledger import talent_flag, unit_tally  # noqa: E402
from ledger.models import Activity, ActivityTheme  # noqa: E402
from ledger.tallies import (  # noqa: E402
    check_talent_totals,
    check_tallies,
    check_township_rollup,
)
from ledger.views.activities import NO_EVIDENCE_FLAG  # noqa: E402
from pairing import need_deadline_tally, need_tally, village_tally  # noqa: E402
from pairing.models import PLACE_HOLDING, Claim, Need  # noqa: E402
from pairing.services.needs import claimable_needs  # noqa: E402
from portal import demo, org_tally, people_tally  # noqa: E402
from portal.models import Organization, Role, RoleAssignment  # noqa: E402

LOCUSTFILE = ROOT / "benchmarks" / "locustfile_monthend.py"
LIVE_CLAIMS = PLACE_HOLDING
FRAGMENT_REDIS = "redis://127.0.0.1:6379/13"  # the server's fragment cache (emptied per run)
HEALTHZ = "/healthz"
SATURATION = [("HealthzOnly", HEALTHZ), ("HomeOnly", "县级首页"), ("OrgsOnly", "合规：组织"),
              ("TalentsOnly", "合规：人才"), ("UnitsOnly", "合规：单位")]


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default="county", choices=sorted(demo.SCALES))
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--mix-seconds", type=int, default=60)
    parser.add_argument("--page-seconds", type=int, default=15)
    parser.add_argument("--workers", type=int, default=4)  # gunicorn.conf.py's defaults
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8791)
    parser.add_argument("--rounds", type=int, default=1,
                        help="saturation rounds (each: every page, /healthz before and "
                             "after each)")
    parser.add_argument("--fragment-cache", default="redis", choices=["memory", "redis", "off"],
                        help="where the server caches rendered fragments (portal.fragments): "
                             "Redis db 13 (default: as .env.example deploys it, shared by the "
                             "workers), each worker's memory, or nowhere")
    return parser.parse_args()


def usernames(role, **filters):
    return list(RoleAssignment.objects.active().filter(role=role, user__is_active=True, **filters)
                .order_by("user__username").values_list("user__username", "org_id"))


def race_need(talents):
    """(need id, the talents who may claim it): the need most talent accounts may claim, its
    places cut to its live claims + 1 — the last place, asked for by all of them at once."""
    User = get_user_model()
    rivals = {}
    for username in talents:
        for need_id in claimable_needs(User.objects.get(username=username)).values_list(
                "pk", flat=True):
            rivals.setdefault(need_id, []).append(username)
    if not rivals:
        raise SystemExit("no need is claimable by the demo talents: reseed the demo")
    need_id = max(rivals, key=lambda pk: (len(rivals[pk]), -pk))
    with transaction.atomic():
        need = Need.objects.select_for_update().get(pk=need_id)
        need.places = Claim.objects.filter(need=need, status__in=LIVE_CLAIMS).count() + 1
        need.save(update_fields=["places"])
    return need_id, rivals[need_id]


def sessions_for(usernames_, count):
    """`count` signed-in session keys spread over the accounts, made directly in the session
    store: the run measures pages, not password hashing (each PBKDF2 login costs ~0.3 s of a
    core, and Locust starts every client at once)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    users = {user.username: user for user in get_user_model().objects.filter(
        username__in=usernames_)}
    keys = []
    for n in range(count):
        user = users[usernames_[n % len(usernames_)]]
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def accounts(rows, count, with_org=False):
    names = [name for name, _ in rows]
    keys = sessions_for(names, count)
    return [dict({"username": names[n % len(names)], "session": key},
                 **({"org": rows[n % len(rows)][1]} if with_org else {}))
            for n, key in enumerate(keys)]


def write_plan(path, tag, clients):
    secretaries = usernames(Role.VILLAGE_SECRETARY, org__kind="village")
    need_id, rivals = race_need([name for name, _ in usernames(Role.TALENT)][:200])
    plan = {
        "tag": tag, "today": timezone.localdate().isoformat(),
        "theme": ActivityTheme.objects.filter(is_active=True).order_by("pk").first().pk,
        "no_evidence_flag": NO_EVIDENCE_FLAG,
        "secretaries": accounts(secretaries, clients, with_org=True),
        "talents": accounts([(name, None) for name in rivals], clients),
        "township_admins": accounts(usernames(Role.TOWNSHIP_ADMIN), clients),
        "county": accounts(usernames(Role.COUNTY_ADMIN), clients),
        "race_need": need_id,
    }
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    return plan, rivals


def empty_fragment_cache(url=FRAGMENT_REDIS):
    """`url`, its Redis database emptied: every run starts from a cold cache."""
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as error:
        raise SystemExit(f"Redis at {url} does not answer ({error}): start it, or run with "
                         f"--fragment-cache memory") from error
    return url


def start_server(args):
    env = dict(os.environ, DJANGO_DEBUG="False", WEB_CONCURRENCY=str(args.workers),
               GUNICORN_THREADS=str(args.threads), GUNICORN_ACCESS_LOG="/dev/null",
               GUNICORN_BIND=f"127.0.0.1:{args.port}")
    env.pop("REDIS_URL", None)
    env.pop("CELERY_BROKER_URL", None)  # no export jobs in the mix: keep the broker out of it
    env.pop("CACHE_REDIS_URL", None)
    if args.fragment_cache == "redis":
        env["CACHE_REDIS_URL"] = empty_fragment_cache()
    elif args.fragment_cache == "off":
        env["FRAGMENT_CACHE_SECONDS"] = "0"
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "portal.wsgi:application",
         "--config", "gunicorn.conf.py"], cwd=ROOT, env=env, start_new_session=True)
    url = f"http://127.0.0.1:{args.port}/healthz"
    for _ in range(120):
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status in (200, 503):
                    return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def run_locust(args, work, plan_path, label, seconds, classes=()):
    prefix = work / label
    env = dict(os.environ, LOAD_PLAN=str(plan_path), LOAD_OUTCOME=str(work / f"{label}.json"))
    command = [str(ROOT / ".venv" / "bin" / "locust"), "-f", str(LOCUSTFILE), "--headless",
               "--host", f"http://127.0.0.1:{args.port}", "-u", str(args.users),
               "-r", str(args.users), "-t", f"{seconds}s", "--csv", str(prefix),
               "--only-summary", "--loglevel", "WARNING", *classes]
    with open(f"{prefix}.log", "w") as log:
        subprocess.run(command, cwd=ROOT, env=env, check=False, stdout=log,
                       stderr=subprocess.STDOUT)
    with open(f"{prefix}_stats.csv", encoding="utf-8") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    outcome_path = work / f"{label}.json"
    outcome = json.loads(outcome_path.read_text()) if outcome_path.exists() else {}
    return rows, outcome


def figures(row):
    return (float(row["Requests/s"]), int(row["Request Count"]), int(row["Failure Count"]),
            row["50%"], row["95%"], row["99%"])


def print_table(title, rows, names):
    print(f"\n{title}")
    print(f"  {'page':<18} {'req/s':>7} {'count':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}")
    for name in names:
        if name in rows:
            rps, count, failed, p50, p95, p99 = figures(rows[name])
            print(f"  {name:<18} {rps:7.1f} {count:6d} {failed:5d} {p50:>6} {p95:>6} {p99:>6}")


def _with_healthz_between():
    """The saturation runs of a round: /healthz, then each page followed by /healthz."""
    healthz, *pages = SATURATION
    return [healthz, *(run for page in pages for run in (page, healthz))]


def _rps(row):
    return float(row["Requests/s"])


def _healthz_around(saturated, name):
    """The mean req/s of the /healthz runs just before and just after page `name`."""
    index = [page for _, page in SATURATION[1:]].index(name)
    before, after = saturated[HEALTHZ][index:index + 2]
    return (_rps(before) + _rps(after)) / 2


def print_round(number, seconds, saturated):
    pages = [name for _, name in SATURATION[1:]]
    print_table(f"单页饱和 第 {number} 轮 {seconds} s × {len(pages)} 页，每页前后各测 {HEALTHZ}",
                saturated, pages)
    runs = " · ".join(f"{_rps(row):.1f}" for row in saturated[HEALTHZ])
    print(f"  {HEALTHZ} req/s, before each page and after the last: {runs}")


def print_shares(rounds):
    """Each page's req/s against the /healthz runs just before and after it; with several
    rounds, each round's share and their median."""
    print(f"\n  throughput against {HEALTHZ} around it (target ≥ 25%):")
    for _, name in SATURATION[1:]:
        shares = [_rps(r[name]) / (_healthz_around(r, name) or 1.0) for r in rounds]
        each = "  ".join(f"{share:6.1%}" for share in shares)
        middle = f"   median {statistics.median(shares):6.1%}" if len(shares) > 1 else ""
        print(f"  {name:<18} {each}{middle}")


def main():
    args = arguments()
    if shutil.which("locust", path=str(ROOT / ".venv" / "bin")) is None:
        raise SystemExit("Locust is not installed: .venv/bin/pip install -e '.[bench]'")
    call_command("migrate", verbosity=0)
    if not Organization.objects.exists():
        print(f"seeding the {args.scale} demo …", flush=True)
        call_command("seed_demo", "--scale", args.scale, verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    tag = f"LOAD{datetime.datetime.now():%m%d%H%M%S}"
    work = Path(tempfile.mkdtemp(prefix="load-monthend-"))
    plan, rivals = write_plan(work / "plan.json", tag, args.users)
    activities_before = Activity.objects.count()
    connection.close()
    print(f"database {connection.vendor}, {Organization.objects.count()} orgs, "
          f"{activities_before} activities; gunicorn {args.workers} workers × {args.threads} "
          f"threads; fragment cache: {args.fragment_cache}; {args.users} clients; "
          f"race need {plan['race_need']} "
          f"({len(rivals)} rival accounts)",
          flush=True)
    server = start_server(args)
    failures = 0
    try:
        mix, outcome = run_locust(args, work, work / "plan.json", "mix", args.mix_seconds,
                                  ["VillageSecretary", "Talent", "TownshipAdmin", "CountyStaff"])
        print_table(f"月底混合负载 {args.mix_seconds} s", mix, [n for n in mix if n != "Aggregated"]
                    + ["Aggregated"])
        failures += int(mix["Aggregated"]["Failure Count"])
        rounds = []
        for number in range(1, args.rounds + 1):
            # /healthz before every page and after the last: each page is set against the
            # mean of the two /healthz runs around it, not one run at the round's start.
            saturated, healthz = {}, []
            for step, (cls, name) in enumerate(_with_healthz_between()):
                rows, _ = run_locust(args, work, work / "plan.json", f"{cls}{number}_{step}",
                                     args.page_seconds, [cls])
                failures += int(rows[name]["Failure Count"])
                if name == HEALTHZ:
                    healthz.append(rows[name])
                else:
                    saturated[name] = rows[name]
            saturated[HEALTHZ] = healthz
            print_round(number, args.page_seconds, saturated)
            rounds.append(saturated)
        print_shares(rounds)
    finally:
        os.killpg(server.pid, signal.SIGINT)  # quick shutdown: keep-alive sockets are idle
        server.wait(timeout=60)
    return check(plan, outcome, failures)


def check(plan, outcome, failures):
    posted = outcome.get("posted", [])
    stored = dict(Activity.objects.filter(title__startswith=plan["tag"]).values("title")
                  .annotate(n=Count("pk")).values_list("title", "n"))
    lost = [tag for tag in posted if tag not in stored]
    doubled = [tag for tag, n in stored.items() if n > 1]
    unacknowledged = [tag for tag in stored if tag not in set(posted)]
    need = Need.objects.get(pk=plan["race_need"])
    live = Claim.objects.filter(need=need, status__in=LIVE_CLAIMS).count()
    print(f"\nchecks: {len(posted)} activities acknowledged, {len(stored)} stored "
          f"({len(lost)} lost, {len(doubled)} duplicated, {len(unacknowledged)} stored without "
          f"an answer); raced need: {live} live claims for {need.places} places; "
          f"{failures} failed requests")
    tallies_ok = tallies_agree()
    ok = not lost and not doubled and live <= need.places and failures == 0 and tallies_ok
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def tallies_agree(shown=5):
    """Whether every trigger-kept tally equals a recount of the raw rows (the ledger's monthly
    tallies, talent totals and township roll-up, paired units per month, needs per
    village-month and per village-deadline month, pairing figures per village and
    village-year, people per organization, organizations per township, alliance members per
    owner, the person tallies' talent flags); prints the differences."""
    started = time.perf_counter()
    mismatches = check_tallies()
    mismatches["TalentMonthTotal"] = [((str(month),), stored, expected) for month, stored,
                                      expected in check_talent_totals()]
    mismatches["TownshipMonthTally"] = [(tuple(map(str, key)), stored, expected)
                                        for key, stored, expected in check_township_rollup()]
    for name, differing in (("NeedMonthTally", need_tally.check()),
                            ("NeedDeadlineTally", need_deadline_tally.check()),
                            ("VillageTallies", village_tally.check()),
                            ("OrgPeopleTally", people_tally.check()),
                            ("TownshipOrgTally", org_tally.check()),
                            ("PairedUnitMonthTally", unit_tally.check()),
                            ("OwnerMemberTally", member_tally.check()),
                            ("PersonTallyTalentFlag", talent_flag.check())):
        mismatches[name] = [((str(key),), kept, counted)
                            for key, (kept, counted) in differing.items()]
    seconds = time.perf_counter() - started
    wrong = sum(len(rows) for rows in mismatches.values())
    print(f"tallies: {wrong} differ from a recount of the raw rows "
          f"({', '.join(f'{name} {len(rows)}' for name, rows in mismatches.items())}; "
          f"checked in {seconds:.1f} s)")
    for name, rows in mismatches.items():
        for key, stored, expected in rows[:shown]:
            print(f"  {name} {', '.join(key)}: {stored} stored, {expected} recounted")
    return wrong == 0


if __name__ == "__main__":
    sys.exit(main())

"""seed_demo's ledger data: sizes near DESIGN.md's small scale, every state present, eligible
participants only, nothing after the reference date, red cells in the compliance matrices,
a handful of shared evidence files, same seed same data, reset removes it."""

import datetime
from collections import defaultdict

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count
from PIL import Image

from ledger.demo import EVIDENCE_DIR, FIRST_DAY
from ledger.models import (
    Activity,
    ActivityStatus,
    Evidence,
    MonthReopening,
    PairedUnitMonthTally,
    Participation,
    ReportStatus,
    RequestStatus,
    ResidentRequest,
    TalentMonthTally,
    TalentMonthTotal,
    TownshipMonthTally,
    TownshipReport,
)
from ledger.periods import close_date
from ledger.services.activities import eligible_participants
from pairing.demo import REFERENCE_DATE
from pairing.models import Pairing, PairingStatus
from portal import demo
from portal.models import Organization, Person
from tests.seeding import demo_seeded_for_module, end_of_reference_day

COUNTED = (ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED)
END_OF_REFERENCE_DAY = end_of_reference_day()
CURRENT = (REFERENCE_DATE.year, REFERENCE_DATE.month)


def _year_months():
    months, (y, m) = [], (FIRST_DAY.year, FIRST_DAY.month)
    while (y, m) <= CURRENT:
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The small demo county seeded once for the module, rolled back afterwards."""
    media = tmp_path_factory.mktemp("media")
    with demo_seeded_for_module(django_db_blocker, media):
        yield media


@pytest.fixture
def data(seeded, db):
    return seeded


def test_sizes_near_the_design_targets(data):
    assert 3_500 <= Activity.objects.count() <= 4_500
    assert 25_000 <= Participation.objects.count() <= 35_000
    assert 100 <= Evidence.objects.count() <= 1_000
    assert MonthReopening.objects.count() >= 4
    villages = Organization.objects.filter(kind="village").count()
    assert villages * 3 <= ResidentRequest.objects.count() <= villages * 15
    assert TownshipReport.objects.count() == Organization.objects.filter(kind="township").count()
    kinds = dict(Activity.objects.values_list("org__kind").annotate(n=Count("id")))
    assert set(kinds) == {"village", "unit", "community"}
    assert kinds["village"] > 0.7 * sum(kinds.values())
    themes = Activity.objects.values("theme").distinct().count()
    assert themes == 17
    funds = Activity.objects.values_list("funds", flat=True)
    zero = sum(1 for f in funds if f == 0)
    assert 0.5 * len(funds) < zero < 0.95 * len(funds)
    assert max(funds) >= 10_000


def test_every_state_present_and_consistent(data):
    assert set(Activity.objects.values_list("status", flat=True)) == set(ActivityStatus.values)
    assert not Activity.objects.filter(status=ActivityStatus.RETURNED, return_reason="").exists()
    assert not Activity.objects.exclude(status=ActivityStatus.RETURNED).exclude(
        return_reason="").exists()
    assert not Activity.objects.filter(status=ActivityStatus.DRAFT,
                                       submitted_at__isnull=False).exists()
    assert not Activity.objects.exclude(status=ActivityStatus.DRAFT).filter(
        submitted_at__isnull=True).exists()
    confirmed = Activity.objects.filter(status=ActivityStatus.CONFIRMED)
    assert not confirmed.filter(confirmed_by__isnull=True).exists()
    assert not confirmed.filter(confirmed_at__isnull=True).exists()
    # Past months mostly confirmed; last month and this month still being checked.
    old = Activity.objects.filter(date__lt=datetime.date(2026, 9, 1))
    assert old.filter(status=ActivityStatus.CONFIRMED).count() > 0.9 * old.count()
    this_month = Activity.objects.in_month(*CURRENT)
    assert this_month.filter(status=ActivityStatus.SUBMITTED).count() > \
        0.3 * this_month.count()
    assert this_month.filter(status=ActivityStatus.DRAFT).exists()

    assert set(ResidentRequest.objects.values_list("status", flat=True)) == \
        set(RequestStatus.values)
    published = ResidentRequest.objects.filter(status=RequestStatus.PUBLISHED)
    assert published.exists() and not published.filter(need__isnull=True).exists()
    assert not ResidentRequest.objects.exclude(status=RequestStatus.PUBLISHED).filter(
        need__isnull=False).exists()
    for request in published.select_related("need"):
        assert request.need.village_org_id == request.village_org_id
        assert request.date <= request.need.created_at.date()
    assert not ResidentRequest.objects.filter(status=RequestStatus.PENDING,
                                              judged_at__isnull=False).exists()
    assert not ResidentRequest.objects.exclude(status=RequestStatus.PENDING).filter(
        judged_at__isnull=True).exists()

    reports = TownshipReport.objects.all()
    assert set(reports.values_list("status", flat=True)) == set(ReportStatus.values)
    for report in reports:
        assert (report.year, report.half) == (REFERENCE_DATE.year, 1)
        assert report.figures["activities"] > 0 and report.figures["villages"] > 0
        assert (report.status == ReportStatus.FILED) == (report.filed_at is not None)
        assert (report.status == ReportStatus.DRAFT) == (report.submitted_at is None)
        assert (report.status == ReportStatus.RETURNED) == bool(report.return_reason)


def test_nothing_after_the_reference_date(data):
    assert not Activity.objects.filter(date__gt=REFERENCE_DATE).exists()
    assert not Activity.objects.filter(date__lt=FIRST_DAY).exists()
    for name in ("created_at", "submitted_at", "confirmed_at", "updated_at"):
        assert not Activity.objects.filter(**{f"{name}__gte": END_OF_REFERENCE_DAY}).exists()
    assert not Evidence.objects.filter(uploaded_at__gte=END_OF_REFERENCE_DAY).exists()
    assert not ResidentRequest.objects.filter(date__gt=REFERENCE_DATE).exists()
    assert not ResidentRequest.objects.filter(judged_at__gte=END_OF_REFERENCE_DAY).exists()
    assert not MonthReopening.objects.filter(reopened_at__gte=END_OF_REFERENCE_DAY).exists()
    # Entries were submitted before their month closed, confirmed after being submitted.
    for day, created, submitted, confirmed in Activity.objects.exclude(
            status=ActivityStatus.DRAFT).values_list("date", "created_at", "submitted_at",
                                                      "confirmed_at"):
        assert created <= submitted
        assert submitted.date() <= close_date(day.year, day.month, 5)
        assert confirmed is None or submitted < confirmed


def test_every_participant_is_eligible(data):
    paths = dict(Organization.objects.values_list("pk", "path"))
    kinds = dict(Organization.objects.values_list("pk", "kind"))
    partners = defaultdict(set)
    for city, village in Pairing.objects.filter(status=PairingStatus.ACTIVE).values_list(
            "city_org_id", "village_org_id"):
        partners[city].add(village)
        partners[village].add(city)
    rows = Participation.objects.values_list("activity__org_id", "person__home_org_id",
                                             "activity__pairing__city_org_id",
                                             "person__is_active")
    for org, home, pairing_city, active in rows:
        assert active
        assert paths[home].startswith(paths[org]) or home in partners[org], (org, home)
        if kinds[org] == "village" and home != org:
            # A partner's people join the village's activities linked to that pairing.
            assert home == pairing_city, (org, home, pairing_city)
    # The same answer as the service the activity form uses, for a few organizations.
    for org in Organization.objects.filter(pk__in=Activity.objects.values("org")
                                           .annotate(n=Count("id")).order_by("-n")
                                           .values("org")[:3]):
        used = set(Participation.objects.filter(activity__org=org)
                   .values_list("person_id", flat=True))
        assert used <= set(eligible_participants(org).values_list("pk", flat=True))
    for activity in Activity.objects.filter(pairing__isnull=False).select_related(
            "pairing")[:300]:
        assert activity.org_id in (activity.pairing.city_org_id, activity.pairing.village_org_id)
        assert activity.pairing.since <= activity.date
    for activity in Activity.objects.filter(need__isnull=False).select_related("need"):
        assert activity.need.village_org_id == activity.org_id


def test_compliance_has_red_cells(data):
    months = _year_months()
    closed = months[1:-1]  # whole months, all closed at the reference date
    counted = Activity.objects.filter(status__in=COUNTED)
    village_months = set(counted.filter(org__kind="village").values_list(
        "org_id", "date__year", "date__month"))
    villages = list(Organization.objects.filter(kind="village").values_list("pk", "path"))
    silent = [(pk, ym) for pk, _ in villages for ym in closed if (pk, *ym) not in village_months]
    assert 0 < len(silent) < 0.05 * len(villages) * len(closed)
    township = demo_org("township_admin")
    assert any(path.startswith(township.path) for pk, path in villages
               if any(p == pk for p, _ in silent))

    paired = Pairing.objects.filter(status=PairingStatus.ACTIVE).values("city_org")
    talents = list(Person.objects.filter(is_city_talent=True, home_org__in=paired)
                   .values_list("pk", flat=True))
    served = set(Participation.objects.filter(
        person__is_city_talent=True, activity__org__kind="village",
        activity__status__in=COUNTED).values_list("person_id", "activity__date__year",
                                                  "activity__date__month"))
    cells = [(t, ym) for t in talents for ym in closed]
    red = [(t, ym) for t, ym in cells if (t, *ym) not in served]
    assert 0 < len(red) < 0.3 * len(cells)  # most talents serve a village most months
    per_talent = defaultdict(int)
    for t, _ in red:
        per_talent[t] += 1
    assert sum(1 for t in talents if per_talent[t] <= 2) > 0.6 * len(talents)


def demo_org(username):
    from django.contrib.auth import get_user_model
    return get_user_model().objects.get(username=username).role_assignments.get().org


def test_demo_accounts_have_something_to_see(data):
    village = demo_org("village_secretary")
    mine = Activity.objects.filter(org=village)
    now = set(mine.in_month(*CURRENT).values_list("status", flat=True))
    assert {ActivityStatus.DRAFT, ActivityStatus.SUBMITTED, ActivityStatus.RETURNED} <= now
    last = _year_months()[-2]
    assert mine.in_month(*last).filter(status=ActivityStatus.RETURNED).exists()
    reopening = MonthReopening.objects.get(org=village, year=last[0], month=last[1])
    assert reopening.reopened_at < END_OF_REFERENCE_DAY < reopening.expires_at
    assert Evidence.objects.filter(activity__org=village).count() >= 10
    # The demo talent serves the paired demo village in every month but one.
    talent = Person.objects.get(user__username="talent")
    months = set(Participation.objects.filter(
        person=talent, activity__org__kind="village", activity__status__in=COUNTED)
        .values_list("activity__date__year", "activity__date__month"))
    assert len(set(_year_months()[1:-1]) - months) == 1


def test_evidence_shares_a_few_generated_files(data):
    files = set(Evidence.objects.values_list("file", "thumbnail"))
    assert 2 <= len(files) <= 10
    for name, thumb in files:
        assert name.startswith(f"{EVIDENCE_DIR}/")
        assert (data / name).is_file()
        if thumb:
            with Image.open(data / thumb) as image:
                assert max(image.size) <= 320
    photo = Evidence.objects.filter(kind="photo").first()
    with Image.open(data / photo.file.name) as image:
        assert image.format == "JPEG"
    assert photo.size == (data / photo.file.name).stat().st_size
    assert Evidence.objects.filter(kind="file").exists()


def _fingerprint():
    return (
        list(Activity.objects.order_by("id").values_list(
            "org__code", "date", "theme__code", "title", "place", "status", "funds",
            "beneficiaries", "pairing__city_org__code", "need__title", "created_at",
            "confirmed_at")),
        list(Participation.objects.order_by("id").values_list(
            "activity__title", "person__id_number", "hours", "role")),
        list(ResidentRequest.objects.order_by("id").values_list(
            "village_org__code", "date", "content", "status", "raised_by", "need__title")),
        list(MonthReopening.objects.order_by("id").values_list("org__code", "year", "month",
                                                               "reopened_at")),
        list(TownshipReport.objects.order_by("id").values_list("township__code", "status",
                                                               "summary")),
        list(Evidence.objects.order_by("id").values_list("activity__title", "file",
                                                         "original_name")),
    )


def test_same_seed_same_data_and_reset_removes_it(data):
    media = data
    first = _fingerprint()  # the module's county, seed 1
    demo.seed("small", 1, reset=True)
    assert _fingerprint() == first
    uploaded = Evidence.objects.first()
    default_storage.save("evidence/2026/11/upload.jpg",
                         ContentFile((media / uploaded.file.name).read_bytes()))
    Evidence.objects.filter(pk=uploaded.pk).update(file="evidence/2026/11/upload.jpg")
    demo.reset_demo_data()
    for model in (Activity, Participation, Evidence, MonthReopening, ResidentRequest,
                  TownshipReport, Activity.history.model, TownshipReport.history.model,
                  TalentMonthTally, TalentMonthTotal, TownshipMonthTally,
                  PairedUnitMonthTally):
        assert not model.objects.exists(), model
    assert not (media / "evidence/2026/11/upload.jpg").exists()  # an upload goes
    assert (media / EVIDENCE_DIR).is_dir()  # the shared demo images stay for the next seed
    assert not Organization.objects.exists()


def test_members_activities_link_to_their_alliances_with_a_monthly_charity_and_menu_items(data):
    from alliances.models import Alliance, Membership, MenuStatus, ServiceMenuItem

    linked = Activity.objects.filter(alliance__isnull=False)
    assert 0.1 * Activity.objects.count() < linked.count() < 0.5 * Activity.objects.count()
    assert linked.filter(org__kind="village").count() > 0.6 * linked.count()
    # The organization was a member of the alliance on the day.
    spells = defaultdict(list)
    for alliance, org, joined, left in Membership.objects.values_list(
            "alliance", "org", "joined_on", "left_on"):
        spells[(alliance, org)].append((joined, left))
    for alliance, org, day in linked.values_list("alliance", "org", "date"):
        assert any(joined <= day and (left is None or day < left)
                   for joined, left in spells[(alliance, org)]), (alliance, org, day)

    # 一月一公益: most alliances hold one nearly every closed month, with a few gaps.
    held = set(linked.filter(theme__code="monthly_charity", status__in=COUNTED)
               .values_list("alliance", "date__year", "date__month"))
    cells = [(pk, y, m) for pk, founded in Alliance.objects.values_list("pk", "founded")
             for y, m in _year_months()[1:-1] if founded < datetime.date(y, m, 1)]
    done = sum(cell in held for cell in cells)
    assert 0.8 * len(cells) <= done < len(cells)

    # Every menu item scheduled or done has its activity: planned (a draft) or held.
    items = ServiceMenuItem.objects.filter(status__in=[MenuStatus.SCHEDULED, MenuStatus.DONE])
    assert items.exists()
    delivered = Activity.objects.filter(menu_item__isnull=False)
    assert sorted(delivered.values_list("menu_item", flat=True)) == sorted(
        items.values_list("pk", flat=True))
    for activity in delivered.select_related("menu_item"):
        item = activity.menu_item
        assert activity.alliance_id == item.alliance_id and activity.date == item.planned_date
        assert activity.title == item.title
        if item.status == MenuStatus.SCHEDULED:
            assert activity.status == ActivityStatus.DRAFT
        else:
            assert activity.status in COUNTED


def test_alliances_count_the_same_activities_as_the_ledger():
    """alliances reaches ledger rows without importing the ledger: its copy of the counted
    statuses must stay the ledger's."""
    from alliances.hooks import COUNTED_ACTIVITY_STATUSES
    from ledger.compliance import COUNTED_STATUSES

    assert set(COUNTED_ACTIVITY_STATUSES) == set(COUNTED_STATUSES)

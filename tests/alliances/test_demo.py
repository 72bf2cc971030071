"""seed_demo's alliances data: every alliances model has rows, each township has one core
alliance with area alliances under it, a county-wide task alliance and one 示范点, members from
several kinds of organization with a former one, no venue booked twice at once, inspections
never of oneself nor mutual, project lists with 书记领办 projects naming their secretary, star
ratings with the 示范点 at four stars or more, 擂台赛 criteria weighing 100 % and judges from
outside the entrants, nothing that happened dated after the reference date, and the same seed
giving the same alliances and memberships after a reset; meetings hosted by members with
attendees from member organizations, last year's review computed by the review rule with peer
scores never of oneself, menu vote counts equal to the votes, experts matching member villages'
needs and development quotas never exceeded."""

import datetime
import itertools
from collections import defaultdict

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.db.models import Count, F, Q, Sum

from alliances.demo import MEETING_PHOTO_DIR
from alliances.models import (
    QUOTA_HOLDING,
    Alliance,
    AllianceKind,
    AnnualReview,
    Booking,
    BookingStatus,
    CandidateStage,
    Competition,
    CompetitionStatus,
    DevelopmentCandidate,
    DevelopmentQuota,
    Expert,
    Inspection,
    InspectionRound,
    Judge,
    JudgeScore,
    Meeting,
    MeetingKind,
    MeetingPhoto,
    MeetingStatus,
    MemberReport,
    Membership,
    MentorPair,
    MenuChannel,
    MenuStatus,
    PeerScore,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Rectification,
    ReviewStatus,
    ServiceMenuItem,
    ServiceVote,
    StarRating,
    StarSource,
)
from alliances.peer_review import peer_results
from pairing.demo import REFERENCE_DATE
from pairing.models import Need, NeedKind
from portal import demo
from portal.models import Organization, Person, Role, RoleAssignment
from portal.models.orgs import OrgKind
from tests.seeding import end_of_reference_day

END_OF_REFERENCE_DAY = end_of_reference_day()


@pytest.fixture
def data(small_county, db):
    return small_county


def fingerprint():
    """The alliances and memberships by name and org code, not by primary key (a reseed numbers
    rows differently)."""
    alliances = sorted(Alliance.objects.values_list(
        "name", "kind", "type__code", "owner__code", "parent__name", "lead_org__code",
        "leader__id_number", "founded", "is_demonstration"))
    memberships = sorted(Membership.objects.values_list(
        "alliance__name", "org__code", "joined_on", "left_on", "left_reason"),
        key=lambda row: tuple(str(v) for v in row))
    return alliances, memberships


def test_every_alliances_model_has_rows_and_the_summary_says_so(data):
    empty = [model.__name__ for model in apps.get_app_config("alliances").get_models()
             if not model.__name__.startswith("Historical")
             and not model._default_manager.exists()]
    assert empty == []
    lines = [line for line in data["app_lines"] if line.startswith("党建联盟：")]
    assert len(lines) == 1
    assert f"联盟 {Alliance.objects.count()}" in lines[0]
    for label, model in (("例会与观摩", Meeting), ("会议照片", MeetingPhoto),
                         ("述职互评", AnnualReview), ("成员述职", MemberReport),
                         ("相互评分", PeerScore), ("服务清单", ServiceMenuItem),
                         ("投票", ServiceVote), ("导师结对", MentorPair), ("本土专家", Expert),
                         ("党员发展指标", DevelopmentQuota), ("推荐人选", DevelopmentCandidate)):
        assert f"{label} {model.objects.count()}（" in lines[0] \
            or f"{label} {model.objects.count()}，" in lines[0], label
    attendees = Meeting.attendees.through.objects.count()
    assert f"参会人次 {attendees}，" in lines[0]


def test_each_township_has_one_core_alliance_with_area_alliances_under_it(data):
    townships = Organization.objects.filter(kind=OrgKind.TOWNSHIP)
    assert townships.count() == 8
    for township in townships:
        cores = Alliance.objects.filter(owner=township, kind=AllianceKind.CORE)
        assert cores.count() == 1, township.name
        core = cores.get()
        assert core.type.code == "red" and core.parent is None
        assert core.lead_org == township and core.leader.home_org == township
        areas = Alliance.objects.filter(owner=township, kind=AllianceKind.AREA)
        assert 2 <= areas.count() <= 3
        assert set(areas.values_list("parent", flat=True)) == {core.pk}
        assert set(areas.values_list("type__code", flat=True)) <= {"green", "blue"}
        for area in areas:
            assert area.lead_org.kind == OrgKind.VILLAGE
            assert area.leader.home_org == area.lead_org
            assert area.memberships.current().filter(org=area.lead_org).exists()
        # Every village of the township is in the core and in exactly one area alliance.
        villages = set(Organization.objects.filter(kind=OrgKind.VILLAGE,
                                                   path__startswith=township.path)
                       .values_list("pk", flat=True))
        assert villages <= set(core.memberships.current().values_list("org", flat=True))
        in_areas = list(Membership.objects.current().filter(alliance__in=areas,
                                                            org__in=villages)
                        .values_list("org", flat=True))
        assert sorted(in_areas) == sorted(villages)


def test_members_come_from_several_kinds_and_some_orgs_are_in_two_alliances(data):
    current = Membership.objects.current()
    kinds = set(current.values_list("org__kind", flat=True))
    assert {OrgKind.TOWNSHIP, OrgKind.VILLAGE, OrgKind.UNIT, OrgKind.COMMUNITY,
            OrgKind.ENTERPRISE, OrgKind.ASSOCIATION} <= kinds
    in_two_areas = (current.filter(alliance__kind=AllianceKind.AREA).values("org")
                    .annotate(n=Count("alliance")).filter(n__gte=2))
    assert in_two_areas.exists()
    former = Membership.objects.filter(left_on__isnull=False)
    assert former.exists()
    assert not former.filter(left_reason="").exists()
    assert not former.filter(left_on__lt=datetime.date(2000, 1, 1)).exists()


def test_one_county_wide_task_alliance_across_townships_and_one_demonstration_site(data):
    task = Alliance.objects.get(kind=AllianceKind.TASK)
    assert task.owner.kind == OrgKind.COUNTY and task.purpose and task.is_open
    townships = {path[:8] for path in task.memberships.current()
                 .filter(org__kind=OrgKind.VILLAGE).values_list("org__path", flat=True)}
    assert len(townships) >= 3
    assert Alliance.objects.filter(is_demonstration=True).count() == 1


def test_no_venue_has_overlapping_active_bookings(data):
    by_venue = defaultdict(list)
    for venue, start, end in (Booking.objects.active().order_by("venue", "start")
                              .values_list("venue", "start", "end")):
        by_venue[venue].append((start, end))
    assert len(by_venue) >= 8
    for slots in by_venue.values():
        for (_, earlier_end), (later_start, _) in itertools.pairwise(slots):
            assert earlier_end <= later_start
    assert Booking.objects.filter(status=BookingStatus.CANCELLED).exists()
    # The weeks around the reference date: some held already, some still to come.
    assert Booking.objects.filter(start__lt=END_OF_REFERENCE_DAY).exists()
    assert Booking.objects.filter(start__gte=END_OF_REFERENCE_DAY).exists()
    assert not Booking.objects.filter(venue__is_active=False).exists()
    # Bookings are made by members of the venue's alliance.
    members = set(Membership.objects.current().values_list("alliance", "org"))
    assert set(Booking.objects.values_list("venue__alliance", "org")) <= members


def test_inspections_never_of_oneself_nor_mutual_within_a_round(data):
    rounds = InspectionRound.objects.annotate(n=Count("inspections"))
    assert rounds.count() == 8
    for round_ in rounds:
        pairs = set(round_.inspections.values_list("inspector", "inspected"))
        open_alliances = set(Alliance.objects.open().filter(owner=round_.owner)
                             .values_list("pk", flat=True))
        assert round_.n == len(open_alliances) >= 3
        assert {a for a, _ in pairs} == {b for _, b in pairs} == open_alliances
        assert all(a != b for a, b in pairs)
        assert not any((b, a) in pairs for a, b in pairs)
    scored = Inspection.objects.filter(score__isnull=False)
    assert scored.count() > Inspection.objects.filter(score__isnull=True).count()
    assert not scored.filter(findings="").exists()
    assert Rectification.objects.filter(closed_at__isnull=False).exists()
    assert Rectification.objects.filter(closed_at__isnull=True).exists()


def test_nothing_that_happened_is_dated_after_the_reference_date(data):
    """Founding, joining, leaving, inspecting, closing and the moments rows were made; only
    plans look ahead: upcoming bookings and rectification deadlines."""
    day = REFERENCE_DATE
    moment = END_OF_REFERENCE_DAY
    assert not Alliance.objects.filter(Q(founded__gt=day) | Q(closed_at__gt=day)
                                       | Q(created_at__gte=moment)).exists()
    assert not Membership.objects.filter(Q(joined_on__gt=day) | Q(left_on__gt=day)).exists()
    assert not InspectionRound.objects.filter(Q(created_at__gte=moment) | Q(due__gt=day)).exists()
    assert not Inspection.objects.filter(inspected_on__gt=day).exists()
    assert not Rectification.objects.filter(closed_at__gte=moment).exists()
    assert not Booking.objects.filter(created_at__gte=moment).exists()
    assert not Booking.objects.filter(created_at__gt=F("start")).exists()  # made before it starts
    # Projects: only a planned project starts later; deadlines (end dates) are plans.
    assert not Project.objects.filter(created_at__gte=moment).exists()
    assert not Project.objects.filter(start_date__gt=day).exclude(
        status=ProjectStatus.PLANNED).exists()
    assert not Project.objects.filter(status=ProjectStatus.DONE, end_date__gt=day).exists()
    assert not ProjectUpdate.objects.filter(recorded_at__gte=moment).exists()
    assert not ProjectUpdate.objects.filter(project__status=ProjectStatus.PLANNED).exists()
    assert not StarRating.objects.filter(rated_at__gte=moment).exists()
    assert not Competition.objects.filter(Q(held_on__gt=day) | Q(published_at__gte=moment)) \
        .exists()
    assert not JudgeScore.objects.filter(scored_at__gte=moment).exists()
    # Meetings: only planned ones lie ahead; everything recorded about them is in the past.
    assert not Meeting.objects.filter(starts_at__gte=moment).exclude(
        status=MeetingStatus.PLANNED).exists()
    assert not Meeting.objects.filter(status=MeetingStatus.PLANNED,
                                      starts_at__lt=moment).exists()
    assert not Meeting.objects.filter(created_at__gte=moment).exists()
    assert not Meeting.objects.filter(created_at__gt=F("starts_at")).exists()
    assert not MeetingPhoto.objects.filter(
        Q(uploaded_at__gte=moment) | Q(uploaded_at__lt=F("meeting__starts_at"))).exists()
    assert not AnnualReview.objects.filter(Q(opened_at__gte=moment) | Q(closed_at__gte=moment)) \
        .exists()
    assert not MemberReport.objects.filter(submitted_at__gte=moment).exists()
    assert not PeerScore.objects.filter(scored_at__gte=moment).exists()
    assert not ServiceMenuItem.objects.filter(created_at__gte=moment).exists()
    assert not ServiceMenuItem.objects.filter(planned_date__gt=day).exists()
    assert not ServiceVote.objects.filter(
        Q(voted_at__gte=moment) | Q(voted_at__lt=F("item__created_at"))).exists()
    assert not MentorPair.objects.filter(Q(started_on__gt=day) | Q(ended_on__gt=day)).exists()
    assert not Expert.objects.filter(added_at__gte=moment).exists()
    assert not DevelopmentQuota.objects.filter(set_at__gte=moment).exists()
    for field in ("recommended_on", "training_since", "quota_granted_on", "admitted_on"):
        assert not DevelopmentCandidate.objects.filter(**{f"{field}__gt": day}).exists(), field


def test_the_same_seed_gives_the_same_alliances_and_memberships_after_a_reset(data):
    before = fingerprint()
    demo.seed("small", 1, reset=True)
    assert fingerprint() == before
    assert before[0] and before[1]


def test_project_lists_common_and_individual_with_secretary_led_ones_and_quarterly_updates(data):
    assert Project.objects.filter(member__isnull=True).exists()
    assert Project.objects.filter(member__isnull=False).exists()
    led = Project.objects.filter(secretary_led=True)
    assert led.exists()
    assert not led.filter(secretary__isnull=True).exists()
    # An individual project led by a secretary: that of its member organization; a common one:
    # that of the alliance's lead organization.
    for project in led.select_related("member", "alliance__lead_org"):
        org = project.member or project.alliance.lead_org
        assert project.secretary_id == org.secretary_id, project.name
    assert not Project.objects.filter(secretary_led=False, secretary__isnull=False).exists()
    # Individual projects belong to current members of their alliance.
    members = set(Membership.objects.current().values_list("alliance", "org"))
    assert set(Project.objects.filter(member__isnull=False)
               .values_list("alliance", "member")) <= members
    assert set(Project.objects.values_list("status", flat=True)) == set(ProjectStatus.values)
    assert not Project.objects.filter(status=ProjectStatus.DONE).exclude(progress=100).exists()
    # Updates come quarter by quarter, progress never going back; the project shows the latest.
    by_project = defaultdict(list)
    for project, progress in ProjectUpdate.objects.order_by(
            "project", "year", "quarter").values_list("project", "progress"):
        by_project[project].append(progress)
    assert by_project
    assert all(a <= b for series in by_project.values() for a, b in itertools.pairwise(series))
    latest = dict(Project.objects.values_list("pk", "progress"))
    assert all(latest[pk] == series[-1] for pk, series in by_project.items())
    # Some ongoing projects are past their planned completion date.
    assert Project.objects.filter(status=ProjectStatus.ONGOING, end_date__lt=REFERENCE_DATE) \
        .exists()


def test_star_ratings_for_the_quarters_ended_with_reasons_and_the_demonstration_site_high(data):
    ratings = StarRating.objects.all()
    assert set(ratings.values_list("year", flat=True)) == {REFERENCE_DATE.year}
    ended = (REFERENCE_DATE.month - 1) // 3  # quarters of the reference year ended by then
    assert set(ratings.values_list("quarter", flat=True)) == set(range(1, ended + 1))
    assert set(ratings.values_list("alliance", flat=True)) == set(
        Alliance.objects.values_list("pk", flat=True))
    by_score = ratings.filter(source=StarSource.SCORE)
    manual = ratings.filter(source=StarSource.MANUAL)
    assert manual.exists() and by_score.count() > 5 * manual.count()
    assert not by_score.filter(score__isnull=True).exists()
    assert all(f"{score:.1f}分" in reason
               for score, reason in by_score.values_list("score", "reason"))
    assert not ratings.filter(reason="").exists()
    # One score-based rating per alliance and quarter; a manual one re-rates it later.
    assert not by_score.values("alliance", "quarter").annotate(n=Count("id")) \
        .filter(n__gt=1).exists()
    for row in manual:
        original = by_score.get(alliance=row.alliance_id, year=row.year, quarter=row.quarter)
        assert row.rated_at > original.rated_at and abs(row.stars - original.stars) == 1
    site = Alliance.objects.get(is_demonstration=True)
    for quarter in (ended - 1, ended):
        latest = site.star_ratings.filter(year=REFERENCE_DATE.year, quarter=quarter) \
            .order_by("-rated_at", "-id").first()
        assert latest is not None and latest.stars >= 4


def test_competitions_weigh_their_criteria_to_100_and_judges_score_every_entrant(data):
    townships = Organization.objects.filter(kind=OrgKind.TOWNSHIP)
    competitions = Competition.objects.annotate(total=Sum("criteria__weight"),
                                                n=Count("criteria"))
    assert {(c.owner_id, c.half) for c in competitions} == {
        (t.pk, half) for t in townships for half in (1, 2)}
    for competition in competitions:
        assert competition.total == 100 and competition.n == 3, competition.title
        entrants = set(competition.entrants.values_list("alliance", flat=True))
        assert entrants == set(Alliance.objects.open().filter(owner=competition.owner_id)
                               .values_list("pk", flat=True))
        assert competition.judges.count() == 3
        scores = JudgeScore.objects.filter(entrant__competition=competition)
        full = 3 * len(entrants) * 3
        if competition.half == 1:
            assert competition.status == CompetitionStatus.PUBLISHED
            assert competition.published_at is not None
            assert scores.count() == full
        else:
            assert competition.status == CompetitionStatus.OPEN
            assert competition.published_at is None
            assert 0 < scores.count() < full
    assert not JudgeScore.objects.exclude(judge__competition=F("entrant__competition")).exists()
    assert not JudgeScore.objects.exclude(criterion__competition=F("entrant__competition")) \
        .exists()


def test_no_judge_belongs_to_an_entrant_member_organization(data):
    """A judge's organizations: where the user holds a role, and the person's home."""
    orgs_of = defaultdict(set)
    for user, org in RoleAssignment.objects.values_list("user", "org"):
        orgs_of[user].add(org)
    for user, org in Person.objects.filter(user__isnull=False).values_list("user", "home_org"):
        orgs_of[user].add(org)
    members = defaultdict(set)
    for competition, org in Membership.objects.values_list("alliance__entries__competition",
                                                           "org"):
        members[competition].add(org)
    staff = set(RoleAssignment.objects.filter(role__in=[Role.COUNTY_ADMIN, Role.TOWNSHIP_ADMIN,
                                                        Role.LEADER, Role.ASSESSOR])
                .values_list("user", flat=True))
    judges = Judge.objects.values_list("competition", "user")
    assert judges
    for competition, user in judges:
        assert orgs_of[user], user
        assert not orgs_of[user] & members[competition], (competition, user)
        assert user in staff
    assert get_user_model().objects.filter(judgings__isnull=False).distinct().count() >= 3


def current_members():
    """{alliance pk: {org pk}} of the current members."""
    members = defaultdict(set)
    for alliance, org in Membership.objects.current().values_list("alliance", "org"):
        members[alliance].add(org)
    return members


def test_meetings_of_each_kind_hosted_in_turn_with_attendees_from_member_organizations(data):
    alliances = set(Alliance.objects.values_list("pk", flat=True))
    assert set(Meeting.objects.values_list("alliance", flat=True)) == alliances
    assert set(Meeting.objects.values_list("kind", flat=True)) == set(MeetingKind.values)
    assert set(Meeting.objects.values_list("status", flat=True)) == set(MeetingStatus.values)
    # Every alliance has a meeting planned ahead and its hosts rotate among its members.
    planned = Meeting.objects.filter(status=MeetingStatus.PLANNED)
    assert set(planned.values_list("alliance", flat=True)) == alliances
    assert not planned.exclude(minutes="").exists()
    assert not planned.filter(attendees__isnull=False).exists()
    everyone = defaultdict(set)
    for alliance, org in Membership.objects.values_list("alliance", "org"):
        everyone[alliance].add(org)
    hosts = defaultdict(set)
    for alliance, host in Meeting.objects.values_list("alliance", "host_org"):
        assert host in everyone[alliance]
        hosts[alliance].add(host)
    assert all(len(hosts[a]) >= min(3, len(everyone[a])) for a in alliances)
    # Held ones have minutes and attendees, all people of the alliance's member organizations.
    held = Meeting.objects.filter(status=MeetingStatus.HELD)
    assert not held.filter(minutes="").exists()
    assert not held.filter(attendees__isnull=True).exists()
    for alliance, home in held.values_list("alliance", "attendees__home_org"):
        assert home in everyone[alliance], (alliance, home)
    assert not Meeting.objects.filter(status=MeetingStatus.CANCELLED,
                                      attendees__isnull=False).exists()
    # Cancelled ones keep their reason, never in the minutes; no other meeting has one.
    cancelled = Meeting.objects.filter(status=MeetingStatus.CANCELLED)
    assert cancelled.exists() and not cancelled.filter(cancel_reason="").exists()
    assert not cancelled.exclude(minutes="").exists()
    assert not Meeting.objects.exclude(status=MeetingStatus.CANCELLED).exclude(
        cancel_reason="").exists()
    # Some held meetings have photos, the shared small demo images.
    photos = MeetingPhoto.objects.all()
    assert 0 < photos.values("meeting").distinct().count() < held.count()
    assert not photos.exclude(meeting__status=MeetingStatus.HELD).exists()
    files = set(photos.values_list("file", flat=True))
    assert 1 <= len(files) <= 4
    # Each with its thumbnail, shared small images too.
    thumbs = set(photos.values_list("thumbnail", flat=True))
    assert "" not in thumbs and len(thumbs) == len(files) and not thumbs & files
    assert all(name.startswith(f"{MEETING_PHOTO_DIR}/") for name in files | thumbs)
    assert all(default_storage.exists(name) for name in files | thumbs)


def test_last_years_review_is_closed_with_results_by_the_review_rule(data):
    year = REFERENCE_DATE.year
    reviews = AnnualReview.objects.all()
    assert reviews.filter(year=year - 1, status=ReviewStatus.CLOSED).count() == \
        Alliance.objects.filter(founded__lte=datetime.date(year - 1, 10, 31)).count()
    # This year's is open only once December has come.
    assert reviews.filter(year=year).exists() == (REFERENCE_DATE.month == 12)
    assert not reviews.filter(year=year - 1, status=ReviewStatus.OPEN).exists()
    assert not PeerScore.objects.filter(rater=F("ratee")).exists()
    for review in reviews.filter(status=ReviewStatus.CLOSED):
        scores = list(review.peer_scores.values_list("rater", "ratee", "score"))
        reports = {r.member_id: r for r in review.reports.all()}
        result = peer_results(scores, reports)
        assert set(reports) == {ratee for _, ratee, _ in scores}, review
        assert {m: r.peer_average for m, r in reports.items()} == result.averages
        assert {m: r.rank for m, r in reports.items()} == result.ranks
        assert review.score == result.score and review.closed_at is not None
        assert min(result.ranks.values()) == 1
        # Raters and ratees are the members that reported.
        raters = set(review.peer_scores.values_list("rater", flat=True))
        assert raters <= set(reports)
    assert not MemberReport.objects.filter(review__status=ReviewStatus.CLOSED,
                                           peer_average__isnull=True).exists()


def test_service_menu_in_every_channel_and_status_with_vote_counts_equal_to_the_votes(data):
    items = ServiceMenuItem.objects.annotate(n=Count("votes"))
    assert set(items.values_list("channel", flat=True)) == set(MenuChannel.values)
    assert set(items.values_list("status", flat=True)) == set(MenuStatus.values)
    assert not items.exclude(vote_count=F("n")).exists()
    assert items.filter(channel=MenuChannel.CHOSEN, n__gt=0).exists()
    assert not items.filter(status__in=[MenuStatus.OPEN, MenuStatus.WITHDRAWN],
                            provider__isnull=False).exists()
    assert not items.filter(status__in=[MenuStatus.COMMITTED, MenuStatus.SCHEDULED,
                                        MenuStatus.DONE], provider__isnull=True).exists()
    assert not items.filter(status__in=[MenuStatus.SCHEDULED, MenuStatus.DONE],
                            planned_date__isnull=True).exists()
    members = current_members()
    for alliance, proposer, provider in items.values_list("alliance", "proposed_by_org",
                                                          "provider"):
        assert proposer in members[alliance]
        assert provider is None or provider in members[alliance]


def test_mentor_pairs_and_experts_whose_specialties_answer_member_villages_needs(data):
    pairs = MentorPair.objects.all()
    assert pairs.filter(ended_on__isnull=True).exists() and pairs.filter(
        ended_on__isnull=False).exists()
    assert not pairs.filter(mentor=F("mentee")).exists()
    members = current_members()
    for alliance, mentor, mentee in pairs.values_list("alliance", "mentor__home_org",
                                                      "mentee__home_org"):
        assert {mentor, mentee} <= members[alliance]
    for alliance, home in Expert.objects.values_list("alliance", "person__home_org"):
        assert home in members[alliance]
    titles = defaultdict(list)
    for village, title in Need.objects.values_list("village_org", "title"):
        titles[village].append(title)
    answering = 0
    for expert in Expert.objects.all():
        needs = [t for org in members[expert.alliance_id] for t in titles.get(org, ())]
        specialties = expert.specialties.split("、")
        assert all(specialties)
        answering += any(s in t for s in specialties for t in needs)
    assert answering > Expert.objects.count() // 2
    # Micro-wishes (微心愿) of member villages are among the needs an expert answers.
    wishes = defaultdict(list)
    for village, title in Need.objects.filter(kind=NeedKind.MICRO_WISH).values_list(
            "village_org", "title"):
        wishes[village].append(title)
    assert any(s in t for expert in Expert.objects.all()
               for s in expert.specialties.split("、")
               for org in members[expert.alliance_id] for t in wishes.get(org, ()))


def test_a_development_quota_per_core_alliance_never_exceeded_and_candidates_at_every_stage(
        data):
    year = REFERENCE_DATE.year
    cores = Alliance.objects.filter(kind=AllianceKind.CORE)
    assert set(DevelopmentQuota.objects.filter(year=year).values_list("alliance", flat=True)) \
        == set(cores.values_list("pk", flat=True))
    candidates = DevelopmentCandidate.objects.all()
    assert set(candidates.values_list("stage", flat=True)) == set(CandidateStage.values)
    # Activists are people outside the party, few in the demo county (a township whose members
    # have none gets no candidates), so most quotas, not all, are in use.
    used = 0
    for quota in DevelopmentQuota.objects.all():
        held = candidates.filter(alliance=quota.alliance_id, year=quota.year,
                                 stage__in=QUOTA_HOLDING).count()
        assert held <= quota.places
        used += held > 0
    assert used > cores.count() // 2
    assert not candidates.values("person").annotate(n=Count("alliance", distinct=True)) \
        .filter(n__gt=1).exists()
    assert not candidates.filter(person__is_party_member=True).exclude(
        stage=CandidateStage.ADMITTED).exists()
    # 吸收入党 made them party members, as the development service does.
    assert not candidates.filter(stage=CandidateStage.ADMITTED,
                                 person__is_party_member=False).exists()
    assert candidates.filter(stage=CandidateStage.ADMITTED).exists()
    members = current_members()
    for alliance, branch, home, by in candidates.values_list(
            "alliance", "branch", "person__home_org", "recommended_by"):
        assert branch == home and branch in members[alliance] and by in members[alliance]
    # Each step dated after the one before.
    for row in candidates:
        steps = [d for d in (row.recommended_on, row.training_since, row.quota_granted_on,
                             row.admitted_on) if d is not None]
        assert steps == sorted(steps), row
        assert (row.stage == CandidateStage.ADMITTED) == (row.admitted_on is not None)
        assert (row.stage in QUOTA_HOLDING) == (row.quota_granted_on is not None)

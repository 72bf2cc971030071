"""Demo data for 党建联盟, on top of the portal's demo county and the pairing demo data.

Per township the "x+x+x" structure of seed 003: a town-wide core alliance (红色引领, led by the
township's party committee) with two or three area alliances (片区, 绿色发展 / 蓝色治理) under
it, each led by one of its villages. Members are the township's villages, its township-level
units, the city communities of the county seat, and the city organizations paired with its
villages and the enterprises and associations placed near it: every village is in the core and
in one area alliance, and some city organizations are in two areas; one area per township has a
former member who left with a reason. One county-wide task alliance (owner: the county) gathers
villages of several townships with county units, enterprises and an association; one area
alliance is a 示范点. Venues (党群服务中心, village premises) carry a few dozen bookings per
township in the weeks around the reference date (the later ones are upcoming bookings made
before it), never two on one venue at the same time, some cancelled. Each township has one
cross-inspection round among its open alliances, assigned cyclically from the round's seed
(each inspects the next, so never itself and no mutual pair), with findings and scores for most
and rectification items with deadlines, some closed.

Every alliance has the past year's meetings (a 例会 each quarter, 现场观摩 in spring and autumn,
a 轮办 activity every other month), hosted in turn by its members, the held ones with minutes,
attendees from member organizations and sometimes a photo (a few small images and their
thumbnails drawn once under MEDIA_ROOT/alliances/meetings/demo/), a few cancelled with their
reason, one or two planned ahead; last year's closed 述职互评 (each member scored by the next ten
in a shuffled circle; averages, ranks and the alliance's score by the review rule,
`alliances.peer_review`), and this year's open one only in December; service
menu items in every channel and status with their votes; mentor pairs among member secretaries;
experts whose specialties are what member villages' needs ask for; and per core alliance this
year's development quota with candidates at every stage, never more places held than given.
The ledger's demo links its activities to these alliances and to the scheduled and done menu
items.

Registered with `portal.demo.register_extension`; it runs after pairing's extension (it reads
the pairings) and before ledger's (INSTALLED_APPS order), in the same transaction. So no
activity is written here: the ledger's demo writes activities after this runs.
Everything is drawn from `random.Random(f"{seed}-alliances")` and dated relative to
`pairing.demo.REFERENCE_DATE`, never today. Rows go in with bulk inserts, without history rows.
The alliance types are the migration's reference data: the seed only restores missing ones
(a test database flush empties them) and the reset keeps them.
"""

import datetime
import io
import json
import random
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from alliances.demo_data import (
    AREA_GOALS,
    AREA_NAMES,
    BOOKING_PURPOSES,
    CANCEL_NOTE,
    CANDIDATE_REASONS,
    CANDIDATE_WITHDRAWN,
    CLOSING_NOTES,
    COMMON_PROJECTS,
    CORE_GOALS,
    CRITERIA_SETS,
    ENTRANT_TOPICS,
    EXPERT_INTRODUCTIONS,
    EXPERT_SPECIALTIES,
    FINAL_NOTE,
    FINDINGS,
    INDIVIDUAL_PROJECTS,
    LEAVE_REASONS,
    MANUAL_DOWN_REASONS,
    MANUAL_UP_REASONS,
    MEETING_MINUTES,
    MEETING_PHOTO_CAPTIONS,
    MEETING_TITLES,
    MEETING_TOPICS,
    MENTOR_GOALS,
    MENU_ITEMS,
    PEER_COMMENTS,
    QUOTA_NOTE,
    RECTIFICATIONS,
    REPORT_TEXTS,
    REVIEW_SUMMARY,
    STAR_THRESHOLDS,
    STOPPED_NOTE,
    TASK_ALLIANCE,
    TYPE_WORDS,
    UPDATE_NOTES,
)
from alliances.models import (
    Alliance,
    AllianceKind,
    AllianceType,
    AnnualReview,
    Booking,
    BookingStatus,
    CandidateStage,
    Competition,
    CompetitionStatus,
    Criterion,
    DevelopmentCandidate,
    DevelopmentQuota,
    Entrant,
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
    OwnerMemberTally,
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
    Venue,
    VenueKind,
)
from alliances.peer_review import peer_results
from alliances.scope import MEMBER_ROLES
from pairing.demo import REFERENCE_DATE
from pairing.models import Need, Pairing, PairingStatus
from portal import demo as portal_demo
from portal.bulk_load import copy_rows, insert_instances
from portal.images import THUMB_SIDE
from portal.models import Person
from portal.models.orgs import OrgKind

YEAR = REFERENCE_DATE.year
BATCH = 1000
# Bookings fall in these weeks around the reference date; each slot is (start, end) hours.
BOOKING_DAYS = range(-28, 21)
BOOKING_SLOTS = ((9, 0, 11, 30), (14, 30, 17, 0), (19, 0, 21, 0))
OPENING_HOURS = {VenueKind.SERVICE_CENTER: "每日 8:30-21:30",
                 VenueKind.MEETING_ROOM: "每日 8:30-21:30（需提前一天预约）",
                 VenueKind.VILLAGE: "每日 8:00-21:30（联系村党组织预约）"}
TYPES_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "alliance_types.json"
# The ledger's year of data starts the day after this date a year before the reference date:
# a menu item done in it has its activity in the ledger.
LEDGER_FIRST_DAY = REFERENCE_DATE.replace(year=YEAR - 1) + datetime.timedelta(days=1)
# Meetings over the past year by month: the quarter's 例会 in its middle month, a 现场观摩 in
# April and October, a 轮办 activity every other month.
MEETING_MONTHS = {MeetingKind.REGULAR: (2, 5, 8, 11), MeetingKind.SITE_VISIT: (4, 10),
                  MeetingKind.ROTATING: (1, 3, 5, 7, 9, 11)}
PEERS_SCORED = 10  # each member scores the next ten in a shuffled circle (all, in a small one)
MENU_STATUS_WEIGHTS = {MenuStatus.OPEN: 25, MenuStatus.COMMITTED: 15, MenuStatus.SCHEDULED: 15,
                       MenuStatus.DONE: 35, MenuStatus.WITHDRAWN: 10}
# Why a withdrawn menu item was taken off, in turn (not drawn: the random sequence stays as it
# was for everything built after the menu).
MENU_WITHDRAW_REASONS = ("与本月已排期的项目重复，合并开展。", "承办条件暂不具备，待明年再议。",
                         "群众投票较少，暂不列入本年度清单。", "已由村级自行组织完成。")
MEETING_PHOTO_DIR = "alliances/meetings/demo"
MEETING_PHOTO_SIZE = (480, 360)


def _moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute),
                                     tzinfo=timezone.get_default_timezone())


def _day_between(rng, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


@contextmanager
def _explicit_created_at(*models, more=()):
    """Let bulk inserts keep the `created_at` (and the other (model, field) moments in `more`)
    drawn here: auto_now_add and auto_now would stamp today."""
    fields = [model._meta.get_field("created_at") for model in models]
    fields += [model._meta.get_field(name) for model, name in more]
    saved = [(f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f in fields:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, (auto_now, auto_now_add) in zip(fields, saved, strict=True):
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def _quarter_of(day: datetime.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _quarter_end(year: int, quarter: int) -> datetime.date:
    if quarter == 4:
        return datetime.date(year, 12, 31)
    return datetime.date(year, 3 * quarter + 1, 1) - datetime.timedelta(days=1)


def _quarters(first: tuple[int, int], last: tuple[int, int]):
    """The (year, quarter) pairs from `first` to `last`, both included."""
    year, quarter = first
    while (year, quarter) <= last:
        yield year, quarter
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def _stars_for(score: float) -> int:
    return next(stars for lowest, stars in STAR_THRESHOLDS if score >= lowest)


def _alliance_types() -> dict:
    """The types by code, restoring any of the migration's three that is missing."""
    types = {t.code: t for t in AllianceType.objects.all()}
    rows = json.loads(TYPES_FIXTURE.read_text(encoding="utf-8"))
    missing = [AllianceType(code=row["code"], name=row["name"], colour=row["colour"],
                            description=row["description"], order=order)
               for order, row in enumerate(rows, start=1) if row["code"] not in types]
    insert_instances(AllianceType, missing)
    types.update((t.code, t) for t in missing)
    return types


def _meeting_photos() -> list[tuple[str, str]]:
    """Write the shared demo meeting photos and their thumbnails once (if missing) and return
    their (photo, thumbnail) names: small drawings of a meeting room with a banner, like the
    ledger's evidence photos."""
    from PIL import Image, ImageDraw

    rng = random.Random("alliances-demo-photos")
    names = []
    for number, (wall, banner) in enumerate((((235, 228, 210), (200, 30, 30)),
                                             ((220, 228, 235), (190, 20, 30)),
                                             ((240, 235, 220), (210, 40, 40)),
                                             ((225, 220, 205), (180, 30, 40))), start=1):
        name = f"{MEETING_PHOTO_DIR}/meeting_{number:02d}.jpg"
        thumb = f"{MEETING_PHOTO_DIR}/meeting_{number:02d}-thumb.jpg"
        names.append((name, thumb))
        if default_storage.exists(name) and default_storage.exists(thumb):
            continue
        width, height = MEETING_PHOTO_SIZE
        image = Image.new("RGB", MEETING_PHOTO_SIZE, wall)
        draw = ImageDraw.Draw(image)
        draw.rectangle((60, 30, width - 60, 80), fill=banner)  # the meeting's banner
        draw.rectangle((0, int(height * 0.62), width, height), fill=(150, 110, 80))  # the table
        for row in range(2):
            for seat in range(rng.randint(6, 9)):
                x = 40 + seat * 50 + rng.randint(-6, 6)
                y = int(height * 0.45) + row * 70
                colour = rng.choice(((40, 60, 140), (60, 60, 60), (230, 230, 230), (180, 40, 40)))
                draw.ellipse((x - 12, y - 40, x + 12, y - 16), fill=(230, 190, 160))
                draw.rectangle((x - 16, y - 16, x + 16, y + 30), fill=colour)
        for stored, side in ((name, None), (thumb, THUMB_SIDE)):
            if side:
                image.thumbnail((side, side))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=70)
            default_storage.delete(stored)  # a half-written pair is drawn again
            default_storage.save(stored, ContentFile(buffer.getvalue()))
    return names


class _Builder:
    def __init__(self, context):
        self.plan, self.orgs, self.people = context.plan, context.orgs, context.people
        self.users = context.users
        self.rng = random.Random(f"{context.plan.seed}-alliances")
        self.types = _alliance_types()
        self.alliances, self.memberships, self.venues, self.bookings = [], [], [], []
        self.rounds, self.inspections, self.rectifications = [], [], []
        self.projects, self.updates, self.ratings = [], [], []
        self.competitions, self.criteria, self.entrants = [], [], []
        self.judges, self.scores = [], []
        self.meetings, self.attendees, self.photos = [], [], []
        self.reviews, self.reports, self.peer_scores = [], [], []
        self.menu_items, self.votes = [], []
        self.mentor_pairs, self.experts, self.quotas, self.candidates = [], [], [], []
        self.reference_moment = _moment(REFERENCE_DATE, 18)
        self._index_orgs()

    # --- the county as the plan describes it ---

    def _index_orgs(self):
        plan = self.plan
        kinds = defaultdict(list)
        for i, org in enumerate(plan.orgs):
            kinds[org.kind].append(i)
        self.county = kinds[OrgKind.COUNTY][0]
        self.townships = kinds[OrgKind.TOWNSHIP]
        self.people_of = defaultdict(list)
        for i, person in enumerate(plan.people):
            self.people_of[person.org].append(i)

        def under(township, kind, depth=None):
            path = plan.orgs[township].path
            return [i for i in kinds[kind] if plan.orgs[i].path.startswith(path)
                    and (depth is None or plan.orgs[i].depth == depth)]

        self.villages = {t: sorted(under(t, OrgKind.VILLAGE),
                                   key=lambda v: (plan.orgs[v].longitude or 0, v))
                         for t in self.townships}
        self.local_units = {t: under(t, OrgKind.UNIT) + under(t, OrgKind.COMMUNITY)
                            for t in self.townships}
        self.county_units = [u for u in kinds[OrgKind.UNIT] if plan.orgs[u].depth == 2]
        self.enterprises = kinds[OrgKind.ENTERPRISE]
        self.associations = kinds[OrgKind.ASSOCIATION]

        # "Near" a township: the city organizations paired with its villages, and the
        # enterprises and associations dealt out to the townships.
        self.index_of = index_of = {org.pk: i for i, org in enumerate(self.orgs)}
        township_of = {v: t for t, vs in self.villages.items() for v in vs}
        paired = defaultdict(set)
        for city_pk, village_pk in Pairing.objects.filter(status=PairingStatus.ACTIVE) \
                .values_list("city_org_id", "village_org_id"):
            city, village = index_of.get(city_pk), index_of.get(village_pk)
            if village in township_of and city is not None:
                paired[township_of[village]].add(city)
        self.paired = {t: sorted(paired[t]) for t in self.townships}
        dealt = self.enterprises + self.associations
        self.rng.shuffle(dealt)
        self.nearby = defaultdict(list)
        for n, org in enumerate(dealt):
            self.nearby[self.townships[n % len(self.townships)]].append(org)

    def leader_of(self, org: int):
        """The lead organization's secretary, or its first person."""
        index = self.plan.orgs[org].secretary
        if index is None and self.people_of[org]:
            index = self.people_of[org][0]
        return self.people[index] if index is not None else None

    def admin_of(self, n: int):
        """The demo township admin of the n-th township (None if the plan has no such user)."""
        return self.users.get("township_admin" if n == 0 else f"township_admin_{n + 1:02d}")

    # --- alliances and members ---

    def alliance(self, *, name, kind, type_code, owner, lead, founded, goals, parent=None,
                 purpose="", created_by=None):
        row = Alliance(name=name, kind=kind, type=self.types[type_code],
                       owner=self.orgs[owner], parent=parent, lead_org=self.orgs[lead],
                       leader=self.leader_of(lead), founded=founded, goals=goals,
                       purpose=purpose, created_by=created_by,
                       created_at=_moment(founded, 10, self.rng.randrange(60)))
        self.alliances.append(row)
        return row

    def join(self, alliance, orgs, *, added_by, late_share=0.0):
        """Current memberships from the founding day; a share of them joined later."""
        for org in orgs:
            joined = alliance.founded
            if self.rng.random() < late_share:
                joined = _day_between(self.rng, joined + datetime.timedelta(days=30),
                                      REFERENCE_DATE - datetime.timedelta(days=20))
            self.memberships.append(Membership(alliance=alliance, org=self.orgs[org],
                                               joined_on=joined, added_by=added_by))

    def build_township(self, n: int, township: int):
        rng, plan = self.rng, self.plan
        town = plan.orgs[township].name
        admin = self.admin_of(n)
        villages = self.villages[township]
        local = self.local_units[township]
        paired = rng.sample(self.paired[township], min(3, len(self.paired[township])))
        nearby = self.nearby[township]
        founded = _day_between(rng, datetime.date(YEAR - 1, 3, 1), datetime.date(YEAR - 1, 5, 20))

        core = self.alliance(name=f"{town}全域党建联盟", kind=AllianceKind.CORE, type_code="red",
                             owner=township, lead=township, founded=founded,
                             goals=rng.choice(CORE_GOALS).format(town=town), created_by=admin)
        founders = [township, *villages, *local]
        self.join(core, founders, added_by=admin)
        self.join(core, [o for o in dict.fromkeys([*paired[:2], *nearby]) if o not in founders],
                  added_by=admin, late_share=0.5)

        count = 3 if len(villages) >= 9 and rng.random() < 0.6 else 2
        type_codes = ["green", "blue", rng.choice(("green", "blue"))][:count]
        size, extra = divmod(len(villages), count)
        groups, start = [], 0
        for g in range(count):
            end = start + size + (g < extra)
            groups.append(villages[start:end])
            start = end
        others = list(dict.fromkeys([*local, *paired, *nearby]))
        rng.shuffle(others)
        areas = []
        for g, (area_name, type_code, group) in enumerate(zip(AREA_NAMES[count], type_codes,
                                                              groups, strict=True)):
            lead = max(group, key=lambda v: (len(self.people_of[v]), -v))
            area = self.alliance(
                name=f"{town}{area_name}{TYPE_WORDS[type_code]}党建联盟", kind=AllianceKind.AREA,
                type_code=type_code, owner=township, lead=lead, parent=core,
                founded=founded + datetime.timedelta(days=rng.randint(7, 40)),
                goals=rng.choice(AREA_GOALS[type_code]), created_by=admin)
            # Each city organization in one area; the first also in the next area.
            mine = others[g::count] + (others[:1] if g == 1 and others else [])
            self.join(area, group, added_by=admin)
            self.join(area, dict.fromkeys(mine), added_by=admin, late_share=0.3)
            areas.append((area, set(group) | set(mine)))

        # One former member: an organization of the township that left one area alliance.
        area, members = rng.choice(areas)
        outsiders = [o for o in [*others, *villages] if o not in members]
        if outsiders:
            org = rng.choice(outsiders)
            left = _day_between(rng, area.founded + datetime.timedelta(days=120),
                                REFERENCE_DATE - datetime.timedelta(days=15))
            self.memberships.append(Membership(
                alliance=area, org=self.orgs[org], joined_on=area.founded, left_on=left,
                left_reason=rng.choice(LEAVE_REASONS), added_by=admin))
        return core, [a for a, _ in areas]

    def build_task_alliance(self):
        rng, plan = self.rng, self.plan
        by_name = {plan.orgs[u].name: u for u in self.county_units}
        lead = by_name.get(TASK_ALLIANCE["lead_unit"], self.county_units[0])
        founded = _day_between(rng, datetime.date(YEAR, 3, 1), datetime.date(YEAR, 4, 30))
        task = self.alliance(
            name=TASK_ALLIANCE["name"].format(county=plan.orgs[self.county].name),
            kind=AllianceKind.TASK, type_code="green", owner=self.county, lead=lead,
            founded=founded, goals=TASK_ALLIANCE["goals"], purpose=TASK_ALLIANCE["purpose"],
            created_by=self.users.get("county_admin"))
        townships = rng.sample(self.townships, min(4, len(self.townships)))
        villages = [v for t in townships for v in self.villages[t][:2]]
        units = [lead, *rng.sample([u for u in self.county_units if u != lead], 1)]
        members = [*units, *villages, *self.enterprises[:2], *self.associations[:1]]
        self.join(task, members, added_by=self.users.get("county_admin"), late_share=0.2)
        return task

    # --- venues and bookings ---

    def venue(self, alliance, org, *, name, kind, capacity, is_active=True):
        row = Venue(alliance=alliance, org=self.orgs[org], name=name, kind=kind,
                    address=self.plan.orgs[org].address or f"{self.plan.orgs[org].name}",
                    capacity=capacity, opening_hours=OPENING_HOURS[kind], is_active=is_active)
        self.venues.append(row)
        return row

    def build_venues(self, n, township, core, areas, members_of):
        rng, plan = self.rng, self.plan
        town = plan.orgs[township].name
        venues = [self.venue(core, township, name=f"{town}党群服务中心",
                             kind=VenueKind.SERVICE_CENTER, capacity=rng.choice((80, 100, 120)))]
        if rng.random() < 0.5:
            venues.append(self.venue(core, township, name=f"{town}党群服务中心二楼会议室",
                                     kind=VenueKind.MEETING_ROOM, capacity=rng.choice((20, 30))))
        for area in areas:
            venues.append(self.venue(area, self.index_of[area.lead_org.pk],
                                     name=f"{area.lead_org.name}党群服务站",
                                     kind=VenueKind.VILLAGE, capacity=rng.choice((30, 40, 50))))
        if rng.random() < 0.3:
            # A village premises closed for repair: offered, but not bookable now.
            village = rng.choice(self.villages[township])
            venues.append(self.venue(areas[-1], village,
                                     name=f"{plan.orgs[village].name}村级活动场所",
                                     kind=VenueKind.VILLAGE, capacity=30, is_active=False))
        admin = self.admin_of(n)
        active = [v for v in venues if v.is_active]
        total = rng.randint(24, 40)
        weights = [3 if v.kind == VenueKind.SERVICE_CENTER else 1 for v in active]
        per_venue = defaultdict(int)
        for v in rng.choices(range(len(active)), weights=weights, k=total):
            per_venue[v] += 1
        slots = [(d, s) for d in BOOKING_DAYS for s in BOOKING_SLOTS]
        for v, count in sorted(per_venue.items()):
            venue = active[v]
            for offset, (h1, m1, h2, m2) in sorted(rng.sample(slots, count)):
                day = REFERENCE_DATE + datetime.timedelta(days=offset)
                start, end = _moment(day, h1, m1), _moment(day, h2, m2)
                made = start - datetime.timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 5))
                made = min(made, self.reference_moment - datetime.timedelta(
                    hours=rng.randint(1, 9), minutes=rng.randrange(60)))
                self.bookings.append(Booking(
                    venue=venue, org=rng.choice(members_of[venue.alliance.pk]),
                    start=start, end=end, purpose=rng.choice(BOOKING_PURPOSES),
                    attendees=rng.randint(8, venue.capacity),
                    status=(BookingStatus.CANCELLED if rng.random() < 0.12
                            else BookingStatus.BOOKED),
                    booked_by=admin, created_at=made))

    # --- cross-inspections ---

    def build_round(self, n, township, alliances):
        rng = self.rng
        town = self.plan.orgs[township].name
        admin = self.admin_of(n)
        created = _day_between(rng, datetime.date(YEAR, 9, 1), datetime.date(YEAR, 9, 15))
        due = created + datetime.timedelta(days=rng.randint(45, 60))
        round_ = InspectionRound(owner=self.orgs[township], title=f"{YEAR}年{town}党建联盟交叉检查",
                                 seed=rng.randint(1, 9999), due=due, created_by=admin,
                                 created_at=_moment(created, 9, 30))
        self.rounds.append(round_)
        # Each inspects the next in an order shuffled by the round's seed: with three or more
        # alliances nobody inspects itself and no two inspect each other.
        order = sorted(alliances, key=lambda a: a.name)
        random.Random(round_.seed).shuffle(order)
        for i, inspector in enumerate(order):
            inspection = Inspection(round=round_, inspector=inspector,
                                    inspected=order[(i + 1) % len(order)])
            self.inspections.append(inspection)
            if rng.random() < 0.15:
                continue  # not inspected yet
            day = _day_between(rng, created + datetime.timedelta(days=7), min(due, REFERENCE_DATE))
            inspection.inspected_on = day
            inspection.score = Decimal(rng.randint(720, 985)) / 10
            inspection.findings = rng.choice(FINDINGS)
            inspection.recorded_by = admin
            items = 0 if inspection.score >= 95 else rng.randint(1, 3)
            for item in rng.sample(RECTIFICATIONS, items):
                deadline = day + datetime.timedelta(days=rng.choice((30, 45, 60)))
                row = Rectification(inspection=inspection, item=item, deadline=deadline)
                if rng.random() < (0.8 if deadline <= REFERENCE_DATE else 0.35):
                    closed = _day_between(rng, day + datetime.timedelta(days=5),
                                          min(deadline, REFERENCE_DATE))
                    row.closed_at = _moment(closed, rng.randint(9, 16), rng.randrange(60))
                    row.closing_note = rng.choice(CLOSING_NOTES)
                    row.closed_by = admin
                self.rectifications.append(row)

    # --- project lists ---

    def person_of(self, org: int):
        people = self.people_of[org]
        return self.people[self.rng.choice(people)] if people else None

    def project(self, alliance, *, member, name, goal, owner, secretary, earliest, created_by):
        """A project with its status, dates and its quarterly updates up to the reference date:
        a few are overdue, a few have their last quarter unreported, a few updates came late."""
        rng = self.rng
        year, quarter = _quarter_of(REFERENCE_DATE)
        last_reported = (year - 1, 4) if quarter == 1 else (year, quarter - 1)  # the last ended
        draw = rng.random()
        latest_done_start = REFERENCE_DATE - datetime.timedelta(days=200)
        if draw < 0.12:
            status = ProjectStatus.PLANNED
            start = REFERENCE_DATE + datetime.timedelta(days=rng.randint(7, 60))
            end = start + datetime.timedelta(days=rng.randint(90, 270))
        elif draw < 0.32 and earliest <= latest_done_start:
            status = ProjectStatus.DONE
            start = _day_between(rng, earliest, latest_done_start)
            end = min(start + datetime.timedelta(days=rng.randint(90, 240)),
                      REFERENCE_DATE - datetime.timedelta(days=5))
        elif draw < 0.37 and earliest <= latest_done_start:
            status = ProjectStatus.STOPPED
            start = _day_between(rng, earliest, latest_done_start)
            end = start + datetime.timedelta(days=rng.randint(180, 360))
        else:
            status = ProjectStatus.ONGOING
            start = _day_between(rng, earliest, REFERENCE_DATE - datetime.timedelta(days=45))
            if rng.random() < 0.1:  # overdue: past its planned completion, still going
                end = max(start + datetime.timedelta(days=30),
                          REFERENCE_DATE - datetime.timedelta(days=rng.randint(5, 40)))
            else:
                end = start + datetime.timedelta(days=rng.randint(180, 540))
        created = min(start - datetime.timedelta(days=rng.randint(3, 20)),
                      REFERENCE_DATE - datetime.timedelta(days=rng.randint(1, 20)))
        row = Project(alliance=alliance, member=self.orgs[member] if member is not None else None,
                      name=name, goal=goal, owner=owner, start_date=start, end_date=end,
                      budget=Decimal(rng.randint(2, 120) * 5) / 10, status=status,
                      secretary_led=secretary is not None, secretary=secretary,
                      created_by=created_by, created_at=_moment(created, 10, rng.randrange(60)))
        self.projects.append(row)
        if status == ProjectStatus.PLANNED:
            return row

        last = _quarter_of(end) if status == ProjectStatus.DONE else last_reported
        quarters = list(_quarters(_quarter_of(start), last))
        if status == ProjectStatus.STOPPED:
            quarters = quarters[:rng.randint(1, 3)]
            target = rng.randint(15, 50)
        elif status == ProjectStatus.DONE:
            target = 100
        else:
            if quarters and rng.random() < 0.1:
                quarters = quarters[:-1]  # the last quarter not reported yet
            elapsed = (REFERENCE_DATE - start).days / max(1, (end - start).days)
            target = max(5, min(95, round(elapsed * 100 + rng.gauss(0, 10))))
        progress = 0
        for k, (year, quarter) in enumerate(quarters, start=1):
            final = k == len(quarters)
            value = target if final else round(target * k / len(quarters) + rng.randint(-5, 5))
            progress = max(progress, min(value, target))
            if final and status == ProjectStatus.DONE:
                note, day = FINAL_NOTE, end + datetime.timedelta(days=rng.randint(1, 5))
            else:
                note = STOPPED_NOTE if final and status == ProjectStatus.STOPPED \
                    else rng.choice(UPDATE_NOTES)
                late = rng.random() < 0.08
                day = _quarter_end(year, quarter) + datetime.timedelta(
                    days=rng.randint(20, 45) if late else rng.randint(1, 12))
            day = min(day, REFERENCE_DATE - datetime.timedelta(days=1))
            self.updates.append(ProjectUpdate(
                project=row, year=year, quarter=quarter, progress=progress, note=note,
                recorded_by=created_by, recorded_at=_moment(day, rng.randint(9, 17),
                                                            rng.randrange(60))))
        row.progress = progress
        return row

    def build_projects(self, alliance, members, created_by):
        """Two or three common projects, and individual ones for some members: villages more
        often in their area alliance; some led by the organization's secretary."""
        rng, plan = self.rng, self.plan
        lead = self.index_of[alliance.lead_org.pk]
        founded = alliance.founded + datetime.timedelta(days=14)
        for name, goal in rng.sample(COMMON_PROJECTS[alliance.type.code], rng.randint(2, 3)):
            secretary = (self.people[plan.orgs[lead].secretary]
                         if plan.orgs[lead].secretary is not None and rng.random() < 0.3
                         else None)
            self.project(alliance, member=None, name=name, goal=goal,
                         owner=secretary or alliance.leader, secretary=secretary,
                         earliest=founded, created_by=created_by)
        for membership in members:
            org = self.index_of[membership.org.pk]
            village = plan.orgs[org].kind == OrgKind.VILLAGE
            share = (0.6 if alliance.kind != AllianceKind.CORE else 0.2) if village else 0.25
            if rng.random() >= share:
                continue
            name, goal = rng.choice(INDIVIDUAL_PROJECTS["village" if village else "default"])
            index = plan.orgs[org].secretary
            secretary = self.people[index] if index is not None and rng.random() < 0.45 \
                else None
            self.project(alliance, member=org, name=f"{plan.orgs[org].name}{name}", goal=goal,
                         owner=secretary or self.person_of(org), secretary=secretary,
                         earliest=max(founded, membership.joined_on), created_by=created_by)

    # --- dynamic stars ---

    def build_stars(self, alliances):
        """A rating per alliance for each quarter of the reference year that ended after it was
        founded, from the quarter's score; a few re-rated by hand with a reason. The 示范点
        holds four stars or more."""
        rng = self.rng
        rater = self.users.get("county_admin")
        for alliance in alliances:
            base = rng.uniform(86, 95) if alliance.is_demonstration else rng.uniform(62, 92)
            for quarter in range(1, 5):
                end = _quarter_end(YEAR, quarter)
                if end >= REFERENCE_DATE or end <= alliance.founded:
                    continue
                score = max(40.0, min(99.0, base + rng.gauss(0, 4)))
                if alliance.is_demonstration:
                    score = max(score, 82.0)
                score = Decimal(round(score * 10)) / 10
                stars = _stars_for(float(score))
                rated = end + datetime.timedelta(days=rng.randint(8, 20))
                rating = StarRating(
                    alliance=alliance, year=YEAR, quarter=quarter, stars=stars, score=score,
                    source=StarSource.SCORE, rated_by=rater,
                    reason=f"{YEAR}年第{quarter}季度考核得分{score:.1f}分，按评星标准评定为{stars}星。",
                    rated_at=_moment(rated, 10, rng.randrange(60)))
                self.ratings.append(rating)
                if rng.random() < 0.1:
                    up = stars < 5 and (alliance.is_demonstration or stars == 1
                                        or rng.random() < 0.5)
                    if not up and alliance.is_demonstration:
                        continue
                    again = min(rated + datetime.timedelta(days=rng.randint(3, 20)),
                                REFERENCE_DATE - datetime.timedelta(days=1))
                    self.ratings.append(StarRating(
                        alliance=alliance, year=YEAR, quarter=quarter,
                        stars=stars + 1 if up else stars - 1, score=None,
                        source=StarSource.MANUAL, rated_by=rater,
                        reason=rng.choice(MANUAL_UP_REASONS if up else MANUAL_DOWN_REASONS),
                        rated_at=_moment(again, 15, rng.randrange(60))))

    # --- the 擂台赛 ---

    def user_orgs(self):
        """Each demo user's organizations: where the role is held and the person's home."""
        orgs = defaultdict(set)
        for account in self.plan.accounts:
            if account.org is not None:
                orgs[account.username].add(account.org)
            if account.person is not None:
                orgs[account.username].add(self.plan.people[account.person].org)
        return orgs

    def judges_for(self, n, member_orgs, user_orgs):
        """Three county or township staff users, none of an entrant's member organizations."""
        count = len(self.townships)
        candidates = ["county_admin"]
        candidates += [f"township_admin_{m + 1:02d}" if m else "township_admin"
                       for m in ((n + k) % count for k in range(1, count))]
        candidates += ["leader", "assessor"]
        chosen = [self.users[name] for name in candidates
                  if name in self.users and not user_orgs[name] & member_orgs]
        return chosen[:3]

    def competition(self, n, township, entrants, members_of, user_orgs, *, half):
        rng = self.rng
        town = self.plan.orgs[township].name
        admin = self.admin_of(n)
        if half == 1:
            held = _day_between(rng, datetime.date(YEAR, 6, 15), datetime.date(YEAR, 6, 30))
            status = CompetitionStatus.PUBLISHED
            published = _moment(held + datetime.timedelta(days=rng.randint(3, 7)), 10)
        else:
            held = REFERENCE_DATE - datetime.timedelta(days=rng.randint(3, 12))
            status, published = CompetitionStatus.OPEN, None
        competition = Competition(
            owner=self.orgs[township], title=f"{YEAR}年{'上' if half == 1 else '下'}半年"
            f"{town}党建联盟擂台赛", year=YEAR, half=half, held_on=held, status=status,
            published_at=published, created_by=admin)
        self.competitions.append(competition)
        criteria = [Criterion(competition=competition, name=name, weight=Decimal(weight),
                              order=order)
                    for order, (name, weight) in enumerate(rng.choice(CRITERIA_SETS), start=1)]
        self.criteria.extend(criteria)
        rows = [Entrant(competition=competition, alliance=a, topic=rng.choice(ENTRANT_TOPICS))
                for a in entrants]
        self.entrants.extend(rows)
        member_orgs = {self.index_of[org.pk] for a in entrants for org in members_of[a.pk]}
        judges = [Judge(competition=competition, user=user)
                  for user in self.judges_for(n, member_orgs, user_orgs)]
        self.judges.extend(judges)
        quality = {e.alliance.pk: rng.uniform(88, 95) if e.alliance.is_demonstration
                   else rng.uniform(70, 90) for e in rows}
        for j, judge in enumerate(judges):
            bias = rng.uniform(-3, 3)
            # The open round: the first judge has scored everyone, the second some, the third
            # nobody yet.
            scored = rows if half == 1 or j == 0 else rows[:len(rows) // 2] if j == 1 else []
            for entrant in scored:
                moment = _moment(held, rng.randint(9, 16), rng.randrange(60)) if half == 1 \
                    else _moment(_day_between(rng, held, REFERENCE_DATE - datetime.timedelta(
                        days=1)), rng.randint(9, 17), rng.randrange(60))
                for criterion in criteria:
                    score = max(0.0, min(100.0, quality[entrant.alliance.pk] + bias
                                         + rng.gauss(0, 3)))
                    self.scores.append(JudgeScore(judge=judge, entrant=entrant,
                                                  criterion=criterion,
                                                  score=Decimal(round(score * 10)) / 10,
                                                  scored_at=moment))

    # --- meetings, 观摩 and 轮办 ---

    def members_on(self, alliance, day, members_of):
        """The organizations (plan indices) that were members of `alliance` on `day`."""
        return [self.index_of[m.org.pk] for m in members_of[alliance.pk]
                if m.joined_on <= day and (m.left_on is None or m.left_on > day)]

    def secretary_or_first(self, org: int):
        """The organization's secretary (plan index), or its first person, or None."""
        index = self.plan.orgs[org].secretary
        if index is None and self.people_of[org]:
            index = self.people_of[org][0]
        return index

    def meeting(self, alliance, kind, start, host, status, created_by, members):
        rng, plan = self.rng, self.plan
        host_name = plan.orgs[host].name
        topic = rng.choice(MEETING_TOPICS[kind])
        title = rng.choice(MEETING_TITLES[kind]).format(
            year=start.year, quarter=(start.month - 1) // 3 + 1, host=host_name,
            topic=topic if kind != MeetingKind.REGULAR else "")[:100]
        agenda = topic if kind == MeetingKind.REGULAR else f"{topic}；交流经验做法；部署下阶段工作"
        made = start - datetime.timedelta(days=rng.randint(3, 14), hours=rng.randint(0, 6))
        made = min(made, self.reference_moment - datetime.timedelta(hours=rng.randint(1, 9)))
        row = Meeting(alliance=alliance, kind=kind, title=title, starts_at=start,
                      place=f"{host_name}党群服务中心"[:100], host_org=self.orgs[host],
                      agenda=agenda, status=status, created_by=created_by, created_at=made)
        self.meetings.append(row)
        if status == MeetingStatus.CANCELLED:
            row.cancel_reason = CANCEL_NOTE
        elif status == MeetingStatus.HELD:
            people = []
            for org in rng.sample(members, min(len(members), rng.randint(5, 10))):
                index = self.secretary_or_first(org)
                if index is not None:
                    people.append(index)
            people += rng.sample(self.people_of[host], min(2, len(self.people_of[host])))
            people = list(dict.fromkeys(people))
            self.attendees.extend((row, self.people[p]) for p in people)
            row.minutes = MEETING_MINUTES[list(MeetingKind).index(kind)].format(
                host=host_name, count=len(people))
            if rng.random() < 0.35:
                for n in range(rng.choice((1, 1, 2))):
                    uploaded = min(start + datetime.timedelta(hours=rng.randint(2, 30),
                                                              minutes=n),
                                   self.reference_moment - datetime.timedelta(minutes=30 - n))
                    file, thumbnail = rng.choice(self.photo_files)
                    self.photos.append(MeetingPhoto(
                        meeting=row, file=file, thumbnail=thumbnail,
                        caption=rng.choice(MEETING_PHOTO_CAPTIONS), uploaded_by=created_by,
                        uploaded_at=uploaded))
        return row

    def build_meetings(self, alliance, members_of):
        """The year's meetings up to the reference date, hosted in turn by the members; the
        held ones with minutes and attendees from member organizations, a few cancelled; and
        one or two planned in the weeks ahead."""
        rng = self.rng
        first = max(alliance.founded + datetime.timedelta(days=14),
                    REFERENCE_DATE - datetime.timedelta(days=365))
        schedule = []
        year, month = first.year, first.month
        while (year, month) <= (REFERENCE_DATE.year, REFERENCE_DATE.month):
            for kind, months in MEETING_MONTHS.items():
                if month in months:
                    day = datetime.date(year, month, rng.randint(5, 25))
                    if first <= day < REFERENCE_DATE:
                        schedule.append((day, kind))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        ahead = [MeetingKind.REGULAR] + ([MeetingKind.ROTATING] if rng.random() < 0.5 else [])
        for kind in ahead:
            schedule.append((REFERENCE_DATE + datetime.timedelta(days=rng.randint(3, 40)), kind))
        schedule.sort(key=lambda item: (item[0], item[1]))
        hosts = sorted({self.index_of[m.org.pk] for m in members_of[alliance.pk]})
        rng.shuffle(hosts)
        turn = 0
        for day, kind in schedule:
            members = self.members_on(alliance, day, members_of)
            if not members:
                continue
            # The next member in the rotation that is a member that day.
            for _ in range(len(hosts)):
                host = hosts[turn % len(hosts)]
                turn += 1
                if host in members:
                    break
            else:
                host = members[0]
            if day > REFERENCE_DATE:
                status = MeetingStatus.PLANNED
            else:
                status = MeetingStatus.CANCELLED if rng.random() < 0.05 else MeetingStatus.HELD
            start = _moment(day, *rng.choice(((9, 0), (14, 30), (15, 0))))
            self.meeting(alliance, kind, start, host, status, alliance.created_by, members)

    # --- the year-end review (年底述职相互评) ---

    def build_review(self, alliance, year, members_of, *, closed):
        """A review of `year`: every member reports, each scores the next ones in a shuffled
        circle; a closed one carries the averages, ranks and the alliance's score."""
        rng = self.rng
        opened = _day_between(rng, datetime.date(year, 12, 1), datetime.date(year, 12, 5))
        if not closed:
            opened = min(opened, REFERENCE_DATE)
        members = sorted(self.members_on(alliance, opened, members_of))
        if len(members) < 2:
            return
        admin = alliance.created_by
        review = AnnualReview(alliance=alliance, year=year, opened_by=admin,
                              status=ReviewStatus.CLOSED if closed else ReviewStatus.OPEN,
                              opened_at=_moment(opened, 9, rng.randrange(60)))
        self.reviews.append(review)
        last = REFERENCE_DATE if not closed else datetime.date(year, 12, 22)
        reports = {}
        for org in members:
            if not closed and rng.random() < 0.3:
                continue  # not reported yet
            reporter = self.secretary_or_first(org)
            day = _day_between(rng, opened + datetime.timedelta(days=1), max(opened, last))
            reports[org] = MemberReport(
                review=review, member=self.orgs[org],
                reporter=self.people[reporter] if reporter is not None else None,
                content=rng.choice(REPORT_TEXTS).format(n=rng.randint(2, 8)),
                submitted_by=admin, submitted_at=_moment(day, rng.randint(9, 17),
                                                          rng.randrange(60)))
        circle = list(members)
        rng.shuffle(circle)
        quality = {org: rng.uniform(74, 93) for org in members}
        given = []
        for i, rater in enumerate(circle):
            if not closed and rng.random() < 0.5:
                continue  # not scored yet
            for k in range(1, min(len(circle) - 1, PEERS_SCORED) + 1):
                ratee = circle[(i + k) % len(circle)]
                score = max(50, min(100, round(quality[ratee] + rng.gauss(0, 4))))
                day = _day_between(rng, opened + datetime.timedelta(days=3), max(opened, last))
                self.peer_scores.append(PeerScore(
                    review=review, rater=self.orgs[rater], ratee=self.orgs[ratee], score=score,
                    comment=rng.choice(PEER_COMMENTS), scored_by=admin,
                    scored_at=_moment(day, rng.randint(9, 17), rng.randrange(60))))
                given.append((rater, ratee, score))
        if closed:
            result = peer_results(given, members)
            for org, report in reports.items():
                report.peer_average, report.rank = result.averages[org], result.ranks[org]
            review.score = result.score
            review.summary = REVIEW_SUMMARY.format(year=year, score=result.score)
            review.closed_at = _moment(datetime.date(year, 12, rng.randint(23, 28)), 16)
        self.reports.extend(reports.values())

    # --- the service menu ---

    def voters_of(self, alliance, members_of):
        """Users (ids) of the member organizations: their secretaries' and contacts' accounts
        and the people with an account whose home is a member."""
        members = {self.index_of[m.org.pk] for m in members_of[alliance.pk]
                   if m.left_on is None}
        voters = {user for org, user in self.account_orgs if org in members}
        voters |= {self.people[i].user_id for org in members for i in self.people_of[org]
                   if self.people[i].user_id}
        return sorted(voters)

    def build_menu(self, alliance, members_of):
        rng, plan = self.rng, self.plan
        members = [self.index_of[m.org.pk] for m in members_of[alliance.pk] if m.left_on is None]
        villages = [o for o in members if plan.orgs[o].kind == OrgKind.VILLAGE] or members
        units = [o for o in members if plan.orgs[o].kind in (OrgKind.UNIT, OrgKind.COMMUNITY)]
        units = units or [o for o in members if plan.orgs[o].kind != OrgKind.VILLAGE] or members
        lead = self.index_of[alliance.lead_org.pk]
        voters = self.voters_of(alliance, members_of)
        offer = [(channel, item) for channel, items in MENU_ITEMS.items() for item in items]
        earliest = max(alliance.founded + datetime.timedelta(days=20), LEDGER_FIRST_DAY)
        for channel, (title, description, _) in rng.sample(offer, rng.randint(4, 7)):
            status = rng.choices(list(MENU_STATUS_WEIGHTS),
                                 weights=list(MENU_STATUS_WEIGHTS.values()))[0]
            planned = None
            if status == MenuStatus.DONE and earliest <= REFERENCE_DATE - datetime.timedelta(
                    days=10):
                planned = _day_between(rng, earliest, REFERENCE_DATE - datetime.timedelta(
                    days=10))
            elif status == MenuStatus.DONE:
                status = MenuStatus.COMMITTED
            elif status == MenuStatus.SCHEDULED:
                # Scheduled for this week: its planned activity is in the ledger's current
                # month, not yet logged as held.
                planned = REFERENCE_DATE - datetime.timedelta(days=rng.randint(0, 6))
            provider = rng.choice(units)
            proposer = {MenuChannel.CHOSEN: rng.choice(villages), MenuChannel.DELIVERED: provider,
                        MenuChannel.DECIDED: lead}[channel]
            if status in (MenuStatus.OPEN, MenuStatus.WITHDRAWN):
                provider = None
            latest = (planned - datetime.timedelta(days=10)) if planned else REFERENCE_DATE
            created = _day_between(rng, min(alliance.founded, latest),
                                   min(latest, REFERENCE_DATE - datetime.timedelta(days=1)))
            created_at = _moment(created, 10, rng.randrange(60))
            item = ServiceMenuItem(
                alliance=alliance, title=title, description=description, channel=channel,
                proposed_by_org=self.orgs[proposer],
                provider=self.orgs[provider] if provider is not None else None,
                status=status, planned_date=planned, created_by=alliance.created_by,
                created_at=created_at)
            if status == MenuStatus.WITHDRAWN:
                item.withdraw_reason = MENU_WITHDRAW_REASONS[
                    len(self.menu_items) % len(MENU_WITHDRAW_REASONS)]
            self.menu_items.append(item)
            wanted = rng.randint(3, 12) if channel == MenuChannel.CHOSEN else rng.randint(0, 3)
            until = _moment(min(planned or REFERENCE_DATE, REFERENCE_DATE), 8)
            votes = [ServiceVote(item=item, voter_id=voter,
                                 voted_at=max(created_at + (until - created_at) * rng.random(),
                                              created_at))
                     for voter in rng.sample(voters, min(wanted, len(voters)))]
            item.vote_count = len(votes)
            self.votes.extend(votes)

    # --- people across the alliance ---

    def build_people(self, alliance, members_of, needs_of):
        """Mentor pairs among member secretaries, experts from members' people with specialties
        their villages' needs ask for."""
        rng, plan = self.rng, self.plan
        members = [self.index_of[m.org.pk] for m in members_of[alliance.pk] if m.left_on is None]
        secretaries = sorted({plan.orgs[o].secretary for o in members
                              if plan.orgs[o].secretary is not None})
        pairs = set()
        for _ in range(rng.randint(1, 3) if len(secretaries) >= 2 else 0):
            mentor, mentee = rng.sample(secretaries, 2)
            if (mentor, mentee) in pairs:
                continue
            pairs.add((mentor, mentee))
            started = _day_between(rng, alliance.founded + datetime.timedelta(days=20),
                                   REFERENCE_DATE - datetime.timedelta(days=30))
            ended = None
            if rng.random() < 0.25 and (REFERENCE_DATE - started).days > 200:
                ended = _day_between(rng, started + datetime.timedelta(days=180),
                                     REFERENCE_DATE - datetime.timedelta(days=1))
            self.mentor_pairs.append(MentorPair(
                alliance=alliance, mentor=self.people[mentor], mentee=self.people[mentee],
                started_on=started, ended_on=ended, goals=rng.choice(MENTOR_GOALS),
                created_by=alliance.created_by))

        titles = [t for o in members for t in needs_of.get(self.orgs[o].pk, ())]
        asked = [s for s in EXPERT_SPECIALTIES if any(s in t for t in titles)]
        candidates = sorted({p for o in members for p in self.people_of[o]
                             if p != plan.orgs[o].secretary})
        count = rng.randint(3, 5) if alliance.type.code == "green" else rng.randint(2, 3)
        for person in rng.sample(candidates, min(count, len(candidates))):
            pool = asked if asked and rng.random() < 0.8 else list(EXPERT_SPECIALTIES)
            specialties = rng.sample(pool, min(len(pool), rng.choice((1, 2, 2))))
            added = _day_between(rng, alliance.founded, REFERENCE_DATE - datetime.timedelta(
                days=1))
            self.experts.append(Expert(
                alliance=alliance, person=self.people[person],
                specialties="、".join(specialties),
                introduction=rng.choice(EXPERT_INTRODUCTIONS).format(spec=specialties[0]),
                active=rng.random() < 0.9, added_by=alliance.created_by,
                added_at=_moment(added, 10, rng.randrange(60))))

    def build_quotas(self, cores, members_of):
        """This year's quota of each core alliance and its candidates at every stage; the
        places held (granted or admitted) never exceed it. Activists are the members' people
        outside the party, few in the demo county: each is a candidate of one alliance only,
        the township's own people first, dealt to the cores in turns, so every core gets its
        first stages (admitted, granted, training, recommended, withdrawn) before any gets more."""
        rng, plan = self.rng, self.plan
        county_admin = self.users.get("county_admin")
        queues = []
        for core in cores:
            places = rng.randint(3, 6)
            self.quotas.append(DevelopmentQuota(
                alliance=core, year=YEAR, places=places, note=QUOTA_NOTE.format(year=YEAR),
                set_by=county_admin,
                set_at=_moment(datetime.date(YEAR, 2, rng.randint(10, 28)), 10)))
            members = [self.index_of[m.org.pk] for m in members_of[core.pk] if m.left_on is None]
            people = sorted({p for o in members for p in self.people_of[o]
                             if not plan.people[p].is_party_member})
            local = [p for p in people
                     if plan.orgs[plan.people[p].org].path.startswith(core.owner.path)]
            others = [p for p in people if p not in local]
            rng.shuffle(local)
            rng.shuffle(others)
            admitted = rng.randint(1, max(1, places // 2))
            granted = rng.randint(1, places - admitted)
            stages = ([CandidateStage.ADMITTED, CandidateStage.QUOTA_GRANTED,
                       CandidateStage.TRAINING, CandidateStage.RECOMMENDED,
                       CandidateStage.WITHDRAWN]
                      + [CandidateStage.ADMITTED] * (admitted - 1)
                      + [CandidateStage.QUOTA_GRANTED] * (granted - 1)
                      + [CandidateStage.TRAINING] * rng.randint(0, 2)
                      + [CandidateStage.RECOMMENDED] * rng.randint(0, 1))
            queues.append((core, stages, local + others))
        used = set()
        for turn in range(max((len(stages) for _, stages, _ in queues), default=0)):
            for core, stages, pool in queues:
                person = next((p for p in pool if p not in used), None)
                if turn < len(stages) and person is not None:
                    used.add(person)
                    self.candidate(core, stages[turn], person)

    def candidate(self, core, stage, person):
        rng, plan = self.rng, self.plan
        days = datetime.timedelta
        home = plan.people[person].org
        row = DevelopmentCandidate(
            alliance=core, person=self.people[person], branch=self.orgs[home],
            recommended_by=self.orgs[home] if rng.random() < 0.7 else core.lead_org,
            year=YEAR, stage=stage, reason=rng.choice(CANDIDATE_REASONS),
            created_by=core.created_by)
        # Dated backwards from the reference date: every step before the next.
        if stage == CandidateStage.ADMITTED:
            row.admitted_on = REFERENCE_DATE - days(rng.randint(5, 60))
            row.quota_granted_on = row.admitted_on - days(rng.randint(30, 90))
        elif stage == CandidateStage.QUOTA_GRANTED:
            row.quota_granted_on = REFERENCE_DATE - days(rng.randint(5, 90))
        if row.quota_granted_on:
            row.training_since = row.quota_granted_on - days(rng.randint(60, 150))
        elif stage in (CandidateStage.TRAINING, CandidateStage.WITHDRAWN):
            row.training_since = REFERENCE_DATE - days(rng.randint(10, 200))
        if row.training_since:
            row.recommended_on = row.training_since - days(rng.randint(15, 45))
        else:
            row.recommended_on = REFERENCE_DATE - days(rng.randint(3, 60))
        if stage == CandidateStage.WITHDRAWN:
            row.note = CANDIDATE_WITHDRAWN
        self.candidates.append(row)

    # --- all of it ---

    def run(self) -> list[str]:
        structures = [(n, t, *self.build_township(n, t)) for n, t in enumerate(self.townships)]
        self.build_task_alliance()
        structures[0][3][0].is_demonstration = True  # the first township's first area

        # bulk_create links each row to its parent row saved just before (Django sets the
        # foreign key of a related object saved after the assignment).
        with _explicit_created_at(Alliance, InspectionRound, Booking, Project,
                                  more=[(ProjectUpdate, "recorded_at"), (StarRating, "rated_at"),
                                        (JudgeScore, "scored_at")]):
            insert_instances(Alliance, [a for a in self.alliances if a.kind != AllianceKind.AREA])
            insert_instances(Alliance, [a for a in self.alliances if a.kind == AllianceKind.AREA])
            insert_instances(Membership, self.memberships)
            members_of = defaultdict(list)
            for row in self.memberships:
                if row.left_on is None:
                    members_of[row.alliance.pk].append(row.org)
            for n, township, core, areas in structures:
                self.build_venues(n, township, core, areas, members_of)
                self.build_round(n, township, [core, *areas])
            insert_instances(Venue, self.venues)
            insert_instances(Booking, self.bookings)
            insert_instances(InspectionRound, self.rounds)
            insert_instances(Inspection, self.inspections)
            insert_instances(Rectification, self.rectifications)

            current, everyone = defaultdict(list), defaultdict(list)
            for row in self.memberships:
                everyone[row.alliance.pk].append(row.org)
                if row.left_on is None:
                    current[row.alliance.pk].append(row)
            for alliance in self.alliances:
                self.build_projects(alliance, current[alliance.pk], alliance.created_by)
            self.build_stars(self.alliances)
            user_orgs = self.user_orgs()
            for half in (1, 2):
                for n, township, core, areas in structures:
                    self.competition(n, township, [a for a in (core, *areas) if a.is_open],
                                     everyone, user_orgs, half=half)
            insert_instances(Project, self.projects)
            insert_instances(ProjectUpdate, self.updates)
            insert_instances(StarRating, self.ratings)
            insert_instances(Competition, self.competitions)
            insert_instances(Criterion, self.criteria)
            insert_instances(Entrant, self.entrants)
            insert_instances(Judge, self.judges)
            insert_instances(JudgeScore, self.scores)
        self.run_meetings_menu_people(structures)
        return [self.summary()]

    def run_meetings_menu_people(self, structures):
        """Meetings, reviews, the service menu and people, for every alliance; a constant
        number of queries (one read of the member villages' needs, one insert per model)."""
        self.photo_files = _meeting_photos()
        members_of = defaultdict(list)
        for row in self.memberships:
            members_of[row.alliance.pk].append(row)
        self.account_orgs = sorted(
            {(a.org, self.users[a.username].pk) for a in self.plan.accounts
             if a.org is not None and a.role in MEMBER_ROLES and a.username in self.users})
        village_pks = [self.orgs[v].pk for vs in self.villages.values() for v in vs]
        needs_of = defaultdict(list)
        for village, title in Need.objects.filter(village_org__in=village_pks) \
                .order_by("pk").values_list("village_org_id", "title"):
            needs_of[village].append(title)
        for alliance in self.alliances:
            self.build_meetings(alliance, members_of)
            if alliance.founded <= datetime.date(YEAR - 1, 10, 31):
                self.build_review(alliance, YEAR - 1, members_of, closed=True)
            if REFERENCE_DATE.month == 12:
                self.build_review(alliance, YEAR, members_of, closed=False)
            self.build_menu(alliance, members_of)
            self.build_people(alliance, members_of, needs_of)
        self.build_quotas([core for _, _, core, _ in structures], members_of)
        with _explicit_created_at(Meeting, ServiceMenuItem,
                                  more=[(MeetingPhoto, "uploaded_at"), (AnnualReview, "opened_at"),
                                        (MemberReport, "submitted_at"), (PeerScore, "scored_at"),
                                        (ServiceVote, "voted_at"), (Expert, "added_at"),
                                        (DevelopmentQuota, "set_at")]):
            insert_instances(Meeting, self.meetings)
            copy_rows(Meeting.attendees.through, ("meeting", "person"),
                          [(m.pk, p.pk) for m, p in self.attendees])
            insert_instances(MeetingPhoto, self.photos)
            insert_instances(AnnualReview, self.reviews)
            insert_instances(MemberReport, self.reports)
            insert_instances(PeerScore, self.peer_scores)
            insert_instances(ServiceMenuItem, self.menu_items)
            insert_instances(ServiceVote, self.votes)
            insert_instances(MentorPair, self.mentor_pairs)
            insert_instances(Expert, self.experts)
            insert_instances(DevelopmentQuota, self.quotas)
            insert_instances(DevelopmentCandidate, self.candidates)
            # 吸收入党 makes a party member (as alliances.services.development does).
            Person.objects.filter(pk__in=[c.person_id for c in self.candidates
                                          if c.stage == CandidateStage.ADMITTED]
                                  ).update(is_party_member=True)

    def summary(self) -> str:
        kinds = defaultdict(int)
        for a in self.alliances:
            kinds[a.kind] += 1
        former = sum(m.left_on is not None for m in self.memberships)
        cancelled = sum(b.status == BookingStatus.CANCELLED for b in self.bookings)
        closed = sum(r.closed_at is not None for r in self.rectifications)
        common = sum(p.member is None for p in self.projects)
        led = sum(p.secretary_led for p in self.projects)
        manual = sum(r.source == StarSource.MANUAL for r in self.ratings)
        published = sum(c.status == CompetitionStatus.PUBLISHED for c in self.competitions)
        return (f"党建联盟：联盟 {len(self.alliances)}（核心 {kinds[AllianceKind.CORE]}，"
                f"片区 {kinds[AllianceKind.AREA]}，任务型 {kinds[AllianceKind.TASK]}，示范点 1），"
                f"成员 {len(self.memberships)}（已退出 {former}），阵地 {len(self.venues)}，"
                f"预约 {len(self.bookings)}（已取消 {cancelled}），"
                f"交叉检查 {len(self.rounds)} 轮 {len(self.inspections)} 次，"
                f"整改事项 {len(self.rectifications)}（已完成 {closed}），"
                f"项目 {len(self.projects)}（共性化 {common}，"
                f"个性化 {len(self.projects) - common}，"
                f"书记领办 {led}），季度进展 {len(self.updates)}，"
                f"星级评定 {len(self.ratings)}（人工调整 {manual}），"
                f"擂台赛 {len(self.competitions)} 场（已公布 {published}），"
                f"评委评分 {len(self.scores)}，{self.summary_more()}")

    def summary_more(self) -> str:
        held = sum(m.status == MeetingStatus.HELD for m in self.meetings)
        planned = sum(m.status == MeetingStatus.PLANNED for m in self.meetings)
        closed = sum(r.status == ReviewStatus.CLOSED for r in self.reviews)
        linked = sum(i.status in (MenuStatus.SCHEDULED, MenuStatus.DONE) for i in self.menu_items)
        current = sum(p.ended_on is None for p in self.mentor_pairs)
        admitted = sum(c.stage == CandidateStage.ADMITTED for c in self.candidates)
        return (f"例会与观摩 {len(self.meetings)}（已召开 {held}，计划 {planned}），"
                f"参会人次 {len(self.attendees)}，会议照片 {len(self.photos)}，"
                f"述职互评 {len(self.reviews)}（已完成 {closed}），成员述职 {len(self.reports)}，"
                f"相互评分 {len(self.peer_scores)}，服务清单 {len(self.menu_items)}"
                f"（已排期或完成 {linked}），投票 {len(self.votes)}，"
                f"导师结对 {len(self.mentor_pairs)}（在带 {current}），"
                f"本土专家 {len(self.experts)}，"
                f"党员发展指标 {len(self.quotas)}（{sum(q.places for q in self.quotas)} 名），"
                f"推荐人选 {len(self.candidates)}（已吸收 {admitted}）")


def seed_alliances_demo(context) -> list[str]:
    """Write the alliances demo data for the county in `context` (a portal.demo.DemoContext)
    and return the report line the command prints."""
    return _Builder(context).run()


# --- Reset -------------------------------------------------------------------------------------

def _delete_all(model) -> int:
    """Empty a table in one statement (no per-row signals: the history is wiped as well)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.rowcount


def reset_alliances_demo() -> None:
    """Delete all alliances data but the types (reference data of the migration), so pairing's
    and the portal's resets can delete organizations, people and users. Ledger's reset runs
    first and removes the activities that point at alliances."""
    for names in (MeetingPhoto.objects.exclude(file__startswith=f"{MEETING_PHOTO_DIR}/")
                  .values_list("file", "thumbnail")):
        for name in names:  # uploads and their thumbnails go; the shared demo photos stay
            if name:
                default_storage.delete(name)
    for model in (MeetingPhoto, Meeting.attendees.through, Meeting, PeerScore, MemberReport,
                  AnnualReview, ServiceVote, ServiceMenuItem, MentorPair, Expert,
                  DevelopmentCandidate, DevelopmentCandidate.history.model, DevelopmentQuota,
                  DevelopmentQuota.history.model):
        _delete_all(model)
    for model in (JudgeScore, Judge, Entrant, Criterion, Competition, StarRating,
                  ProjectUpdate, Project, Rectification, Inspection, InspectionRound, Booking,
                  Venue, Membership, Alliance, Alliance.history.model, OwnerMemberTally):
        _delete_all(model)  # the member tally last: the memberships' deletion zeroed its rows


portal_demo.register_extension(seed=seed_alliances_demo, reset=reset_alliances_demo)

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

Registered with `portal.demo.register_extension`; it runs after pairing's extension (it reads
the pairings) and before ledger's (INSTALLED_APPS order), in the same transaction. So no
activity is linked to an alliance here: the ledger's demo writes activities after this runs.
Everything is drawn from `random.Random(f"{seed}-alliances")` and dated relative to
`pairing.demo.REFERENCE_DATE`, never today. Rows go in with bulk inserts, without history rows.
The alliance types are the migration's reference data: the seed only restores missing ones
(a test database flush empties them) and the reset keeps them.
"""

import datetime
import json
import random
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from alliances.demo_data import (
    AREA_GOALS,
    AREA_NAMES,
    BOOKING_PURPOSES,
    CLOSING_NOTES,
    COMMON_PROJECTS,
    CORE_GOALS,
    CRITERIA_SETS,
    ENTRANT_TOPICS,
    FINAL_NOTE,
    FINDINGS,
    INDIVIDUAL_PROJECTS,
    LEAVE_REASONS,
    MANUAL_DOWN_REASONS,
    MANUAL_UP_REASONS,
    RECTIFICATIONS,
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
    Booking,
    BookingStatus,
    Competition,
    CompetitionStatus,
    Criterion,
    Entrant,
    Inspection,
    InspectionRound,
    Judge,
    JudgeScore,
    Membership,
    Project,
    ProjectStatus,
    ProjectUpdate,
    Rectification,
    StarRating,
    StarSource,
    Venue,
    VenueKind,
)
from pairing.demo import REFERENCE_DATE
from pairing.models import Pairing, PairingStatus
from portal import demo as portal_demo
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


def _bulk(model, rows):
    model.objects.bulk_create(rows, batch_size=BATCH)
    if rows and rows[0].pk is None:  # every supported backend returns ids from bulk inserts
        raise RuntimeError(f"{model.__name__}: the database did not return ids from bulk insert")


def _alliance_types() -> dict:
    """The types by code, restoring any of the migration's three that is missing."""
    types = {t.code: t for t in AllianceType.objects.all()}
    rows = json.loads(TYPES_FIXTURE.read_text(encoding="utf-8"))
    missing = [AllianceType(code=row["code"], name=row["name"], colour=row["colour"],
                            description=row["description"], order=order)
               for order, row in enumerate(rows, start=1) if row["code"] not in types]
    _bulk(AllianceType, missing)
    types.update((t.code, t) for t in missing)
    return types


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
            _bulk(Alliance, [a for a in self.alliances if a.kind != AllianceKind.AREA])
            _bulk(Alliance, [a for a in self.alliances if a.kind == AllianceKind.AREA])
            _bulk(Membership, self.memberships)
            members_of = defaultdict(list)
            for row in self.memberships:
                if row.left_on is None:
                    members_of[row.alliance.pk].append(row.org)
            for n, township, core, areas in structures:
                self.build_venues(n, township, core, areas, members_of)
                self.build_round(n, township, [core, *areas])
            _bulk(Venue, self.venues)
            _bulk(Booking, self.bookings)
            _bulk(InspectionRound, self.rounds)
            _bulk(Inspection, self.inspections)
            _bulk(Rectification, self.rectifications)

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
            _bulk(Project, self.projects)
            _bulk(ProjectUpdate, self.updates)
            _bulk(StarRating, self.ratings)
            _bulk(Competition, self.competitions)
            _bulk(Criterion, self.criteria)
            _bulk(Entrant, self.entrants)
            _bulk(Judge, self.judges)
            _bulk(JudgeScore, self.scores)
        return [self.summary()]

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
                f"评委评分 {len(self.scores)}")


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
    for model in (JudgeScore, Judge, Entrant, Criterion, Competition, StarRating,
                  ProjectUpdate, Project, Rectification, Inspection, InspectionRound, Booking,
                  Venue, Membership, Alliance, Alliance.history.model):
        _delete_all(model)


portal_demo.register_extension(seed=seed_alliances_demo, reset=reset_alliances_demo)

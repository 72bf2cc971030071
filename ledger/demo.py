"""Demo data for the 台账: a year of activities with participants up to the reference date, some
evidence, a few reopened months, villagers' requests (民情诉求) and the townships' half-year
reports, on top of the portal's demo county and the pairing demo data.

Registered with `portal.demo.register_extension` when `portal.demo.load_app_demos()` imports
this module (only when seeding or resetting); it runs after pairing's extension (INSTALLED_APPS
order), so pairings, needs and claims exist when it runs (same
transaction). Everything is drawn from one `random.Random(f"{seed}-ledger")` and dated relative
to `pairing.demo.REFERENCE_DATE`, never today: the same seed always writes the same rows.

Rows go in with bulk inserts, month by month (a month of the county scale is about 4,000
activities and 33,000 participations), without history rows. Village activities draw their
participants from the village's people and from the people of the city organizations the
village is actively paired with (the talents of a paired unit take part in one to three village
activities in most months); unit and community activities from their own people and, when
linked to a pairing, the paired village's. So every participant is one `eligible_participants`
would offer. A few villages are silent in a month and some talents skip a month, so the
compliance matrices have red cells.

Alliances (their demo runs before this one): a share of the member organizations' activities
is linked to one of their alliances; each alliance's 一月一公益 is one member's activity of the
month made the alliance's monthly_charity, in all months but a few gaps (most alliances miss
one now and then, a few more often); and each menu item scheduled or done gets the activity
that delivers it on its planned date, logged by its provider (else its proposer, else another
member): a draft when scheduled (it is planned this week), submitted or confirmed when done.

Evidence rows share a handful of small images generated once with Pillow under
MEDIA_ROOT/evidence/demo/ (and their thumbnails), never one file per row.
"""

import calendar
import datetime
import io
import math
import random
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from alliances.demo_data import MENU_ITEMS
from alliances.models import Membership, MenuStatus, ServiceMenuItem
from ledger import demo_data, talent_flag, tallies, unit_tally
from ledger.demo_data import (
    JOINT_PLACES,
    REOPEN_REASONS,
    REOPEN_REFUSAL,
    REPORT_NEXT_STEPS,
    REPORT_PROBLEMS,
    REPORT_RETURN_REASON,
    RETURN_REASONS,
    THEMES,
)
from ledger.models import (
    Activity,
    ActivityStatus,
    ActivityTheme,
    Evidence,
    EvidenceKind,
    MonthReopening,
    OrgMonthTally,
    PairedUnitMonthTally,
    ParticipantRole,
    Participation,
    PersonMonthTally,
    ReopenRequest,
    ReopenRequestStatus,
    ReportStatus,
    RequestCategory,
    RequestStatus,
    ResidentRequest,
    TalentMonthTally,
    TalentMonthTotal,
    TownshipMonthTally,
    TownshipReport,
    UnitMonthTally,
)
from ledger.periods import close_date
from ledger.summaries import township_report_figures
from pairing.demo import REFERENCE_DATE
from pairing.models import Claim, ClaimStatus, Need, NeedKind, Pairing, PairingStatus
from portal import demo as portal_demo
from portal.bulk_load import copy_rows, indexes_built_after, insert_instances
from portal.models import Organization
from portal.models.orgs import OrgKind
from portal.models.roles import Role

# Sizes of DESIGN.md ("activities / yr", "participations / yr"); another scale gets the
# county's rates per village.
ACTIVITY_TARGETS = {"small": 4_000, "county": 50_000}
PARTICIPATION_TARGETS = {"small": 30_000, "county": 400_000}
FIRST_DAY = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - 1) + datetime.timedelta(days=1)
CLOSE_DAY = 5  # the settings' default LEDGER_CLOSE_DAY: seeded data does not follow settings
ACTIVITY_BATCH = 2_000
EVIDENCE_DIR = "evidence/demo"
SEASON = {1: 0.9, 2: 0.6, 3: 1.05, 4: 1.05, 5: 1.0, 6: 1.1, 7: 1.15, 8: 0.9, 9: 1.0,
          10: 0.95, 11: 1.0, 12: 1.0}
KIND_WEIGHT = {OrgKind.VILLAGE: 1.0, OrgKind.UNIT: 0.45, OrgKind.COMMUNITY: 1.0}

# --- Vocabularies (the texts are in ledger.demo_data) ------------------------------------------

# Theme weights per kind of organization logging the activity.
THEME_WEIGHTS = {
    OrgKind.VILLAGE: {
        "serve_masses": 14, "joint_party_day": 10, "branch_cobuild": 8, "visit_help": 9,
        "tech_to_country": 8, "civilized_village": 7, "grassroots_governance": 7,
        "monthly_charity": 6, "hand_in_hand": 5, "culture_to_country": 4,
        "dispute_mediation": 4, "safety_patrol": 4, "traffic_safety": 2, "mentoring": 3,
        "study_exchange": 4, "joint_meeting": 1, "other": 2,
    },
    OrgKind.UNIT: {
        "branch_cobuild": 12, "joint_party_day": 14, "visit_help": 12, "study_exchange": 12,
        "monthly_charity": 9, "hand_in_hand": 8, "serve_masses": 8, "mentoring": 6,
        "tech_to_country": 5, "culture_to_country": 3, "joint_meeting": 3, "other": 3,
        "traffic_safety": 2,
    },
    OrgKind.COMMUNITY: {
        "serve_masses": 14, "monthly_charity": 12, "safety_patrol": 8, "traffic_safety": 6,
        "civilized_village": 6, "culture_to_country": 6, "grassroots_governance": 8,
        "dispute_mediation": 6, "joint_party_day": 10, "hand_in_hand": 5, "study_exchange": 5,
        "branch_cobuild": 4, "visit_help": 6, "other": 2,
    },
}
# Themes that are mostly done together with the paired organization.
JOINT_THEMES = {"branch_cobuild", "hand_in_hand", "joint_party_day", "joint_meeting",
                "tech_to_country", "mentoring", "visit_help"}

HOURS = [Decimal(h) for h in ("1.0", "1.5", "2.0", "2.5", "3.0", "4.0", "5.0", "6.0", "8.0")]
HOUR_CHOICES = {code: [h for h in HOURS if spec["hours"][0] <= h <= spec["hours"][1]]
                for code, spec in THEMES.items()}
PLACES = {OrgKind(kind): places for kind, places in demo_data.PLACES.items()}
REQUESTS = {RequestCategory(category): texts for category, texts in demo_data.REQUESTS.items()}
REQUEST_WEIGHTS = {RequestCategory.PRODUCTION: 22, RequestCategory.LIVELIHOOD: 22,
                   RequestCategory.INFRASTRUCTURE: 20, RequestCategory.GOVERNANCE: 12,
                   RequestCategory.HEALTH: 10, RequestCategory.EDUCATION: 8,
                   RequestCategory.OTHER: 6}
NEED_THEMES = {NeedKind.PROBLEM: "serve_masses", NeedKind.NEED: "tech_to_country",
               NeedKind.SERVICE: "serve_masses", NeedKind.THEME_ACTIVITY: "joint_party_day",
               NeedKind.SMALL_SERVICE: "monthly_charity", NeedKind.PROJECT: "other",
               NeedKind.MICRO_WISH: "visit_help"}
JUDGEMENTS = {RequestStatus(status): texts for status, texts in demo_data.JUDGEMENTS.items()}

# Small demo images: (sky, hills, building, banner) colours.
IMAGE_PALETTES = (
    ((135, 190, 235), (70, 140, 70), (235, 225, 205), (200, 30, 30)),
    ((160, 200, 240), (90, 150, 60), (220, 220, 220), (210, 40, 40)),
    ((200, 215, 235), (60, 120, 90), (240, 230, 210), (190, 20, 30)),
    ((120, 170, 220), (100, 160, 80), (230, 210, 190), (220, 50, 40)),
    ((180, 210, 230), (80, 130, 60), (250, 240, 220), (180, 30, 40)),
    ((150, 185, 225), (110, 150, 70), (225, 215, 200), (205, 35, 35)),
)
IMAGE_SIZE = (960, 720)
THUMB_SIZE = (320, 240)


# --- Small helpers -------------------------------------------------------------------------------

def _moment(day: datetime.date, rng: random.Random, *, first_hour=8, last_hour=17):
    return datetime.datetime.combine(
        day, datetime.time(rng.randint(first_hour, last_hour), rng.randrange(60),
                           rng.randrange(60)),
        tzinfo=timezone.get_default_timezone())


def _months():
    """(year, month, first day, last day) of the year of data ending on REFERENCE_DATE."""
    result = []
    year, month = FIRST_DAY.year, FIRST_DAY.month
    while (year, month) <= (REFERENCE_DATE.year, REFERENCE_DATE.month):
        last = datetime.date(year, month, calendar.monthrange(year, month)[1])
        result.append((year, month, max(FIRST_DAY, datetime.date(year, month, 1)),
                       min(REFERENCE_DATE, last)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return result


@contextmanager
def _explicit_times(*fields):
    """Let bulk inserts keep the timestamps drawn here: auto_now(_add) would stamp today."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    try:
        for f in fields:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, now, now_add in saved:
            f.auto_now, f.auto_now_add = now, now_add


def _money(value: int) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))


def _demo_images() -> dict:
    """Write the shared demo files once (if missing) and return their names and sizes."""
    from PIL import Image, ImageDraw

    rng = random.Random("ledger-demo-images")
    photos = []
    for number, (sky, hills, building, banner) in enumerate(IMAGE_PALETTES, start=1):
        name = f"{EVIDENCE_DIR}/photo_{number:02d}.jpg"
        thumb = f"{EVIDENCE_DIR}/thumbs/photo_{number:02d}.jpg"
        if not default_storage.exists(name) or not default_storage.exists(thumb):
            width, height = IMAGE_SIZE
            image = Image.new("RGB", IMAGE_SIZE, sky)
            draw = ImageDraw.Draw(image)
            for layer in range(3):
                shade = tuple(max(0, c - 25 * layer) for c in hills)
                base = height * (0.45 + 0.1 * layer)
                points = [(0, height)]
                for x in range(0, width + 80, 80):
                    points.append((x, base - rng.randint(0, 90)))
                points.append((width, height))
                draw.polygon(points, fill=shade)
            left, top = rng.randint(120, 420), int(height * 0.42)
            draw.rectangle((left, top, left + 360, top + 200), fill=building)
            draw.polygon([(left - 20, top), (left + 180, top - 80), (left + 380, top)],
                         fill=(150, 60, 50))
            draw.rectangle((left + 40, top + 20, left + 320, top + 60), fill=banner)
            for _ in range(rng.randint(8, 16)):  # people in front of the building
                x = rng.randint(40, width - 40)
                y = rng.randint(int(height * 0.72), height - 60)
                colour = rng.choice(((200, 40, 40), (40, 60, 140), (60, 60, 60), (240, 240, 240)))
                draw.ellipse((x - 10, y - 40, x + 10, y - 20), fill=(230, 190, 160))
                draw.rectangle((x - 14, y - 20, x + 14, y + 30), fill=colour)
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=72)
            _store(name, buffer.getvalue())
            image.thumbnail(THUMB_SIZE)
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=70)
            _store(thumb, buffer.getvalue())
        photos.append((name, thumb, default_storage.size(name)))

    sheet = f"{EVIDENCE_DIR}/sign_in_sheet.pdf"
    if not default_storage.exists(sheet):
        image = Image.new("RGB", (595, 842), "white")
        draw = ImageDraw.Draw(image)
        for row in range(20):
            top = 120 + row * 32
            draw.line((60, top, 535, top), fill=(0, 0, 0), width=1)
        for x in (60, 140, 300, 420, 535):
            draw.line((x, 120, x, 120 + 19 * 32), fill=(0, 0, 0), width=1)
        buffer = io.BytesIO()
        image.save(buffer, "PDF", resolution=72.0)
        _store(sheet, buffer.getvalue())
    return {"photos": photos, "sheet": (sheet, default_storage.size(sheet))}


def _store(name: str, content: bytes):
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(content))
    if saved != name:  # pragma: no cover - a storage that renames on its own
        raise RuntimeError(f"demo evidence stored as {saved!r}, expected {name!r}")


class _Entry:
    """An activity being drawn, before it becomes an Activity row."""

    __slots__ = ("org", "day", "theme", "partner", "village", "pairing", "need", "status",
                 "people", "extra_title", "joint", "alliance", "menu_item")

    def __init__(self, org, day, theme):
        self.org, self.day, self.theme = org, day, theme
        self.partner = self.village = self.pairing = self.need = self.extra_title = None
        self.status = ActivityStatus.CONFIRMED
        self.people = {}  # person index -> (hours, role)
        self.joint = False
        self.alliance = self.menu_item = None


# --- Building ----------------------------------------------------------------------------------

class _Builder:
    """Draws and writes the ledger data of one demo county, month by month."""

    def __init__(self, context):
        self.plan = plan = context.plan
        self.orgs, self.people, self.users = context.orgs, context.people, context.users
        self.rng = random.Random(f"{plan.seed}-ledger")
        self.org_index = {org.pk: i for i, org in enumerate(self.orgs)}
        self.index_of_path = {o.path: i for i, o in enumerate(plan.orgs)}
        self.people_of: dict[int, list[int]] = defaultdict(list)
        for i, person in enumerate(plan.people):
            self.people_of[person.org].append(i)
        kinds = defaultdict(list)
        for i, org in enumerate(plan.orgs):
            kinds[org.kind].append(i)
        self.villages = kinds[OrgKind.VILLAGE]
        self.townships = kinds[OrgKind.TOWNSHIP]
        self.loggers = self.villages + kinds[OrgKind.UNIT] + kinds[OrgKind.COMMUNITY]
        self.themes = dict(ActivityTheme.objects.values_list("code", "pk"))
        missing = set(THEMES) - set(self.themes)
        if missing:
            raise RuntimeError(f"activity themes missing: {', '.join(sorted(missing))}")

        accounts = {a.username: a for a in plan.accounts}
        self.demo_village = accounts["village_secretary"].org
        self.demo_talent = accounts["talent"].person
        self.agri = accounts["talent"].org
        self.county_admin = self.users["county_admin"]
        self.township_admin = {a.org: self.users[a.username] for a in plan.accounts
                               if a.role == Role.TOWNSHIP_ADMIN}
        self.logger_user = {accounts["village_secretary"].org: self.users["village_secretary"],
                            accounts["other_village_secretary"].org:
                                self.users["other_village_secretary"],
                            self.agri: self.users["unit_contact"]}

        # Active pairings (city org, village) with their start; the reference year's ended
        # pairings ended before the data begins.
        self.partners: dict[int, list[tuple[int, int, datetime.date]]] = defaultdict(list)
        self.city_villages: dict[int, list[tuple[int, int, datetime.date]]] = defaultdict(list)
        for pk, city, village, since in (Pairing.objects.filter(status=PairingStatus.ACTIVE)
                                         .order_by("pk")
                                         .values_list("pk", "city_org_id", "village_org_id",
                                                      "since")):
            c, v = self.org_index[city], self.org_index[village]
            self.partners[v].append((c, pk, since))
            self.city_villages[c].append((v, pk, since))

        self.months = _months()
        self.scale_targets()
        self.draw_org_traits()
        self.load_claims()
        self.load_alliances()

        self.entries_total = 0
        self.participations_total = 0
        self.evidence_total = 0
        self.media = None
        self.returned_closed = []  # (org, year, month) with a returned activity, closed month

    # --- setup ---

    def township_of(self, org: int) -> int | None:
        org_plan = self.plan.orgs[org]
        if org_plan.kind == OrgKind.TOWNSHIP:
            return org
        if org_plan.depth < 3:
            return None
        return self.index_of_path.get(org_plan.path[: 2 * Organization.steplen])

    def tags(self, org: int) -> list[str]:
        return [t for t in self.plan.orgs[org].industry_tags.split("、") if t] or ["特色农业"]

    def scale_targets(self):
        villages = max(len(self.villages), 1)
        scale = self.plan.scale
        self.activity_target = ACTIVITY_TARGETS.get(scale, villages * 125)
        self.participation_target = PARTICIPATION_TARGETS.get(scale, villages * 1_000)

    def draw_org_traits(self):
        rng = self.rng
        plan = self.plan
        self.level = {o: rng.uniform(0.6, 1.4) for o in self.loggers}
        self.level[self.demo_village] = 1.3
        # Silent villages: about one in ten keeps no counted activity in one or two months
        # (never the current month); always one village of the demo township.
        closed = [(y, m) for y, m, _, _ in self.months[1:-1]]
        self.silent: set[tuple[int, int, int]] = set()
        candidates = [v for v in self.villages if v != self.demo_village]
        for village in rng.sample(candidates, max(2, len(candidates) // 10)):
            for y, m in rng.sample(closed, rng.choice((1, 1, 2))):
                self.silent.add((village, y, m))
        demo_township = self.township_of(self.demo_village)
        neighbours = [v for v in candidates if self.township_of(v) == demo_township]
        if neighbours:
            y, m = closed[-3]
            self.silent.add((neighbours[-1], y, m))

        weight_sum = 0.0
        for org in self.loggers:
            kind_weight = KIND_WEIGHT[plan.orgs[org].kind] * self.level[org]
            for y, m, first, last in self.months:
                if (org, y, m) in self.silent:
                    continue
                share = ((last - first).days + 1) / calendar.monthrange(y, m)[1]
                weight_sum += kind_weight * SEASON[m] * share
        self.per_weight = self.activity_target / weight_sum

        # Talents: most take part nearly every month, some often, a few rarely.
        self.diligence = {}
        for city in sorted(self.city_villages):
            for p in self.people_of[city]:
                if plan.people[p].is_city_talent:
                    roll = rng.random()
                    self.diligence[p] = (rng.uniform(0.9, 1.0) if roll < 0.72 else
                                         rng.uniform(0.55, 0.9) if roll < 0.93 else
                                         rng.uniform(0.1, 0.45))
        self.talent_gap = closed[-4]  # the demo talent skips one month
        # Local participants per activity, calibrated on the targets.
        talent_expected = sum(self.diligence.values()) * len(self.months) * 1.3
        self.local_mean = max(2.0, (self.participation_target - talent_expected)
                              / self.activity_target - 0.6)

    def load_claims(self):
        """Confirmed claims of the year: the claimant's activity in the village, linked to the
        need (one per need)."""
        self.need_activities = defaultdict(list)
        user_person = {p.user_id: i for i, p in enumerate(self.people) if p.user_id}
        seen = set()
        rows = (Claim.objects.filter(status=ClaimStatus.CONFIRMED, done_at__isnull=False)
                .order_by("pk")
                .values_list("need_id", "need__village_org_id", "need__title", "need__kind",
                             "done_at", "claimant_id"))
        for need, village, title, kind, done_at, claimant in rows:
            day = timezone.localtime(done_at).date()
            if need in seen or not FIRST_DAY <= day <= REFERENCE_DATE:
                continue
            seen.add(need)
            if self.rng.random() < 0.4:
                continue  # not every claim was logged as an activity
            v = self.org_index[village]
            self.need_activities[(v, day.year, day.month)].append(
                (need, title, kind, day, user_person.get(claimant)))

    def load_alliances(self):
        """The alliances' member organizations that keep a ledger (with their dates), this
        year's 一月一公益 gaps, and the menu items scheduled or done, for the activities that
        deliver them."""
        rng = self.rng
        loggers = set(self.loggers)
        self.alliances_of = defaultdict(list)  # org -> [(alliance, joined, left)]
        self.members_of_alliance = defaultdict(list)  # alliance -> [(org, joined, left)]
        for alliance, org, joined, left in (Membership.objects.order_by("pk").values_list(
                "alliance_id", "org_id", "joined_on", "left_on")):
            o = self.org_index[org]
            if o in loggers:
                self.alliances_of[o].append((alliance, joined, left))
                self.members_of_alliance[alliance].append((o, joined, left))
        # Most alliances hold their 一月一公益 nearly every month; a few miss it more often.
        self.charity_gaps = set()
        for alliance in sorted(self.members_of_alliance):
            miss = 0.3 if rng.random() < 0.15 else 0.05
            for y, m, _, _ in self.months:
                if rng.random() < miss:
                    self.charity_gaps.add((alliance, y, m))
        self.menu_entries = defaultdict(list)
        themes = {title: theme for items in MENU_ITEMS.values() for title, _, theme in items}
        for pk, alliance, title, status, day, provider, proposer in (
                ServiceMenuItem.objects.filter(status__in=[MenuStatus.SCHEDULED, MenuStatus.DONE],
                                               planned_date__gte=FIRST_DAY,
                                               planned_date__lte=REFERENCE_DATE)
                .order_by("pk").values_list("pk", "alliance_id", "title", "status",
                                            "planned_date", "provider_id", "proposed_by_org_id")):
            # Logged by the provider, else the proposer, else another member (a member that
            # day, not silent that month).
            orgs = [self.org_index.get(o) for o in (provider, proposer)]
            orgs += [o for o, _, _ in self.members_of_alliance.get(alliance, ())]
            org = next((o for o in orgs if o in loggers and alliance in self.alliances_on(o, day)
                        and (o, day.year, day.month) not in self.silent), None)
            if org is not None:
                self.menu_entries[(day.year, day.month)].append(
                    (pk, alliance, title, status, day, org, themes.get(title, "serve_masses")))

    def alliances_on(self, org, day):
        return [a for a, joined, left in self.alliances_of.get(org, ())
                if joined <= day and (left is None or left > day)]

    def link_alliances(self, y, m, first, last, entries, by_village) -> list[_Entry]:
        """Link the month's activities to alliances: the activities delivering the menu items
        planned this month (new entries, returned), one 一月一公益 per alliance but in its gap
        months (a member's activity made the alliance's), and a share of the members' other
        activities."""
        rng = self.rng
        current = (y, m) == (REFERENCE_DATE.year, REFERENCE_DATE.month)
        counted = (ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED)
        added = []
        for item, alliance, title, status, day, org, theme in self.menu_entries.get((y, m), ()):
            entry = _Entry(org, day, theme)
            entry.extra_title, entry.alliance, entry.menu_item = title, alliance, item
            if status == MenuStatus.SCHEDULED:
                entry.status = ActivityStatus.DRAFT  # planned: logged once it is held
            else:
                entry.status = self.status_for(y, m, org)
                if entry.status not in counted:
                    entry.status = ActivityStatus.SUBMITTED if current \
                        else ActivityStatus.CONFIRMED
            added.append(entry)
            if self.plan.orgs[org].kind == OrgKind.VILLAGE:
                by_village[org].append(entry)
        by_alliance = defaultdict(list)  # the members' activities each alliance may claim
        for entry in entries:
            if entry.need is None and entry.org != self.demo_village:
                for alliance in self.alliances_on(entry.org, entry.day):
                    by_alliance[alliance].append(entry)
        for alliance in sorted(self.members_of_alliance):
            if (alliance, y, m) in self.charity_gaps:
                continue
            mine = [e for e in by_alliance[alliance] if e.alliance is None]
            if not mine:
                continue
            chosen = [e for e in mine if e.theme == "monthly_charity"] or mine
            entry = rng.choice(chosen)
            entry.theme, entry.alliance = "monthly_charity", alliance
            if entry.status not in counted:
                entry.status = ActivityStatus.SUBMITTED if current else ActivityStatus.CONFIRMED
        for entry in entries:
            if entry.alliance is not None or entry.theme == "monthly_charity":
                continue  # the 一月一公益 of an alliance is only the one above
            alliances = self.alliances_on(entry.org, entry.day)
            share = 0.3 if self.plan.orgs[entry.org].kind == OrgKind.VILLAGE else 0.15
            if alliances and rng.random() < share:
                entry.alliance = rng.choice(alliances)
        return added

    # --- one month ---

    def status_for(self, y, m, org) -> str:
        rng = self.rng
        current = (REFERENCE_DATE.year, REFERENCE_DATE.month)
        roll = rng.random()
        if (y, m) == current:
            if roll < 0.3:
                return ActivityStatus.DRAFT
            if roll < 0.85:
                return ActivityStatus.SUBMITTED
            return ActivityStatus.CONFIRMED if roll < 0.97 else ActivityStatus.RETURNED
        months_ago = (current[0] - y) * 12 + current[1] - m
        if months_ago == 1:
            if roll < 0.25:
                return ActivityStatus.SUBMITTED
            if roll < 0.29:
                return ActivityStatus.RETURNED
            return ActivityStatus.DRAFT if roll < 0.31 else ActivityStatus.CONFIRMED
        if roll < 0.025:
            return ActivityStatus.RETURNED
        if roll < 0.035:
            return ActivityStatus.DRAFT
        return ActivityStatus.SUBMITTED if roll < 0.045 else ActivityStatus.CONFIRMED

    def draw_theme(self, kind) -> str:
        weights = THEME_WEIGHTS[kind]
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def active_partners(self, village, day):
        return [(c, pk) for c, pk, since in self.partners.get(village, ()) if since <= day]

    def month_entries(self, y, m, first, last) -> list[_Entry]:
        rng = self.rng
        plan = self.plan
        share = ((last - first).days + 1) / calendar.monthrange(y, m)[1]
        span = (last - first).days
        entries = []
        by_village = defaultdict(list)
        for org in self.loggers:
            kind = plan.orgs[org].kind
            if (org, y, m) in self.silent:
                continue
            expected = self.per_weight * KIND_WEIGHT[kind] * self.level[org] * SEASON[m] * share
            count = max(0, round(rng.gauss(expected, math.sqrt(expected) * 0.7)))
            if kind == OrgKind.VILLAGE:
                count = max(count, 1)
            mine = []
            for _ in range(count):
                entry = _Entry(org, first + datetime.timedelta(days=rng.randint(0, span)),
                               self.draw_theme(kind))
                entry.status = self.status_for(y, m, org)
                mine.append(entry)
            for need, title, need_kind, day, claimant in self.need_activities.get((org, y, m), ()):
                entry = _Entry(org, day, NEED_THEMES.get(need_kind, "serve_masses"))
                entry.need, entry.extra_title = need, title[:100]
                entry.status = self.status_for(y, m, org)
                if claimant is not None:
                    partner = next((c for c, pk in self.active_partners(org, day)
                                    if c == plan.people[claimant].org), None)
                    if partner is not None:
                        entry.people[claimant] = (HOURS[rng.randint(2, 5)],
                                                  ParticipantRole.VOLUNTEER)
                        self.make_joint(entry, partner)
                mine.append(entry)
            if mine and kind == OrgKind.VILLAGE and not any(
                    e.status in (ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED)
                    for e in mine):
                mine[0].status = self.status_for(y, m, org)
                if mine[0].status not in (ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED):
                    mine[0].status = ActivityStatus.SUBMITTED
            if org == self.demo_village:
                self.script_demo_village(y, m, first, mine)
            for entry in mine:
                if kind == OrgKind.VILLAGE:
                    partners = self.active_partners(org, entry.day)
                    if partners and entry.pairing is None and rng.random() < (
                            0.75 if entry.theme in JOINT_THEMES else 0.25):
                        self.make_joint(entry, rng.choice(partners)[0])
                    by_village[org].append(entry)
                else:
                    villages = [(v, pk) for v, pk, since in self.city_villages.get(org, ())
                                if since <= entry.day]
                    if villages and rng.random() < (0.5 if entry.theme in JOINT_THEMES
                                                    else 0.15):
                        entry.village, entry.pairing = rng.choice(villages)
            entries += mine
        entries += self.link_alliances(y, m, first, last, entries, by_village)
        self.allocate_talents(y, m, by_village)
        for entry in entries:
            self.add_locals(entry)
        return entries

    def make_joint(self, entry, partner):
        pairing = next(pk for c, pk in self.active_partners(entry.org, entry.day)
                       if c == partner)
        entry.partner, entry.pairing, entry.joint = partner, pairing, True

    def script_demo_village(self, y, m, first, mine):
        """The demo village secretary sees every state: this month a draft, a submitted and
        a returned entry; last month a returned entry (its month reopened)."""
        current = (REFERENCE_DATE.year, REFERENCE_DATE.month)
        previous = self.months[-2][:2]
        while len(mine) < 4:
            mine.append(_Entry(self.demo_village, mine[-1].day if mine else first,
                               self.draw_theme(OrgKind.VILLAGE)))
            mine[-1].status = ActivityStatus.CONFIRMED
        if (y, m) == current:
            for entry, status in zip(mine, (ActivityStatus.DRAFT, ActivityStatus.SUBMITTED,
                                            ActivityStatus.RETURNED, ActivityStatus.SUBMITTED),
                                     strict=False):
                entry.status = status
        elif (y, m) == previous:
            mine[0].status = ActivityStatus.RETURNED
            mine[1].status = ActivityStatus.CONFIRMED

    def allocate_talents(self, y, m, by_village):
        """Each talent of a paired city organization joins one to three village activities of
        its paired villages this month, unless the talent skips the month."""
        rng = self.rng
        for city in sorted(self.city_villages):
            talents = [p for p in self.people_of[city] if p in self.diligence]
            others = [p for p in self.people_of[city] if p not in self.diligence]
            villages = [v for v, _, _ in self.city_villages[city]]
            pool = [e for v in villages for e in by_village.get(v, ())
                    if any(c == city for c, _ in self.active_partners(v, e.day))]
            if not pool:
                continue
            joint = [e for e in pool if e.partner == city]
            for talent in talents:
                if talent == self.demo_talent:
                    active = (y, m) != self.talent_gap
                else:
                    active = rng.random() < self.diligence[talent]
                if not active:
                    continue
                wanted = rng.choices((1, 2, 3), weights=(62, 30, 8))[0]
                while len(joint) < wanted:
                    free = [e for e in pool if e.partner is None and e.pairing is None]
                    if not free:
                        break
                    entry = rng.choice(free)
                    self.make_joint(entry, city)
                    joint.append(entry)
                for entry in rng.sample(joint, min(wanted, len(joint))):
                    role = (ParticipantRole.MENTOR if entry.theme == "mentoring"
                            else rng.choice((ParticipantRole.VOLUNTEER,
                                             ParticipantRole.PARTICIPANT)))
                    entry.people.setdefault(talent, (self.hours(entry.theme), role))
            for entry in joint:  # the unit's head or contact comes along now and then
                if others and rng.random() < 0.35:
                    entry.people.setdefault(rng.choice(others),
                                            (self.hours(entry.theme), ParticipantRole.PARTICIPANT))

    def hours(self, theme) -> Decimal:
        return self.rng.choice(HOUR_CHOICES[theme])

    def add_locals(self, entry):
        rng = self.rng
        plan = self.plan
        org = entry.org
        local = self.people_of[org]
        if not local:
            return
        size = THEMES[entry.theme]["size"]
        wanted = max(2, round(self.local_mean * size * rng.uniform(0.55, 1.45)))
        if entry.joint:
            wanted = max(2, wanted - len(entry.people))
        secretary = plan.orgs[org].secretary
        if secretary is not None and rng.random() < 0.85:
            entry.people[secretary] = (self.hours(entry.theme), ParticipantRole.ORGANIZER)
        chosen = rng.sample(local, min(wanted, len(local)))
        organizer = not any(r == ParticipantRole.ORGANIZER for _, r in entry.people.values())
        for p in chosen:
            if p in entry.people:
                continue
            if organizer:
                role, organizer = ParticipantRole.ORGANIZER, False
            else:
                role = (ParticipantRole.VOLUNTEER if rng.random() < 0.15
                        else ParticipantRole.PARTICIPANT)
            entry.people[p] = (self.hours(entry.theme), role)
        if entry.village is not None:  # a unit's activity in its paired village
            village_people = self.people_of[entry.village]
            for p in rng.sample(village_people, min(rng.randint(2, 6), len(village_people))):
                entry.people.setdefault(p, (self.hours(entry.theme),
                                            ParticipantRole.PARTICIPANT))

    # --- rows ---

    def text(self, entry):
        rng = self.rng
        plan = self.plan
        spec = THEMES[entry.theme]
        # The texts name the city side first: "{partner}党员与{org}党员…".
        org_name = plan.orgs[entry.org].name
        partner_name = plan.orgs[entry.partner].name if entry.partner is not None else ""
        if entry.village is not None:  # a unit's or community's activity in its village
            org_name, partner_name = plan.orgs[entry.village].name, org_name
        tag_org = entry.org if entry.village is None else entry.village
        tag = rng.choice(self.tags(tag_org)) if plan.orgs[tag_org].kind == OrgKind.VILLAGE \
            else "特色农业"
        titles = [t if isinstance(t, str) else t[0] for t in spec["titles"]
                  if isinstance(t, str) or t[1] is None or entry.day.month in t[1]]
        title = entry.extra_title or rng.choice(titles)
        if "{partner}" in title and not partner_name:
            title = title.replace("{partner}与", "").replace("{partner}", "")
        kind = plan.orgs[entry.org].kind
        if entry.village is not None:
            place = rng.choice(JOINT_PLACES)
        else:
            place = rng.choice(PLACES[kind])
        values = dict(org=org_name, partner=partner_name, tag=tag, month=entry.day.month,
                      village=plan.orgs[entry.village].name if entry.village is not None else "",
                      group=rng.randint(1, 9))
        title = title.format(**values)[:100]
        place = place.format(**values)[:100]
        content_template = spec["content"]
        if "{partner}" in content_template and not partner_name:
            content_template = spec["solo"]
        content = (f"{entry.day.month}月{entry.day.day}日，"
                   + content_template.format(place=place, title=title, **values))
        low, high = spec["beneficiaries"]
        beneficiaries = rng.randint(low, high)
        outcome = rng.choice(spec["outcomes"]).format(n=rng.randint(2, 40),
                                                      m=rng.randint(5, 120), tag=tag)
        chance, f_low, f_high = spec["funds"]
        funds = 0
        if rng.random() < chance:
            funds = rng.randrange(max(f_low, 100), max(f_high, 200) + 1, 100)
            if rng.random() < 0.04:
                funds *= 5  # a large project now and then
        return title, place, content, outcome, beneficiaries, funds

    def activity(self, entry) -> Activity:
        rng = self.rng
        title, place, content, outcome, beneficiaries, funds = self.text(entry)
        y, m = entry.day.year, entry.day.month
        closes = close_date(y, m, CLOSE_DAY)
        created_day = min(entry.day + datetime.timedelta(days=rng.choice((0, 0, 1, 1, 2, 3))),
                          closes, REFERENCE_DATE)
        created = _moment(created_day, rng)
        logger = self.logger_user.get(entry.org)
        # ids, not instances: assigning an instance is type-checked (500,000 activities, city)
        activity = Activity(
            org_id=self.orgs[entry.org].pk, date=entry.day, theme_id=self.themes[entry.theme],
            title=title, place=place, content=content, outcome=outcome,
            beneficiaries=beneficiaries, funds=_money(funds), pairing_id=entry.pairing,
            need_id=entry.need, alliance_id=entry.alliance, menu_item_id=entry.menu_item,
            status=entry.status, created_by_id=logger.pk if logger else None,
            created_at=created, updated_at=created)
        if entry.status != ActivityStatus.DRAFT:
            submitted_day = min(created_day + datetime.timedelta(days=rng.choice((0, 0, 1, 2, 4))),
                                closes, REFERENCE_DATE)
            activity.submitted_at = max(created, _moment(submitted_day, rng))
            activity.updated_at = activity.submitted_at
        if entry.status == ActivityStatus.RETURNED:
            activity.return_reason = rng.choice(RETURN_REASONS)
            activity.updated_at = activity.submitted_at + datetime.timedelta(
                hours=rng.randint(2, 60))
        if entry.status == ActivityStatus.CONFIRMED:
            township = self.township_of(entry.org)
            activity.confirmed_by_id = self.township_admin.get(township, self.county_admin).pk
            confirmed_day = min(activity.submitted_at.date()
                                + datetime.timedelta(days=rng.randint(1, 12)), REFERENCE_DATE)
            activity.confirmed_at = max(activity.submitted_at + datetime.timedelta(minutes=30),
                                        _moment(confirmed_day, rng))
            activity.updated_at = activity.confirmed_at
        reference_end = _moment(REFERENCE_DATE, rng, first_hour=18, last_hour=18)
        for name in ("submitted_at", "confirmed_at", "updated_at"):
            value = getattr(activity, name)
            if value is not None and value > reference_end:
                setattr(activity, name, reference_end)
        return activity

    def write_month(self, y, m, entries):
        entries.sort(key=lambda e: (e.day, e.org))
        activities = [self.activity(e) for e in entries]
        insert_instances(Activity, activities)
        people = self.people
        participations = [(activity.pk, people[person].pk, hours, role)
                          for entry, activity in zip(entries, activities, strict=True)
                          for person, (hours, role) in entry.people.items()]
        copy_rows(Participation, ("activity", "person", "hours", "role"), participations)
        self.entries_total += len(activities)
        self.participations_total += len(participations)
        self.tally(y, m, entries)
        self.write_evidence(y, m, entries, activities)

    def tally(self, y, m, entries):
        """Remember the organizations with a returned entry in a closed month (reopenings)."""
        if (y, m) == self.months[-1][:2]:
            return
        for entry in entries:
            if entry.status == ActivityStatus.RETURNED:
                self.returned_closed.append((entry.org, y, m))

    def write_evidence(self, y, m, entries, activities):
        rng = self.rng
        months_ago = ((REFERENCE_DATE.year - y) * 12 + REFERENCE_DATE.month - m)
        chance = 0.12 if months_ago <= 3 else 0.02
        rows = []
        photos = self.media["photos"]
        sheet, sheet_size = self.media["sheet"]
        for entry, activity in zip(entries, activities, strict=True):
            if entry.status == ActivityStatus.DRAFT and entry.org != self.demo_village:
                continue
            demo = entry.org == self.demo_village and months_ago <= 3
            if not demo and rng.random() >= chance:
                continue
            moment = activity.created_at + datetime.timedelta(minutes=rng.randint(3, 90))
            for n in range(rng.choice((1, 1, 2, 3))):
                name, thumb, size = rng.choice(photos)
                shot = datetime.datetime.combine(entry.day, datetime.time(
                    rng.randint(8, 17), rng.randrange(60), rng.randrange(60)))
                rows.append(Evidence(activity_id=activity.pk, kind=EvidenceKind.PHOTO,
                                     file=name, thumbnail=thumb,
                                     original_name=f"IMG_{shot:%Y%m%d_%H%M%S}.jpg", size=size,
                                     uploaded_by_id=activity.created_by_id,
                                     uploaded_at=moment + datetime.timedelta(seconds=n)))
            if rng.random() < 0.15:
                rows.append(Evidence(activity_id=activity.pk, kind=EvidenceKind.FILE,
                                     file=sheet, original_name="活动签到表.pdf", size=sheet_size,
                                     uploaded_by_id=activity.created_by_id,
                                     uploaded_at=moment + datetime.timedelta(minutes=1)))
        Evidence.objects.bulk_create(rows, batch_size=ACTIVITY_BATCH)
        self.evidence_total += len(rows)

    # --- reopenings, requests, reports ---

    def build_reopenings(self):
        """A few closed months reopened for an organization with a returned entry; one still
        open at the reference date (the demo village's last month)."""
        rng = self.rng
        candidates = sorted(set(self.returned_closed))
        wanted = max(4, len(self.loggers) // 12)
        previous = self.months[-2][:2]
        chosen = [(o, y, m) for o, y, m in candidates if o == self.demo_village
                  and (y, m) == previous]
        others = [c for c in candidates if c not in chosen]
        chosen += rng.sample(others, min(wanted, len(others)))
        rows = []
        for org, y, m in chosen:
            closes = close_date(y, m, CLOSE_DAY)
            if (org, y, m) == (self.demo_village, *previous):
                opened_day = REFERENCE_DATE - datetime.timedelta(days=2)
            else:
                opened_day = min(closes + datetime.timedelta(days=rng.randint(1, 25)),
                                 REFERENCE_DATE)
            opened = _moment(opened_day, rng)
            township = self.township_of(org)
            rows.append(MonthReopening(
                org=self.orgs[org], year=y, month=m, reason=rng.choice(REOPEN_REASONS),
                reopened_by=self.township_admin.get(township, self.county_admin),
                reopened_at=opened, expires_at=opened + datetime.timedelta(days=7)))
        rows.sort(key=lambda r: r.reopened_at)
        MonthReopening.objects.bulk_create(rows)
        self.reopenings_total = len(rows)
        self.build_reopen_requests(rows, [c for c in candidates if c not in chosen])

    def build_reopen_requests(self, reopenings, unopened):
        """补录申请: each reopening answered a village's request the day before; one more
        month is still waiting for its township and one was refused."""
        # Its own random sequence: the rest of the demo stays what it was without requests.
        rng, hour = random.Random(len(reopenings)), datetime.timedelta(hours=1)
        by_org = {org.pk: index for index, org in enumerate(self.orgs)}
        rows = []
        for opening in reopenings:
            org = by_org[opening.org_id]
            rows.append(ReopenRequest(
                org=opening.org, year=opening.year, month=opening.month,
                reason=opening.reason, status=ReopenRequestStatus.GRANTED,
                requested_by=self.logger_user.get(org),
                requested_at=opening.reopened_at - datetime.timedelta(days=1),
                handled_by=opening.reopened_by, handled_at=opening.reopened_at))
        for (org, y, m), status in zip(unopened[:2], (ReopenRequestStatus.PENDING,
                                                      ReopenRequestStatus.REFUSED),
                                       strict=False):
            asked = _moment(REFERENCE_DATE - datetime.timedelta(days=rng.randint(1, 3)), rng)
            refused = status == ReopenRequestStatus.REFUSED
            township = self.township_of(org)
            rows.append(ReopenRequest(
                org=self.orgs[org], year=y, month=m, reason=rng.choice(REOPEN_REASONS),
                status=status, requested_by=self.logger_user.get(org), requested_at=asked,
                handled_by=self.township_admin.get(township, self.county_admin)
                if refused else None,
                handled_at=asked + hour if refused else None,
                note=REOPEN_REFUSAL if refused else ""))
        ReopenRequest.objects.bulk_create(rows)
        self.reopen_requests_total = len(rows)

    def villager(self):
        rng = self.rng
        surname = rng.choices(portal_demo.SURNAMES, weights=portal_demo.SURNAME_WEIGHTS)[0]
        chars = portal_demo.MALE_CHARS if rng.random() < 0.6 else portal_demo.FEMALE_CHARS
        name = surname + "".join(rng.sample(chars, 1 if rng.random() < 0.3 else 2))
        phone = (rng.choice(portal_demo.MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                 if rng.random() < 0.7 else "")
        return name, phone

    def build_requests(self):
        """A few requests per village and month in the last three months, judged daily; some
        published as the village's needs on the board."""
        rng = self.rng
        categories, weights = list(REQUEST_WEIGHTS), list(REQUEST_WEIGHTS.values())
        window = self.months[-3:]
        start = window[0][2]
        needs = defaultdict(list)
        for pk, village, title, description, created in (
                Need.objects.filter(source_item__isnull=True, created_at__date__gte=start)
                .order_by("pk").values_list("pk", "village_org_id", "title", "description",
                                            "created_at")):
            needs[self.org_index[village]].append((pk, title, description, created))
        rows = []
        for village in self.villages:
            recorder = self.logger_user.get(village)
            tags = self.tags(village)
            for y, m, first, last in window:
                share = ((last - first).days + 1) / calendar.monthrange(y, m)[1]
                for _ in range(round(rng.randint(1, 4) * share + 0.3)):
                    day = first + datetime.timedelta(days=rng.randint(0, (last - first).days))
                    category = rng.choices(categories, weights=weights)[0]
                    content = rng.choice(REQUESTS[category]).format(
                        tag=rng.choice(tags), group=rng.randint(1, 9))
                    age = (REFERENCE_DATE - day).days
                    if age <= 1:
                        status = RequestStatus.PENDING if rng.random() < 0.8 \
                            else RequestStatus.JUDGED
                    elif age <= 14:
                        status = rng.choices((RequestStatus.PENDING, RequestStatus.JUDGED,
                                              RequestStatus.RESOLVED), weights=(8, 55, 37))[0]
                    else:
                        status = rng.choices((RequestStatus.PENDING, RequestStatus.JUDGED,
                                              RequestStatus.RESOLVED), weights=(2, 28, 70))[0]
                    rows.append(self.request(village, day, category, content, status, recorder))
            for pk, title, description, created in needs.get(village, ()):
                if rng.random() >= 0.5:
                    continue
                created = timezone.localtime(created)
                day = max(start, created.date() - datetime.timedelta(days=rng.randint(0, 2)))
                row = self.request(village, day, self.category_for(title), description[:500],
                                   RequestStatus.PUBLISHED, recorder)
                row.need_id = pk
                row.judged_at = min(row.judged_at, created - datetime.timedelta(minutes=20))
                row.judged_at = max(row.judged_at, row.created_at)
                rows.append(row)
        rows.sort(key=lambda r: (r.date, r.village_org.path, r.created_at))
        ResidentRequest.objects.bulk_create(rows, batch_size=ACTIVITY_BATCH)
        self.requests_total = len(rows)

    @staticmethod
    def category_for(title: str) -> str:
        for words, category in ((("路", "渠", "灯", "桥", "水", "场所"),
                                 RequestCategory.INFRASTRUCTURE),
                                (("种植", "产品", "产业", "病虫害", "电商", "直播", "经济"),
                                 RequestCategory.PRODUCTION),
                                (("义诊", "健康", "体检"), RequestCategory.HEALTH),
                                (("儿童", "学生", "书包", "读物", "作业", "学校"),
                                 RequestCategory.EDUCATION),
                                (("法律", "纠纷"), RequestCategory.GOVERNANCE)):
            if any(word in title for word in words):
                return category
        return RequestCategory.LIVELIHOOD

    def request(self, village, day, category, content, status, recorder):
        rng = self.rng
        name, phone = self.villager()
        created = _moment(day, rng)
        row = ResidentRequest(village_org=self.orgs[village], date=day, category=category,
                              content=content, raised_by=name, raised_by_phone=phone,
                              status=status, recorded_by=recorder, created_at=created)
        if status != RequestStatus.PENDING:
            judged = min(created + datetime.timedelta(hours=rng.randint(2, 30)),
                         _moment(REFERENCE_DATE, rng, first_hour=18, last_hour=18))
            row.judged_at, row.judged_by = max(judged, created), recorder
            row.judgement = rng.choice(JUDGEMENTS[status])
        return row

    def build_reports(self):
        """Every township's report for the first half of the reference year: most filed, some
        submitted, one returned, one still a draft."""
        rng = self.rng
        year = REFERENCE_DATE.year
        townships = list(self.townships)
        states = [ReportStatus.DRAFT, ReportStatus.RETURNED, ReportStatus.SUBMITTED]
        states += rng.choices((ReportStatus.FILED, ReportStatus.SUBMITTED), weights=(80, 20),
                              k=max(0, len(townships) - len(states)))
        states = states[: len(townships)]
        rng.shuffle(states)
        rows = []
        for township, status in zip(townships, states, strict=True):
            # Compiled as the township did it when writing the report (early July).
            compiled = _moment(datetime.date(year, 7, rng.randint(1, 3)), rng)
            figures = township_report_figures(self.orgs[township], year, 1,
                                              today=REFERENCE_DATE)
            figures["computed_at"] = compiled.isoformat(timespec="seconds")
            name = self.plan.orgs[township].name
            summary = (f"{year}年上半年，{name}党委坚持以党建引领城乡融合发展，"
                       f"全{name[-1]}{figures['villages']}个村共开展活动{figures['activities']}次，"
                       f"参与{figures['participations']}人次，其中城市人才"
                       f"{figures['talents_active']}人；受益群众{figures['beneficiaries']}人，"
                       f"投入资金{figures['funds']}元；召开结对共建联席会议"
                       f"{figures['meetings_held']}次。")
            report = TownshipReport(township=self.orgs[township], year=year, half=1,
                                    figures=figures, summary=summary, status=status,
                                    problems=rng.choice(REPORT_PROBLEMS),
                                    next_steps=rng.choice(REPORT_NEXT_STEPS))
            if status == ReportStatus.DRAFT:
                report.problems = report.next_steps = ""
            else:
                report.submitted_at = compiled + datetime.timedelta(days=rng.randint(1, 12))
            if status == ReportStatus.RETURNED:
                report.return_reason = REPORT_RETURN_REASON
            if status == ReportStatus.FILED:
                report.filed_at = report.submitted_at + datetime.timedelta(
                    days=rng.randint(2, 20), hours=rng.randint(0, 5))
                report.filed_by = self.county_admin
            rows.append(report)
        TownshipReport.objects.bulk_create(rows)
        self.reports_total = len(rows)

    # --- all of it ---

    def run(self):
        self.media = _demo_images()
        with _explicit_times(Activity._meta.get_field("created_at"),
                             Activity._meta.get_field("updated_at"),
                             Evidence._meta.get_field("uploaded_at"),
                             MonthReopening._meta.get_field("reopened_at"),
                             ReopenRequest._meta.get_field("requested_at"),
                             ResidentRequest._meta.get_field("created_at")):
            with indexes_built_after(Activity, Participation, Evidence):
                for y, m, first, last in self.months:
                    entries = self.month_entries(y, m, first, last)
                    self.write_month(y, m, entries)
            portal_demo.refresh_statistics()  # what follows counts the rows just loaded
            self.build_reopenings()
            self.build_requests()
        self.build_reports()
        return {"activities": self.entries_total, "participations": self.participations_total,
                "evidence": self.evidence_total, "reopenings": self.reopenings_total,
                "requests": self.requests_total, "reports": self.reports_total}


# The tallies the seed recounts after its load (ledger.tallies and ledger.unit_tally).
TALLY_MODELS = (OrgMonthTally, PersonMonthTally, UnitMonthTally, TalentMonthTally,
                TalentMonthTotal, TownshipMonthTally, PairedUnitMonthTally)


def seed_ledger_demo(context) -> list[str]:
    """Write the ledger demo data for the county in `context` (a portal.demo.DemoContext)."""
    # the monthly tallies are recounted once, after the bulk load
    with tallies.paused(), unit_tally.paused():
        counts = _Builder(context).run()
    with indexes_built_after(*TALLY_MODELS), talent_flag.set_after_load():
        tallies.rebuild_tallies()
        unit_tally.rebuild()
    return [f"活动 {counts['activities']}，参与 {counts['participations']} 人次，"
            f"佐证材料 {counts['evidence']}，民情诉求 {counts['requests']}，"
            f"乡镇半年报告 {counts['reports']}"]


# --- Reset -------------------------------------------------------------------------------------

def _delete_all(model) -> int:
    """Empty a table in one statement (no per-row signals: the history is wiped as well)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.rowcount


def reset_ledger_demo() -> None:
    """Delete all ledger data and the evidence files uploaded through the app (the shared demo
    images under evidence/demo/ stay for the next seed), so pairing's and the portal's resets
    can delete needs, pairings, organizations and people."""
    for name, thumb in (Evidence.objects.exclude(file__startswith=f"{EVIDENCE_DIR}/")
                        .values_list("file", "thumbnail")):
        for stored in (name, thumb):
            if stored:
                default_storage.delete(stored)
    with tallies.paused(), unit_tally.paused():
        for model in (ReopenRequest, Evidence, Participation, Activity, MonthReopening,
                      ResidentRequest, TownshipReport, Activity.history.model,
                      TownshipReport.history.model, *TALLY_MODELS):
            _delete_all(model)


portal_demo.register_extension(seed=seed_ledger_demo, reset=reset_ledger_demo)

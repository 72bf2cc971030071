"""Demo data for 结对共建: pairings, the year's 三清单一协议, the needs board with claims, joint
meetings and 双结对双帮扶 households, on top of the portal's demo county.

Registered with `portal.demo.register_extension` when `portal.demo.load_app_demos()` imports
this module (only when seeding or resetting, never in the web process): the seeder runs
after the portal's rows are written (same transaction), the reset before the portal's reset.
Everything is drawn from one `random.Random` derived from the demo seed and dated relative to
REFERENCE_DATE (never today), so the same seed always writes the same rows. Rows go in with
bulk inserts and no history rows; the rows a service would write are reproduced here, e.g. a
filed agreement's needs list on the board exactly as `agreements._publish_needs_list` does.

Claims need login accounts, so a few talents of each paired city organization get a demo
account `talent_NNN` (role 城市人才, the demo password); the reset deletes them again.
"""

import datetime
import random
import re
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from pairing import demo_data, need_deadline_tally, need_tally
from pairing.demo_data import (
    AGREEMENT_RETURN_REASONS,
    AGRICULTURAL_WORDS,
    AID_PLANS,
    CONFIRM_COMMENTS,
    MEETING_DECISIONS,
    MEETING_TOPICS,
    NEED_ITEMS,
    PLAN_RETURN_REASONS,
    PROJECT_SUFFIXES,
    SEND_BACK_REASONS,
    VISIT_CONTENTS,
    WITHDRAW_NOTES,
)
from pairing.models import (
    AgreementStatus,
    AidHousehold,
    AidPairing,
    AidVisit,
    AnnualAgreement,
    Claim,
    ClaimEvent,
    ClaimStatus,
    DifficultyType,
    JointMeeting,
    Need,
    NeedItem,
    NeedKind,
    NeedStatus,
    Pairing,
    PairingStatus,
    PlanStatus,
    Principle,
    ProjectItem,
    ProjectStatus,
    ResourceCategory,
    ResourceItem,
)
from pairing.services.agreements import DEFAULT_TERMS
from portal import demo as portal_demo
from portal.bulk_load import insert_instances
from portal.models import Organization, RoleAssignment
from portal.models.orgs import OrgKind
from portal.models.roles import Role

NEED_TALLIES = (need_tally, need_deadline_tally)

# The day the demo county "is at": every date is drawn relative to it, never to today.
REFERENCE_DATE = datetime.date(2026, 11, 15)
YEAR = REFERENCE_DATE.year
DEMO_TALENT_USERNAME = re.compile(r"^talent_\d{3}$")
BATCH = 1000
_date = datetime.date

# --- Vocabularies (the texts are in pairing.demo_data) -----------------------------------------

# The vocabulary's resources and board items, with the model enums for their choice values.
RESOURCES = tuple((ResourceCategory(category), *rest) for category, *rest in demo_data.RESOURCES)
UNIT_SPECIALS = tuple((words, (ResourceCategory(category), *rest))
                      for words, (category, *rest) in demo_data.UNIT_SPECIALS)
BOARD_ITEMS = {NeedKind(kind): items for kind, items in demo_data.BOARD_ITEMS.items()}
DIFFICULTY_WEIGHTS = {
    DifficultyType.POVERTY: 30, DifficultyType.ILLNESS: 25, DifficultyType.DISABILITY: 12,
    DifficultyType.ELDERLY: 15, DifficultyType.EDUCATION: 8, DifficultyType.DISASTER: 4,
    DifficultyType.OTHER: 6,
}


# --- Small helpers -------------------------------------------------------------------------------

def _moment(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """An office-hours moment on `day`, in the site's time zone."""
    return datetime.datetime.combine(day, datetime.time(rng.randint(8, 17), rng.randrange(60)),
                                     tzinfo=timezone.get_default_timezone())


def _day_between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    if end <= start:
        return start
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


def _moments_between(rng, start: datetime.datetime, end: datetime.datetime, count: int):
    """`count` ascending moments in [start, end]."""
    span = max((end - start).total_seconds(), 60.0)
    offsets = sorted(rng.uniform(0, span) for _ in range(count))
    return [start + datetime.timedelta(seconds=int(offset) + n) for n, offset in
            enumerate(offsets)]


def _amount(rng, low, high) -> Decimal | None:
    if low is None:
        return None
    return Decimal(rng.randrange(low, high + 1, 500) if high > low else low).quantize(
        Decimal("0.01"))


@contextmanager
def _need_tallies_paused():
    """The needs' and claims' tally triggers (pairing.need_tally, need_deadline_tally) off for
    their bulk load, and both tallies recounted after it: each statement's triggers read the
    tallies that same statement was filling (the needs' COPY took 64 s at city scale, the
    claims' 31 s). Inside the seed's transaction. The triggers are back before the tallies are
    rebuilt, so the month tally's own trigger (village_tally's year sums) counts the rebuilt
    rows."""
    for tally in NEED_TALLIES:
        tally.drop_triggers()
    yield  # a load that fails rolls the dropped triggers back with the seed's transaction
    if connection.vendor == "postgresql":
        # Run the deferred foreign key checks of the rows loaded now: a table with pending
        # trigger events cannot take a trigger (ENABLE ALWAYS is an ALTER TABLE).
        connection.check_constraints()
    for tally in NEED_TALLIES:
        tally.install_triggers()
        tally.rebuild()


@contextmanager
def _explicit_created_at(*models):
    """Let bulk inserts keep the `created_at` drawn here: auto_now_add would stamp today."""
    fields = [model._meta.get_field("created_at") for model in models]
    saved = [f.auto_now_add for f in fields]
    try:
        for f in fields:
            f.auto_now_add = False
        yield
    finally:
        for f, value in zip(fields, saved, strict=True):
            f.auto_now_add = value


# --- Building ----------------------------------------------------------------------------------

class _Builder:
    """Draws the pairing data for one demo county in memory, then writes it."""

    def __init__(self, context):
        self.plan = plan = context.plan
        self.orgs, self.people, self.users = context.orgs, context.people, context.users
        self.rng = random.Random(f"{plan.seed}-pairing")
        self.index_of_path = {o.path: i for i, o in enumerate(plan.orgs)}
        self.people_of: dict[int, list[int]] = {}
        for i, person in enumerate(plan.people):
            self.people_of.setdefault(person.org, []).append(i)
        kinds: dict[str, list[int]] = {}
        for i, org in enumerate(plan.orgs):
            kinds.setdefault(org.kind, []).append(i)
        self.villages = kinds.get(OrgKind.VILLAGE, [])
        self.townships = kinds.get(OrgKind.TOWNSHIP, [])
        units = kinds.get(OrgKind.UNIT, [])
        self.county_units = [u for u in units if plan.orgs[u].depth == 2]
        self.township_units: dict[int, list[int]] = {}
        for u in units:
            if plan.orgs[u].depth == 3:
                self.township_units.setdefault(self.parent(u), []).append(u)
        self.communities = kinds.get(OrgKind.COMMUNITY, [])
        self.enterprises = kinds.get(OrgKind.ENTERPRISE, [])
        accounts = {a.username: a for a in plan.accounts}
        self.demo_village = accounts["village_secretary"].org
        self.other_village = accounts["other_village_secretary"].org
        self.agri = accounts["unit_contact"].org
        self.unit_contact_person = accounts["unit_contact"].person
        self.village_user = {self.demo_village: self.users["village_secretary"],
                             self.other_village: self.users["other_village_secretary"]}
        self.county_admin = self.users["county_admin"]

        self.pairings: list[Pairing] = []
        self.active_partners: dict[int, list[int]] = {}  # village -> city orgs
        self.pairing_orgs: dict[int, tuple[int, int]] = {}  # id(pairing) -> (city, village)
        self.agreements_v1: list[AnnualAgreement] = []
        self.agreements_v2: list[AnnualAgreement] = []
        self.resources: list[ResourceItem] = []
        self.need_items: list[NeedItem] = []
        self.projects: list[ProjectItem] = []
        self.project_links: list[tuple[ProjectItem, list, list]] = []
        self.needs: list[Need] = []
        self.claims: list[Claim] = []
        self.events: list[ClaimEvent] = []
        self.meetings: list[JointMeeting] = []
        self.households: list[AidHousehold] = []
        self.aid_pairings: list[AidPairing] = []
        self.visits: list[AidVisit] = []
        self.new_users: list = []
        self.new_roles: list[RoleAssignment] = []
        self.linked_people: list = []
        self.claimants_of: dict[int, list] = {}  # city org -> users who claim for it

    # --- the tree ---

    def parent(self, org: int) -> int:
        return self.index_of_path[self.plan.orgs[org].path[:-Organization.steplen]]

    def tags(self, org: int) -> list[str]:
        return [t for t in self.plan.orgs[org].industry_tags.split("、") if t] or ["特色农业"]

    def name(self, org: int) -> str:
        return self.plan.orgs[org].name

    # --- pairings ---

    def build_pairings(self):
        rng = self.rng
        villages = self.villages
        keep = {self.demo_village, self.other_village}
        unpaired_count = max(2, round(len(villages) * 0.1))
        self.unpaired = set(rng.sample([v for v in villages if v not in keep], unpaired_count))
        paired = [v for v in villages if v not in self.unpaired]
        agri_villages = {self.demo_village, *rng.sample(
            [v for v in paired if v != self.demo_village], max(3, len(villages) // 60))}
        for v in paired:
            partners = [self.agri] if v in agri_villages else []
            wanted = 2 if rng.random() < 0.3 else 1
            while len(partners) < wanted:
                city = self.pick_city(v)
                if city not in partners:
                    partners.append(city)
            self.active_partners[v] = partners

        active = [(c, v) for v in paired for c in self.active_partners[v]]
        special = (self.agri, self.demo_village)
        others = [pair for pair in active if pair != special]
        # Plan states: every state present whatever the seed, then mostly filed.
        forced = [PlanStatus.SUBMITTED, PlanStatus.DRAFT, PlanStatus.RETURNED]
        plan_states = forced + rng.choices(
            [PlanStatus.FILED, PlanStatus.SUBMITTED, PlanStatus.DRAFT, PlanStatus.RETURNED],
            weights=[65, 12, 12, 11], k=len(others) - len(forced))
        rng.shuffle(plan_states)
        self.add_pairing(*special, plan_status=PlanStatus.FILED,
                         since=datetime.date(YEAR - 3, 3, 18))
        for (city, village), state in zip(others, plan_states, strict=True):
            self.add_pairing(city, village, plan_status=state)

        for v in rng.sample(paired, max(2, len(villages) // 25)):
            city = self.pick_city(v)
            if city in self.active_partners[v]:
                continue
            since = _day_between(rng, _date(YEAR - 6, 1, 1), _date(YEAR - 4, 12, 31))
            until = _day_between(rng, _date(YEAR - 3, 1, 1), _date(YEAR - 1, 6, 30))
            self.add_pairing(city, v, plan_status=PlanStatus.FILED, since=since, until=until)

    def pick_city(self, village: int) -> int:
        rng = self.rng
        roll = rng.random()
        if roll < 0.1 and self.communities:
            return rng.choice(self.communities)
        if roll < 0.22 and self.enterprises:
            return rng.choice(self.enterprises)
        local = self.township_units.get(self.parent(village))
        if local and rng.random() < 0.3:
            return rng.choice(local)
        return rng.choice(self.county_units)

    def principles(self, city: int, village: int) -> list[str]:
        rng = self.rng
        chosen = set()
        township = self.parent(village)
        if self.parent(city) == township or township == self.townships[0]:
            chosen.add(Principle.NEAR)
        agricultural = any(word in self.name(city) for word in AGRICULTURAL_WORDS)
        if rng.random() < (0.85 if agricultural else 0.15):
            chosen.add(Principle.INDUSTRY)
        if rng.random() < 0.8:
            chosen.add(Principle.COMPLEMENT)
        if rng.random() < 0.4:
            chosen.add(Principle.CONVENIENT)
        while len(chosen) < 2:
            chosen.add(rng.choice(Principle.values))
        return [p for p in Principle.values if p in chosen]

    def head_and_liaison(self, city: int) -> tuple[int, int | None]:
        """名誉村长 among the org's party members (often its secretary), 联络员 a talent."""
        rng = self.rng
        people = self.people_of[city]
        members = [p for p in people if self.plan.people[p].is_party_member] or people
        head = members[0] if rng.random() < 0.35 else rng.choice(members)
        others = [p for p in people if p != head]
        talents = [p for p in others if self.plan.people[p].is_city_talent]
        return head, (rng.choice(talents or others) if others else None)

    def add_pairing(self, city, village, *, plan_status, since=None, until=None):
        rng = self.rng
        if since is None:
            since = (_day_between(rng, _date(YEAR - 5, 1, 1), _date(YEAR - 1, 12, 31))
                     if rng.random() < 0.9 else
                     _day_between(rng, _date(YEAR, 1, 1), _date(YEAR, 9, 30)))
        head, liaison = self.head_and_liaison(city)
        if (city, village) == (self.agri, self.demo_village):
            head, liaison = self.people_of[city][0], self.unit_contact_person
        tag = self.tags(village)[0]
        v_name, c_name = self.name(village), self.name(city)
        goals = (f"围绕{tag}产业发展和基层组织建设，推动{v_name}村集体经济年收入增长10%以上，"
                 f"党组织标准化建设达标。")
        tasks = (f"一、{c_name}与{v_name}党组织每季度联合开展一次主题党日；"
                 f"二、帮助发展{tag}产业，拓宽销售渠道；三、每年为村里办实事不少于3件。")
        measures = ("成立结对共建工作小组，名誉村长牵头、联络员具体负责；"
                    "单位年度预算安排共建经费；每半年召开一次联席会议。")
        if plan_status == PlanStatus.DRAFT and rng.random() < 0.5:
            tasks = measures = ""  # a plan still being written
        pairing = Pairing(
            city_org=self.orgs[city], village_org=self.orgs[village], since=since, until=until,
            status=PairingStatus.ENDED if until else PairingStatus.ACTIVE,
            principles=self.principles(city, village),
            honorary_head=self.people[head],
            liaison=self.people[liaison] if liaison is not None else None,
            plan_goals=goals, plan_tasks=tasks, plan_measures=measures, plan_status=plan_status,
            plan_return_reason=(rng.choice(PLAN_RETURN_REASONS)
                                if plan_status == PlanStatus.RETURNED else ""),
            created_at=_moment(since, rng))
        if plan_status == PlanStatus.FILED:
            filed = min(since + datetime.timedelta(days=rng.randint(20, 75)),
                        REFERENCE_DATE - datetime.timedelta(days=1))
            pairing.plan_filed_at = _moment(filed, rng)
        self.pairings.append(pairing)
        self.pairing_orgs[id(pairing)] = (city, village)
        return pairing

    def active_pairings(self):
        return [p for p in self.pairings if p.status == PairingStatus.ACTIVE]

    # --- demo talent accounts ---

    def build_accounts(self):
        """One or two talents of every paired city org get an account to claim needs with."""
        rng = self.rng
        user_model = get_user_model()
        password = self.users["talent"].password
        taken = {a.person for a in self.plan.accounts if a.person is not None}
        cities = sorted({c for partners in self.active_partners.values() for c in partners})
        number = 0
        for city in cities:
            talents = [p for p in self.people_of[city]
                       if self.plan.people[p].is_city_talent and p not in taken]
            wanted = 2 if city == self.agri or rng.random() < 0.4 else 1
            claimants = []
            if city == self.agri:
                claimants = [self.users["talent"], self.users["unit_contact"]]
            for p in rng.sample(talents, min(wanted, len(talents))):
                number += 1
                person = self.people[p]
                user = user_model(username=f"talent_{number:03d}", first_name=person.name,
                                  password=password, is_active=True)
                self.new_users.append(user)
                self.new_roles.append(RoleAssignment(user=user, org=self.orgs[city],
                                                     role=Role.TALENT, note="演示账号"))
                person.user = user
                self.linked_people.append(person)
                claimants.append(user)
            self.claimants_of[city] = claimants

    def claimant_pool(self, village: int) -> list:
        pool = []
        for city in self.active_partners.get(village, ()):
            pool += [u for u in self.claimants_of.get(city, ()) if u not in pool]
        return pool

    # --- 三清单一协议 ---

    def build_agreements(self):
        rng = self.rng
        pairings = self.active_pairings()
        special = next(p for p in pairings
                       if self.pairing_orgs[id(p)] == (self.agri, self.demo_village))
        others = [p for p in pairings if p is not special]
        versioned = max(2, len(pairings) // 100)
        forced = [AgreementStatus.SUBMITTED, AgreementStatus.DRAFT, AgreementStatus.RETURNED]
        forced += ["versioned"] * versioned
        states = forced + rng.choices(
            [AgreementStatus.FILED, AgreementStatus.SUBMITTED, AgreementStatus.DRAFT,
             AgreementStatus.RETURNED, None],
            weights=[62, 12, 10, 8, 8], k=len(others) - len(forced))
        rng.shuffle(states)
        self.add_agreement(special, AgreementStatus.FILED)
        v2_states = [AgreementStatus.DRAFT, AgreementStatus.SUBMITTED]
        for pairing, state in zip(others, states, strict=True):
            if state is None:
                continue  # not signed this year: the county's "not signed" view
            if pairing.since > datetime.date(YEAR, 6, 30) and state != "versioned":
                state = AgreementStatus.DRAFT
            if state != "versioned":
                self.add_agreement(pairing, state)
                continue
            first = self.add_agreement(pairing, AgreementStatus.FILED, deadline_day=120)
            v2_state = v2_states.pop(0) if v2_states else rng.choice(
                [AgreementStatus.DRAFT, AgreementStatus.SUBMITTED, AgreementStatus.FILED])
            self.add_new_version(first, v2_state)

    def confirm_sides(self, agreement, city, village, after: datetime.date, *, both=True):
        rng = self.rng
        last = REFERENCE_DATE - datetime.timedelta(days=2)
        village_day = _day_between(rng, after, min(after + datetime.timedelta(days=25), last))
        agreement.village_submitted_at = _moment(village_day, rng)
        agreement.village_submitted_by = self.village_user.get(village)
        if both:
            unit_day = _day_between(rng, after, min(after + datetime.timedelta(days=25), last))
            agreement.unit_submitted_at = _moment(unit_day, rng)
            agreement.unit_submitted_by = (self.users["unit_contact"] if city == self.agri
                                           else None)
        return max(village_day, unit_day) if both else village_day

    def set_state(self, agreement, state, city, village, created: datetime.date,
                  deadline_day=300):
        rng = self.rng
        agreement.status = state
        if state == AgreementStatus.DRAFT and rng.random() < 0.35:
            self.confirm_sides(agreement, city, village, created, both=False)
        elif state == AgreementStatus.RETURNED:
            agreement.return_reason = rng.choice(AGREEMENT_RETURN_REASONS)
        elif state in (AgreementStatus.SUBMITTED, AgreementStatus.FILED):
            confirmed = self.confirm_sides(agreement, city, village, created)
            if state == AgreementStatus.FILED:
                limit = min(datetime.date(YEAR, 1, 1) + datetime.timedelta(days=deadline_day),
                            REFERENCE_DATE - datetime.timedelta(days=1))
                filed = _day_between(rng, confirmed + datetime.timedelta(days=2),
                                     max(limit, confirmed + datetime.timedelta(days=2)))
                agreement.filed_at, agreement.filed_by = _moment(filed, rng), self.county_admin

    def add_agreement(self, pairing, state, deadline_day=300):
        rng = self.rng
        city, village = self.pairing_orgs[id(pairing)]
        start = max(datetime.date(YEAR, 1, 5), pairing.since)
        created = _day_between(rng, start, min(start + datetime.timedelta(days=70),
                                               REFERENCE_DATE - datetime.timedelta(days=20)))
        agreement = AnnualAgreement(pairing=pairing, year=YEAR, version=1, terms=DEFAULT_TERMS,
                                    created_at=_moment(created, rng))
        self.set_state(agreement, state, city, village, created, deadline_day)
        self.agreements_v1.append(agreement)
        agreement.demo_lists = self.add_lists(agreement, city, village)
        return agreement

    def add_lists(self, agreement, city, village):
        """2–4 resources, 2–4 needs and 1–3 projects linking them."""
        rng = self.rng
        tags = self.tags(village)
        city_name = self.name(city)
        choices = list(RESOURCES)
        for words, special in UNIT_SPECIALS:
            if any(word in city_name for word in words):
                choices.append(special)
        resources = []
        for category, text, low, high in rng.sample(choices, rng.randint(2, 4)):
            resources.append(ResourceItem(
                agreement=agreement, category=category,
                description=text.format(tag=rng.choice(tags)),
                estimated_amount=_amount(rng, low, high)))
        needs = []
        for title, text in rng.sample(NEED_ITEMS, rng.randint(2, 4)):
            tag = rng.choice(tags)
            needs.append(NeedItem(agreement=agreement, title=title.format(tag=tag),
                                  description=text.format(tag=tag)))
        projects = []
        for need in rng.sample(needs, rng.randint(1, min(3, len(needs)))):
            linked_resources = rng.sample(resources, rng.randint(1, min(2, len(resources))))
            projects.append(self.project(agreement, need, linked_resources))
        self.resources += resources
        self.need_items += needs
        return resources, needs, projects

    def project(self, agreement, need, linked_resources):
        rng = self.rng
        start = (_day_between(rng, _date(YEAR, 2, 1), _date(YEAR, 7, 31)) if rng.random() < 0.9
                 else _day_between(rng, REFERENCE_DATE + datetime.timedelta(days=5),
                                   _date(YEAR, 12, 10)))  # some start after the reference date
        end = min(start + datetime.timedelta(days=rng.randint(60, 240)), _date(YEAR, 12, 31))
        funded = sum((r.estimated_amount or 0) for r in linked_resources)
        budget = Decimal(funded or rng.randrange(20_000, 150_001, 1000)).quantize(Decimal("0.01"))
        if rng.random() < 0.04:
            status, progress = ProjectStatus.CANCELLED, rng.choice((0, 10, 20))
        elif start > REFERENCE_DATE:
            status, progress = ProjectStatus.PLANNED, 0
        elif end < REFERENCE_DATE and rng.random() < 0.85:
            status, progress = ProjectStatus.DONE, 100
        else:
            elapsed = (REFERENCE_DATE - start).days / max((end - start).days, 1)
            status = ProjectStatus.IN_PROGRESS
            progress = max(5, min(95, int(elapsed * 100) // 5 * 5 - rng.choice((0, 5, 10))))
        middle = start + (end - start) / 2
        milestones = (f"{start.month}月启动实施；{middle.month}月完成主体工作；"
                      f"{end.month}月完成验收")
        project = ProjectItem(agreement=agreement, name=need.title + rng.choice(PROJECT_SUFFIXES),
                              budget=budget, start_date=start, end_date=end,
                              milestones=milestones, progress=progress, status=status)
        self.projects.append(project)
        self.project_links.append((project, [need], linked_resources))
        return project

    def add_new_version(self, first, state):
        """Version 2 of a filed agreement: a copy plus one added need, as `do_new_version`
        makes it and the parties then edit it."""
        rng = self.rng
        city, village = self.pairing_orgs[id(first.pairing)]
        created = first.filed_at.date() + datetime.timedelta(days=rng.randint(10, 40))
        created = min(created, REFERENCE_DATE - datetime.timedelta(days=10))
        second = AnnualAgreement(pairing=first.pairing, year=YEAR, version=2, terms=first.terms,
                                 supersedes=first, created_at=_moment(created, rng))
        self.set_state(second, state, city, village, created)
        old_resources, old_needs, old_projects = first.demo_lists
        copies = {}
        for old in old_resources:
            copies[id(old)] = ResourceItem(agreement=second, category=old.category,
                                           description=old.description,
                                           estimated_amount=old.estimated_amount)
            self.resources.append(copies[id(old)])
        for old in old_needs:
            copies[id(old)] = NeedItem(agreement=second, title=old.title,
                                       description=old.description)
            self.need_items.append(copies[id(old)])
        for project, linked_needs, linked_resources in list(self.project_links):
            if project in old_projects:
                copy = ProjectItem(agreement=second, name=project.name, budget=project.budget,
                                   start_date=project.start_date, end_date=project.end_date,
                                   milestones=project.milestones, progress=project.progress,
                                   status=project.status)
                self.projects.append(copy)
                self.project_links.append((copy, [copies[id(n)] for n in linked_needs],
                                           [copies[id(r)] for r in linked_resources]))
        used = {n.title for n in old_needs}
        title, text = next((t, d) for t, d in NEED_ITEMS if t.format(tag="") not in used
                           and t.format(tag=self.tags(village)[0]) not in used)
        tag = self.tags(village)[0]
        added = NeedItem(agreement=second, title=title.format(tag=tag),
                         description="（新增）" + text.format(tag=tag))
        self.need_items.append(added)
        second.demo_lists = ([copies[id(r)] for r in old_resources],
                             [copies[id(n)] for n in old_needs] + [added], [])
        self.agreements_v2.append(second)

    # --- the needs board ---

    def publish_needs_lists(self):
        """The board rows `agreements._publish_needs_list` writes when an agreement is filed:
        one `need` per needs-list entry, one place, deadline 31 December, each title once per
        pairing and year."""
        published: dict[int, set[str]] = {}
        filed = [a for a in self.agreements_v1 + self.agreements_v2
                 if a.status == AgreementStatus.FILED]
        for agreement in sorted(filed, key=lambda a: a.filed_at):
            city, village = self.pairing_orgs[id(agreement.pairing)]
            already = published.setdefault(id(agreement.pairing), set())
            for item in agreement.demo_lists[1]:
                if item.title in already:
                    continue
                already.add(item.title)
                need = Need(village_org=self.orgs[village], kind=NeedKind.NEED, title=item.title,
                            description=item.description or item.title,
                            deadline=datetime.date(agreement.year, 12, 31), places=1,
                            source_item=item, created_by=agreement.filed_by,
                            created_at=agreement.filed_at)
                self.needs.append(need)
                pool = self.claimant_pool(village)
                if pool and self.rng.random() < 0.45:
                    status = self.rng.choice((ClaimStatus.CLAIMED, ClaimStatus.DONE,
                                              ClaimStatus.CONFIRMED))
                    self.add_claims(need, village, [(self.rng.choice(pool), status)])

    def build_board(self):
        rng = self.rng
        self.build_demo_village_board()
        for village in self.villages:
            if village == self.demo_village:
                continue
            pool = self.claimant_pool(village)
            count = rng.randint(2, 5) if village not in self.unpaired else rng.randint(0, 2)
            for _ in range(count):
                kind = rng.choice(NeedKind.values)
                state = rng.choices(("open", "full", "closed", "overdue"),
                                    weights=(45, 12, 25, 18))[0]
                if not pool and state == "full":
                    state = "open"
                self.random_need(village, kind, state, pool)

    def new_need(self, village, kind, state, *, template=None, places=None):
        rng = self.rng
        title, text, low, high = template or rng.choice(BOARD_ITEMS[kind])
        tag = rng.choice(self.tags(village))
        if state in ("open", "full"):
            created = REFERENCE_DATE - datetime.timedelta(days=rng.randint(5, 60))
            deadline = REFERENCE_DATE + datetime.timedelta(days=rng.randint(20, 120))
        elif state == "overdue":
            created = REFERENCE_DATE - datetime.timedelta(days=rng.randint(40, 120))
            deadline = REFERENCE_DATE - datetime.timedelta(days=rng.randint(1, 30))
        else:
            created = REFERENCE_DATE - datetime.timedelta(days=rng.randint(60, 300))
            deadline = min(created + datetime.timedelta(days=rng.randint(20, 90)),
                           REFERENCE_DATE - datetime.timedelta(days=1))
        need = Need(village_org=self.orgs[village], kind=kind, title=title.format(tag=tag),
                    description=text.format(tag=tag), deadline=deadline,
                    places=places or rng.randint(low, high),
                    status=NeedStatus.CLOSED if state == "closed" else NeedStatus.PUBLISHED,
                    created_by=self.village_user.get(village),
                    created_at=_moment(created, rng))
        self.needs.append(need)
        return need

    def random_need(self, village, kind, state, pool):
        rng = self.rng
        need = self.new_need(village, kind, state)
        if not pool:
            return
        most = min(need.places, len(pool))
        if state == "full":
            need.places = most
            holders = most
        elif state == "open":
            holders = rng.randint(0, min(need.places - 1, len(pool)))
        else:
            holders = rng.randint(0, most)
        people = rng.sample(pool, len(pool))
        if state == "closed":
            statuses = [ClaimStatus.CONFIRMED] * holders
        elif state == "overdue":
            statuses = rng.choices([ClaimStatus.CLAIMED, ClaimStatus.DONE, ClaimStatus.CONFIRMED],
                                   weights=(45, 30, 25), k=holders)
            if holders == need.places and all(s == ClaimStatus.CONFIRMED for s in statuses):
                statuses[0] = ClaimStatus.CLAIMED  # overdue: not every place confirmed
        else:
            statuses = rng.choices([ClaimStatus.CLAIMED, ClaimStatus.DONE, ClaimStatus.CONFIRMED],
                                   weights=(40, 25, 35), k=holders)
        plan = list(zip(people, statuses, strict=False))
        spare = people[holders:]
        if spare and rng.random() < 0.2:
            plan.append((spare[0], ClaimStatus.WITHDRAWN))
        self.add_claims(need, village, plan)

    def build_demo_village_board(self):
        """The demo village secretary's and the demo talent's board: open needs to claim, a
        claim to confirm, confirmed and withdrawn ones."""
        village = self.demo_village
        talent, contact = self.users["talent"], self.users["unit_contact"]
        extra = self.claimants_of[self.agri][2:] + [contact, contact]
        first, second = extra[0], extra[1]
        tag = self.tags(village)[0]
        kinds = NeedKind
        script = (
            (kinds.SMALL_SERVICE, 0, "open", 2, []),
            (kinds.THEME_ACTIVITY, 0, "open", 10,
             [(contact, ClaimStatus.CLAIMED), (first, ClaimStatus.CONFIRMED)]),
            (kinds.NEED, 0, "open", 2, [(talent, ClaimStatus.DONE)]),
            (kinds.MICRO_WISH, 0, "full", 1, [(talent, ClaimStatus.CONFIRMED)]),
            (kinds.SERVICE, 0, "open", 3,
             [(talent, ClaimStatus.CLAIMED), (second, ClaimStatus.DONE)]),
            (kinds.PROBLEM, 0, "full", 1,
             [(talent, ClaimStatus.WITHDRAWN), (first, ClaimStatus.CLAIMED)]),
            (kinds.PROJECT, 0, "overdue", 2, [(contact, ClaimStatus.CLAIMED)]),
            (kinds.THEME_ACTIVITY, 1, "closed", 4,
             [(talent, ClaimStatus.CONFIRMED), (contact, ClaimStatus.CONFIRMED),
              (second, ClaimStatus.WITHDRAWN)]),
            (kinds.MICRO_WISH, 1, "open", 1, []),
        )
        for kind, variant, state, places, claims in script:
            title, text, low, high = BOARD_ITEMS[kind][variant]
            need = self.new_need(village, kind, state, places=places,
                                 template=(title.replace("{tag}", tag), text, low, high))
            unique = []
            for user, status in claims:  # the fallbacks above may repeat a user
                if all(u is not user for u, _ in unique):
                    unique.append((user, status))
            self.add_claims(need, village, unique)

    def add_claims(self, need, village, plan):
        """Claims with an event for every transition, the need's taken places, and 已完成 when
        every place is confirmed."""
        rng = self.rng
        start = need.created_at + datetime.timedelta(hours=2)
        end = min(_moment(REFERENCE_DATE, rng), _moment(need.deadline, rng)) \
            if need.status == NeedStatus.CLOSED else _moment(REFERENCE_DATE, rng)
        end = max(end, start + datetime.timedelta(days=1))
        village_user = self.village_user.get(village)
        confirmed = 0
        for user, status in plan:
            steps = [("", ClaimStatus.CLAIMED, user, "")]
            if status == ClaimStatus.WITHDRAWN:
                steps.append((ClaimStatus.CLAIMED, ClaimStatus.WITHDRAWN, user,
                              rng.choice(WITHDRAW_NOTES)))
            elif status != ClaimStatus.CLAIMED or rng.random() < 0.1:
                steps.append((ClaimStatus.CLAIMED, ClaimStatus.DONE, user, ""))
                if rng.random() < 0.12 or status == ClaimStatus.CLAIMED:
                    steps.append((ClaimStatus.DONE, ClaimStatus.CLAIMED, village_user,
                                  rng.choice(SEND_BACK_REASONS)))
                    if status != ClaimStatus.CLAIMED:
                        steps.append((ClaimStatus.CLAIMED, ClaimStatus.DONE, user, ""))
                if status == ClaimStatus.CONFIRMED:
                    steps.append((ClaimStatus.DONE, ClaimStatus.CONFIRMED, village_user,
                                  rng.choice(CONFIRM_COMMENTS)))
            times = _moments_between(rng, start, end, len(steps))
            claim = Claim(need=need, claimant=user, status=status, created_at=times[0])
            if status in (ClaimStatus.DONE, ClaimStatus.CONFIRMED):
                claim.done_at = max(t for t, s in zip(times, steps, strict=True)
                                    if s[1] == ClaimStatus.DONE)
                claim.result = (f"已完成“{need.title}”，服务群众{rng.randint(3, 60)}人次，"
                                "相关照片已存档。")
            if status == ClaimStatus.CONFIRMED:
                claim.confirmed_at = times[-1]
                claim.rating = rng.choices((5, 4, 3), weights=(60, 30, 10))[0]
                claim.comment = steps[-1][3]
            if status in (ClaimStatus.CLAIMED, ClaimStatus.DONE, ClaimStatus.CONFIRMED):
                need.taken_places += 1
            if status == ClaimStatus.CONFIRMED:
                confirmed += 1
            self.claims.append(claim)
            for moment, (before, after, actor, note) in zip(times, steps, strict=True):
                self.events.append(ClaimEvent(claim=claim, actor=actor, from_status=before,
                                              to_status=after, note=note, created_at=moment))
        if need.status == NeedStatus.PUBLISHED and confirmed >= need.places:
            need.status = NeedStatus.COMPLETED  # as confirming the last place makes it

    # --- joint meetings ---

    def build_meetings(self):
        rng = self.rng
        halves = ((YEAR - 1, 1, 0.8), (YEAR - 1, 2, 0.8), (YEAR, 1, 0.88), (YEAR, 2, 0.5))
        for pairing in self.active_pairings():
            city, village = self.pairing_orgs[id(pairing)]
            for year, half, chance in halves:
                if (city, village) == (self.agri, self.demo_village):
                    chance = 0.0 if (year, half) == (YEAR, 2) else 1.0  # H2 left to record
                if rng.random() >= chance:
                    continue
                first = datetime.date(year, 1, 10) if half == 1 else datetime.date(year, 7, 5)
                last = datetime.date(year, 6, 28) if half == 1 else datetime.date(year, 12, 20)
                first = max(first, pairing.since + datetime.timedelta(days=7))
                last = min(last, REFERENCE_DATE - datetime.timedelta(days=1))
                if first > last:
                    continue
                self.meetings.append(self.meeting(pairing, city, village,
                                                  _day_between(rng, first, last)))

    def meeting(self, pairing, city, village, day):
        rng = self.rng
        secretary = self.plan.orgs[village].secretary
        village_people = self.people_of[village]
        names = [pairing.honorary_head.name]
        if pairing.liaison is not None:
            names.append(pairing.liaison.name)
        names += [self.plan.people[p].name for p in village_people[:3]]
        place = rng.choice((f"{self.name(village)}党群服务中心", f"{self.name(city)}会议室",
                            f"{self.name(village)}村委会会议室"))
        return JointMeeting(
            pairing=pairing, year=day.year, half=1 if day.month <= 6 else 2, date=day,
            place=place, unit_chair=pairing.honorary_head,
            village_chair=self.people[secretary] if secretary is not None else None,
            attendees="、".join(dict.fromkeys(names)), topics=rng.choice(MEETING_TOPICS),
            decisions=rng.choice(MEETING_DECISIONS),
            created_at=_moment(min(day + datetime.timedelta(days=rng.randint(0, 3)),
                                   REFERENCE_DATE), rng))

    # --- 双结对双帮扶 ---

    def person_name(self) -> str:
        rng = self.rng
        surname = rng.choices(portal_demo.SURNAMES, weights=portal_demo.SURNAME_WEIGHTS)[0]
        chars = portal_demo.MALE_CHARS if rng.random() < 0.7 else portal_demo.FEMALE_CHARS
        return surname + "".join(rng.sample(chars, 1 if rng.random() < 0.3 else 2))

    def phone(self) -> str:
        return self.rng.choice(portal_demo.MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def cadres_for(self, village: int) -> list[int]:
        """Cadres and party members of the paired city orgs, else the village's and
        township's cadres."""
        found = [p for city in self.active_partners.get(village, ())
                 for p in self.people_of[city]
                 if self.plan.people[p].is_cadre or self.plan.people[p].is_party_member]
        if found:
            return found
        local = [p for org in (village, self.parent(village)) for p in self.people_of.get(org, ())
                 if self.plan.people[p].is_cadre]
        return local

    def build_aid(self):
        rng = self.rng
        difficulties, weights = list(DIFFICULTY_WEIGHTS), list(DIFFICULTY_WEIGHTS.values())
        for village in self.villages:
            if village != self.demo_village and rng.random() >= 0.85:
                continue
            cadres = self.cadres_for(village)
            recorder = self.village_user.get(village)
            for _ in range(rng.randint(2, 5)):
                active = rng.random() < 0.9
                household = AidHousehold(
                    village_org=self.orgs[village], head_name=self.person_name(),
                    members=rng.choices((1, 2, 3, 4, 5, 6), weights=(15, 25, 22, 20, 12, 6))[0],
                    difficulty=rng.choices(difficulties, weights=weights)[0], phone=self.phone(),
                    address=f"{self.name(village)}{rng.randint(1, 9)}组{rng.randint(1, 80)}号",
                    is_party_member=rng.random() < 0.15, is_active=active)
                self.households.append(household)
                if not cadres:
                    continue
                for cadre in rng.sample(cadres, min(len(cadres), 2 if rng.random() < 0.15 else 1)):
                    since = _day_between(rng, datetime.date(YEAR - 2, 1, 1),
                                         REFERENCE_DATE - datetime.timedelta(days=45))
                    aid = AidPairing(cadre=self.people[cadre], household=household, since=since,
                                     plan=rng.choice(AID_PLANS), is_active=active)
                    self.aid_pairings.append(aid)
                    last = min(REFERENCE_DATE, since + datetime.timedelta(days=600))
                    days = sorted(_day_between(rng, since, last) for _ in range(rng.randint(1, 4)))
                    for day in days:
                        self.visits.append(AidVisit(aid_pairing=aid, date=day,
                                                    content=rng.choice(VISIT_CONTENTS),
                                                    recorded_by=recorder))

    # --- all of it ---

    def build(self):
        self.build_pairings()
        self.build_accounts()
        self.build_agreements()
        self.publish_needs_lists()
        self.build_board()
        self.build_meetings()
        self.build_aid()

    def write(self):
        user_model = get_user_model()
        insert_instances(user_model, self.new_users)
        insert_instances(RoleAssignment, self.new_roles)
        type(self.people[0]).objects.bulk_update(self.linked_people, ["user"], batch_size=BATCH)
        with _explicit_created_at(Pairing, AnnualAgreement, Need, Claim, ClaimEvent,
                                  JointMeeting):
            insert_instances(Pairing, self.pairings)
            insert_instances(AnnualAgreement, self.agreements_v1)
            insert_instances(AnnualAgreement, self.agreements_v2)
            insert_instances(ResourceItem, self.resources)
            insert_instances(NeedItem, self.need_items)
            # The triggers of the rows that follow recount their villages from the rows
            # above: planned on "empty" tables, that took minutes at city scale.
            portal_demo.refresh_statistics(Pairing, AnnualAgreement, ResourceItem, NeedItem)
            insert_instances(ProjectItem, self.projects)
            need_links = ProjectItem.needs.through
            resource_links = ProjectItem.resources.through
            need_links.objects.bulk_create(
                [need_links(projectitem_id=p.pk, needitem_id=n.pk)
                 for p, needs, _ in self.project_links for n in needs], batch_size=BATCH)
            resource_links.objects.bulk_create(
                [resource_links(projectitem_id=p.pk, resourceitem_id=r.pk)
                 for p, _, resources in self.project_links for r in resources],
                batch_size=BATCH)
            portal_demo.refresh_statistics(ProjectItem, need_links, resource_links)
            with _need_tallies_paused():
                insert_instances(Need, self.needs)
                insert_instances(Claim, self.claims)
            insert_instances(ClaimEvent, self.events)
            insert_instances(JointMeeting, self.meetings)
        insert_instances(AidHousehold, self.households)
        insert_instances(AidPairing, self.aid_pairings)
        insert_instances(AidVisit, self.visits)


def seed_pairing_demo(context) -> list[str]:
    """Write the pairing demo data for the county in `context` (a portal.demo.DemoContext)
    and return the report lines the command prints."""
    builder = _Builder(context)
    builder.build()
    builder.write()
    return [
        f"结对 {Pairing.objects.count()}，三清单一协议 {AnnualAgreement.objects.count()}，"
        f"需求 {Need.objects.count()}，认领 {Claim.objects.count()}，"
        f"联席会议 {JointMeeting.objects.count()}，帮扶对象 {AidHousehold.objects.count()}",
        "另有城市人才演示账号 talent_001 等（可认领需求），密码同下",
    ]


# --- Reset -------------------------------------------------------------------------------------

def _delete_all(model) -> int:
    """Empty a table in one statement (no per-row signals: the history is wiped as well)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.rowcount


def reset_pairing_demo() -> None:
    """Delete all pairing data, its stored files and the demo talent accounts, so the
    portal's reset can delete organizations, people and users."""
    for model, name in ((Claim, "evidence"), (AnnualAgreement, "signed_scan"),
                        (JointMeeting, "minutes")):
        for row in model.objects.exclude(**{name: ""}).only(name):
            getattr(row, name).delete(save=False)
    AnnualAgreement.objects.filter(supersedes__isnull=False).update(supersedes=None)
    for model in (ClaimEvent, Claim, Need, ProjectItem.needs.through,
                  ProjectItem.resources.through, ProjectItem, NeedItem, ResourceItem,
                  AnnualAgreement, JointMeeting, AidVisit, AidPairing, AidHousehold, Pairing,
                  Pairing.history.model, AnnualAgreement.history.model,
                  AidHousehold.history.model):
        _delete_all(model)
    user_model = get_user_model()
    names = [u for u in user_model.objects.filter(username__startswith="talent_")
             .values_list("username", flat=True) if DEMO_TALENT_USERNAME.match(u)]
    user_model.objects.filter(username__in=names, is_staff=False).delete()


portal_demo.register_extension(seed=seed_pairing_demo, reset=reset_pairing_demo)

"""A deterministic demo county (云岭县) for the demo, tests and benchmarks.

`build_plan(scale, seed)` draws the whole county in memory from one `random.Random(seed)`
(no global random, no dependence on today's date); `seed(scale, seed)` writes that plan with
bulk inserts (tree paths computed here, no history rows) and creates the demo accounts.
Sizes follow the scale table of DESIGN.md.
"""

import datetime
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.db import connection, transaction
from django.utils.module_loading import autodiscover_modules

from portal import org_tally, people_tally
from portal.bulk_load import insert_instances, set_based_foreign_key_checks
from portal.demo_data import (
    ASSOCIATION_NAMES,
    COMMITTEE_UNITS,
    COMMUNITY_NAMES,
    COUNTY_UNITS,
    ENTERPRISE_BRANDS,
    ENTERPRISE_TRADES,
    FEMALE_CHARS,
    INDUSTRY_TAGS,
    MALE_CHARS,
    MOBILE_PREFIXES,
    NEIGHBOUR_AREA_CODES,
    PARK_NAMES,
    SURNAMES,
    TOWNSHIP_ROOTS,
    TOWNSHIP_STAFF_POSITIONS,
    TOWNSHIP_UNIT_SUFFIXES,
    UNIT_POSITIONS,
    VILLAGE_FIRST,
    VILLAGE_LAND,
)
from portal.idnumber import check_digit
from portal.models import GeneratedFile, Job, Organization, Person, RoleAssignment
from portal.models.orgs import OrgKind, PartyOrgType
from portal.models.roles import Role

DEMO_PASSWORD = "Demo@2026portal"
COUNTY_NAME = "云岭县"
AREA_CODE = "513127"  # fictional county in the 5131xx range
COUNTY_CENTER = (29.612, 103.357)


@dataclass(frozen=True)
class Scale:
    townships: int
    villages: int
    units: int
    talents: int
    party_members: int
    communities: int
    enterprises: int
    parks: int
    associations: int
    staff_per_township: int = 10


SCALES = {
    "small": Scale(townships=8, villages=60, units=30, talents=300, party_members=2_000,
                   communities=4, enterprises=6, parks=1, associations=2),
    "county": Scale(townships=25, villages=400, units=150, talents=3_000, party_members=15_000,
                    communities=12, enterprises=30, parks=2, associations=5),
    # DESIGN.md's city row as one county tree ten times as wide (not ten trees): every county
    # page then covers 4,000 villages, the hardest case for a county admin's pages.
    "city": Scale(townships=250, villages=4_000, units=1_500, talents=30_000,
                  party_members=150_000, communities=18, enterprises=32, parks=3,
                  associations=7),
}
# Past the county's size the name vocabularies run out: names get a place prefix (东青山镇),
# drawn only then, so the small and county demos stay exactly as they were.
PLACE_PREFIXES = "东西南北上下新前后大小中"
WIDE_VILLAGES = 1_500
ORDINALS = ("", "第二", "第三", "第四", "第五", "第六")

# --- Reference vocabularies (the names and texts are in portal.demo_data) ---------------------

# Rough frequency: the first surnames are far more common than the last.
SURNAME_WEIGHTS = [max(1.0, 8.0 - i * 0.12) for i in range(len(SURNAMES))]
BIRTH_START = datetime.date(1960, 1, 1)
BIRTH_END = datetime.date(2000, 12, 31)

DEMO_USERNAMES = ("county_admin", "leader", "township_admin", "village_secretary",
                  "other_village_secretary", "unit_contact", "talent", "assessor")
# township_admin_02 … township_admin_250 (a city has 250 townships)
EXTRA_TOWNSHIP_ADMIN = re.compile(r"^township_admin_\d{2,}$")
SUPERUSER = "admin"


# --- The plan ---------------------------------------------------------------------------------

@dataclass
class OrgPlan:
    path: str
    depth: int
    name: str
    code: str
    kind: str
    party_org_type: str = PartyOrgType.BRANCH
    industry_tags: str = ""
    address: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    numchild: int = 0
    secretary: int | None = None  # index into DemoPlan.people


@dataclass
class PersonPlan:
    name: str
    gender: str
    id_number: str
    phone: str
    org: int  # index into DemoPlan.orgs
    position: str = ""
    is_party_member: bool = True
    is_city_talent: bool = False
    is_cadre: bool = False


@dataclass
class AccountPlan:
    username: str
    role: str | None
    org: int | None
    person: int | None
    is_staff: bool = False
    is_superuser: bool = False


@dataclass
class DemoPlan:
    scale: str
    seed: int
    orgs: list[OrgPlan] = field(default_factory=list)
    people: list[PersonPlan] = field(default_factory=list)
    accounts: list[AccountPlan] = field(default_factory=list)

    def add_org(self, parent: int | None, **fields) -> int:
        """Append a node under `parent`, computing its materialized path like treebeard does."""
        if parent is None:
            depth = 1
            step = sum(1 for o in self.orgs if o.depth == 1) + 1
            base = None
        else:
            node = self.orgs[parent]
            node.numchild += 1
            depth, step, base = node.depth + 1, node.numchild, node.path
        path = Organization._get_path(base, depth, step)
        self.orgs.append(OrgPlan(path=path, depth=depth, **fields))
        return len(self.orgs) - 1


def _split(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Integers summing to `total`, proportional to weights, each at least `minimum`."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError("total too small for the minimum")
    scale = sum(weights)
    raw = [spare * w / scale for w in weights]
    parts = [int(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in by_remainder[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def _coordinate(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


class _PeopleMaker:
    """Names, valid unique ID numbers and mobile numbers from one random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()

    def name(self, gender: str) -> str:
        rng = self.rng
        surname = rng.choices(SURNAMES, weights=SURNAME_WEIGHTS)[0]
        chars = MALE_CHARS if gender == "M" else FEMALE_CHARS
        size = 1 if rng.random() < 0.25 else 2
        return surname + "".join(rng.sample(chars, size))

    def id_number(self, gender: str, first_year=1960, last_year=2000) -> str:
        rng = self.rng
        start = max(BIRTH_START, datetime.date(first_year, 1, 1))
        end = min(BIRTH_END, datetime.date(last_year, 12, 31))
        while True:
            area = AREA_CODE if rng.random() < 0.85 else rng.choice(NEIGHBOUR_AREA_CODES)
            birth = start + datetime.timedelta(days=rng.randrange((end - start).days + 1))
            # The 17th digit is odd for men, even for women.
            serial = rng.randrange(500) * 2 + (1 if gender == "M" else 0)
            first17 = f"{area}{birth:%Y%m%d}{serial:03d}"
            value = first17 + check_digit(first17)
            if value not in self.id_numbers:
                self.id_numbers.add(value)
                return value

    def phone(self) -> str:
        while True:
            value = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if value not in self.phones:
                self.phones.add(value)
                return value

    def person(self, org: int, *, male_share=0.5, years=(1960, 2000), **fields) -> PersonPlan:
        gender = "M" if self.rng.random() < male_share else "F"
        return PersonPlan(name=self.name(gender), gender=gender,
                          id_number=self.id_number(gender, *years), phone=self.phone(),
                          org=org, **fields)


def _township_roots(rng: random.Random, count: int) -> list[str]:
    """The county seat 城关 first, then sampled roots; prefixed roots once the vocabulary
    runs out (the city scale's 250 townships)."""
    others = count - 1
    if others <= len(TOWNSHIP_ROOTS):
        return ["城关", *rng.sample(TOWNSHIP_ROOTS, others)]
    prefixed = [p + root for p in PLACE_PREFIXES for root in TOWNSHIP_ROOTS]
    return ["城关", *rng.sample(TOWNSHIP_ROOTS, len(TOWNSHIP_ROOTS)),
            *rng.sample(prefixed, others - len(TOWNSHIP_ROOTS))]


def _unique_village_names(rng: random.Random, count: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    wide = count > WIDE_VILLAGES  # the two patterns give about 2,300 names
    while len(names) < count:
        if rng.random() < 0.6:
            name = rng.choice(VILLAGE_FIRST) + rng.choice(VILLAGE_LAND) + "村"
        else:
            name = rng.choice(SURNAMES[:40]) + "家" + rng.choice(VILLAGE_LAND) + "村"
        if wide and rng.random() < 0.6:
            name = rng.choice(PLACE_PREFIXES) + name
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _org_type_for(members: int) -> str:
    """党员50人以上设党总支, 100人以上设党委; otherwise a 党支部."""
    if members >= 100:
        return PartyOrgType.COMMITTEE
    if members >= 50:
        return PartyOrgType.GENERAL_BRANCH
    return PartyOrgType.BRANCH


def build_plan(scale: str, seed: int = 1) -> DemoPlan:
    """The whole demo county for `scale`, in memory; the same seed always gives the same plan."""
    size = SCALES[scale]
    rng = random.Random(seed)
    plan = DemoPlan(scale=scale, seed=seed)
    maker = _PeopleMaker(rng)

    county = plan.add_org(None, name=COUNTY_NAME, code=f"{AREA_CODE}000000", kind=OrgKind.COUNTY,
                          party_org_type=PartyOrgType.COMMITTEE, address=COUNTY_NAME,
                          latitude=_coordinate(COUNTY_CENTER[0]),
                          longitude=_coordinate(COUNTY_CENTER[1]))

    # Townships: the county seat 城关镇 first, then sampled names, about 60% 镇 and 40% 乡.
    roots = _township_roots(rng, size.townships)
    townships, township_favourites, township_centres = [], [], []
    for i, root in enumerate(roots):
        suffix = "镇" if i == 0 or rng.random() < 0.6 else "乡"
        lat = COUNTY_CENTER[0] + rng.uniform(-0.25, 0.25)
        lon = COUNTY_CENTER[1] + rng.uniform(-0.3, 0.3)
        name = root + suffix
        townships.append(plan.add_org(
            county, name=name, code=f"{AREA_CODE}{100 + i:03d}000", kind=OrgKind.TOWNSHIP,
            party_org_type=PartyOrgType.COMMITTEE, address=f"{COUNTY_NAME}{name}",
            latitude=_coordinate(lat), longitude=_coordinate(lon)))
        township_favourites.append(rng.sample(INDUSTRY_TAGS, 3))
        township_centres.append((lat, lon))

    # County units first in the county's child list, then communities, enterprises, parks …
    county_level = min(len(COUNTY_UNITS), -(-size.units * 3 // 5))
    units = [
        plan.add_org(county, name=name, code=f"{AREA_CODE}-DW{n + 1:03d}", kind=OrgKind.UNIT,
                     party_org_type=(PartyOrgType.COMMITTEE if name in COMMITTEE_UNITS
                                     else PartyOrgType.BRANCH),
                     address=f"{COUNTY_NAME}城关镇")
        for n, name in enumerate(COUNTY_UNITS[:county_level])
    ]
    parks = [
        plan.add_org(county, name=PARK_NAMES[n], code=f"{AREA_CODE}-YQ{n + 1:02d}",
                     kind=OrgKind.PARK, party_org_type=PartyOrgType.COMMITTEE)
        for n in range(size.parks)
    ]
    enterprise_names = []
    for brand in rng.sample(ENTERPRISE_BRANDS, size.enterprises):
        enterprise_names.append(f"{COUNTY_NAME}{brand}{rng.choice(ENTERPRISE_TRADES)}")
    enterprises = []
    for n, name in enumerate(enterprise_names):
        # About half the enterprises sit in an industrial park.
        parent = parks[n % len(parks)] if parks and n % 2 == 0 else county
        enterprises.append(plan.add_org(parent, name=name, code=f"{AREA_CODE}-QY{n + 1:03d}",
                                        kind=OrgKind.ENTERPRISE))
    associations = [
        plan.add_org(county, name=ASSOCIATION_NAMES[n], code=f"{AREA_CODE}-XH{n + 1:02d}",
                     kind=OrgKind.ASSOCIATION)
        for n in range(size.associations)
    ]

    # Villages and township-level units (卫生院, 中心小学 …) under each township;
    # the county seat also holds the city communities.
    village_counts = _split(size.villages, [rng.uniform(0.6, 1.4) for _ in townships], 2)
    village_names = iter(_unique_village_names(rng, size.villages))
    villages, communities = [], []
    township_units_left = size.units - county_level
    for t, township in enumerate(townships):
        town = plan.orgs[township]
        prefix = town.code[:9]
        if t == 0:
            for k, root in enumerate(COMMUNITY_NAMES[: size.communities]):
                name = root + "社区"
                communities.append(plan.add_org(
                    township, name=name, code=f"{prefix}{k + 1:03d}", kind=OrgKind.COMMUNITY,
                    address=f"{COUNTY_NAME}{town.name}{name}"))
        for j in range(village_counts[t]):
            name = next(village_names)
            lat, lon = township_centres[t]
            tags = [rng.choice(township_favourites[t])]
            for tag in rng.sample(INDUSTRY_TAGS, rng.choice((0, 1, 1, 2))):
                if tag not in tags:
                    tags.append(tag)
            villages.append(plan.add_org(
                township, name=name, code=f"{prefix}{200 + j:03d}", kind=OrgKind.VILLAGE,
                industry_tags="、".join(tags), address=f"{COUNTY_NAME}{town.name}{name}",
                latitude=_coordinate(lat + rng.uniform(-0.05, 0.05)),
                longitude=_coordinate(lon + rng.uniform(-0.05, 0.05))))
    for k in range(township_units_left):
        t, cycle = k % len(townships), k // len(townships)
        suffix = ORDINALS[cycle // 3] + TOWNSHIP_UNIT_SUFFIXES[cycle % 3]
        town = plan.orgs[townships[t]]
        units.append(plan.add_org(
            townships[t], name=town.name + suffix, kind=OrgKind.UNIT,
            code=f"{town.code[:9]}{500 + k // len(townships):03d}",
            address=f"{COUNTY_NAME}{town.name}"))

    _add_people(plan, rng, maker, size, townships=townships, villages=villages, units=units,
                communities=communities, others=enterprises + parks + associations)
    _add_accounts(plan, county, townships, villages, units)
    return plan


def _add_people(plan, rng, maker, size, *, townships, villages, units, communities, others):
    """Talents in city orgs; party members in villages, townships, units and the rest."""
    talent_party = round(size.talents * 0.85)
    rest = size.party_members - talent_party
    staff = size.staff_per_township * len(townships)
    spread = rest - staff
    in_villages = round(spread * 0.78)
    in_units = round(spread * 0.12)
    in_communities = round(spread * 0.05)
    in_others = spread - in_villages - in_units - in_communities

    def weights(orgs):
        return [rng.lognormvariate(0, 0.5) for _ in orgs]

    city = units + communities + others
    city_weights = ([w * 0.7 * len(city) / len(units) for w in weights(units)]
                    + [w * 0.15 * len(city) / len(communities) for w in weights(communities)]
                    + [w * 0.15 * len(city) / len(others) for w in weights(others)])
    talents_per_org = dict(zip(city, _split(size.talents, city_weights, 1), strict=True))
    talent_is_member = [True] * talent_party + [False] * (size.talents - talent_party)
    rng.shuffle(talent_is_member)
    member_flags = iter(talent_is_member)

    members_per_org = Counter()
    for group, total, minimum in ((villages, in_villages, 5), (units, in_units, 2),
                                  (communities, in_communities, 2), (others, in_others, 1)):
        members_per_org.update(dict(zip(group, _split(total, weights(group), minimum),
                                        strict=True)))

    for t in townships:
        org_people = []
        for n in range(size.staff_per_township):
            position = TOWNSHIP_STAFF_POSITIONS[n] if n < len(TOWNSHIP_STAFF_POSITIONS) else "干部"
            if position == "镇长" and plan.orgs[t].name.endswith("乡"):
                position = "乡长"
            org_people.append(maker.person(t, male_share=0.65, years=(1965, 1998),
                                           position=position, is_cadre=True))
        _append_people(plan, t, org_people, secretary=0)

    for v in villages:
        members = members_per_org[v]
        plan.orgs[v].party_org_type = _org_type_for(members)
        title = PartyOrgType(plan.orgs[v].party_org_type).label + "书记"
        org_people = [maker.person(v, male_share=0.85, years=(1962, 1992),
                                   position=title + ("、村委会主任" if rng.random() < 0.6 else ""),
                                   is_cadre=True)]
        org_people += [maker.person(v, male_share=0.6, years=(1965, 1998), position="村委委员",
                                    is_cadre=True) for _ in range(min(2, members - 1))]
        org_people += [maker.person(v, male_share=0.72) for _ in range(members - len(org_people))]
        _append_people(plan, v, org_people, secretary=0)

    for o in city:
        org = plan.orgs[o]
        members = members_per_org[o]
        talents = talents_per_org[o]
        if org.kind != OrgKind.PARK and org.name not in COMMITTEE_UNITS:
            org.party_org_type = _org_type_for(members + talents)
        org_people = []
        for n in range(members):
            position = PartyOrgType(org.party_org_type).label + "书记" if n == 0 else \
                rng.choice(UNIT_POSITIONS)
            org_people.append(maker.person(o, male_share=0.55, years=(1965, 1998),
                                           position=position, is_cadre=org.kind == OrgKind.UNIT))
        for _ in range(talents):
            is_cadre = (org.kind == OrgKind.UNIT and rng.random() < 0.5
                        or org.kind == OrgKind.COMMUNITY and rng.random() < 0.4)
            org_people.append(maker.person(o, years=(1970, 2000),
                                           position=_talent_position(rng, org),
                                           is_party_member=next(member_flags),
                                           is_city_talent=True, is_cadre=is_cadre))
        _append_people(plan, o, org_people, secretary=0 if members else None)


def _talent_position(rng, org) -> str:
    if "医院" in org.name or "卫生院" in org.name or "保健院" in org.name:
        return rng.choice(("医生", "护士", "主治医师"))
    if "学" in org.name:
        return rng.choice(("教师", "班主任", "教研组长"))
    if org.kind == OrgKind.ENTERPRISE:
        return rng.choice(("技术员", "销售经理", "车间主任", "工程师"))
    if org.kind == OrgKind.COMMUNITY:
        return rng.choice(("社区网格员", "社区干部", "社工"))
    return rng.choice(UNIT_POSITIONS)


def _append_people(plan, org, people, *, secretary):
    first = len(plan.people)
    plan.people.extend(people)
    if secretary is not None and people:
        plan.orgs[org].secretary = first + secretary


def _add_accounts(plan, county, townships, villages, units):
    """The documented demo accounts, one admin per township and an assessor."""
    people_of = {}
    for i, p in enumerate(plan.people):
        people_of.setdefault(p.org, []).append(i)

    def first_person(org, *, talent=None, skip=0):
        matches = [i for i in people_of[org]
                   if talent is None or plan.people[i].is_city_talent == talent]
        return matches[skip]

    def first_village_of(township):
        path = plan.orgs[township].path
        return next(v for v in villages if plan.orgs[v].path.startswith(path))

    by_name = {plan.orgs[u].name: u for u in units}
    organization_dept, agriculture = by_name["县委组织部"], by_name["县农业农村局"]
    accounts = [
        AccountPlan(SUPERUSER, None, None, None, is_staff=True, is_superuser=True),
        AccountPlan("county_admin", Role.COUNTY_ADMIN, county,
                    first_person(organization_dept, talent=False, skip=1), is_staff=True),
        AccountPlan("leader", Role.LEADER, county, first_person(organization_dept, talent=False)),
        AccountPlan("township_admin", Role.TOWNSHIP_ADMIN, townships[0],
                    first_person(townships[0], skip=3)),
        AccountPlan("village_secretary", Role.VILLAGE_SECRETARY, first_village_of(townships[0]),
                    plan.orgs[first_village_of(townships[0])].secretary),
        AccountPlan("other_village_secretary", Role.VILLAGE_SECRETARY,
                    first_village_of(townships[1]),
                    plan.orgs[first_village_of(townships[1])].secretary),
        AccountPlan("unit_contact", Role.UNIT_CONTACT, agriculture,
                    first_person(agriculture, talent=False, skip=1)),
        AccountPlan("talent", Role.TALENT, agriculture, first_person(agriculture, talent=True)),
        AccountPlan("assessor", Role.ASSESSOR, by_name["县乡村振兴局"],
                    first_person(by_name["县乡村振兴局"], talent=False)),
    ]
    accounts += [
        AccountPlan(f"township_admin_{n + 1:02d}", Role.TOWNSHIP_ADMIN, t,
                    first_person(t, skip=3))
        for n, t in enumerate(townships) if n
    ]
    plan.accounts = accounts


# --- Writing it --------------------------------------------------------------------------------

class DemoDataExists(Exception):
    """The database already holds portal data; seeding needs --reset or an empty database."""


class DemoResetBlocked(Exception):
    """Rows of another app still point at orgs or people, so the portal data cannot go."""


@dataclass
class DemoContext:
    """What an app's demo seeder gets: the plan, the written rows aligned with it, a stream."""

    plan: DemoPlan
    orgs: list  # Organization rows, aligned with plan.orgs
    people: list  # Person rows, aligned with plan.people
    users: dict  # username -> User
    rng: random.Random


# (seed, reset) pairs that other apps register from their own `demo` module, which
# `load_app_demos()` imports only when seeding or resetting: portal imports none of them, and
# the web process never loads them. Seeders run after the portal's rows in INSTALLED_APPS order
# (pairing's before ledger's, whose rows link to pairing's); resets run before the portal's
# reset, in reverse order (assessment's data goes before ledger's before pairing's).
_extensions: list[tuple] = []


def register_extension(*, seed=None, reset=None):
    """Let an app add demo data (`seed(context)`, returning lines for the command's report)
    and delete it again (`reset()`)."""
    _extensions.append((seed, reset))


def load_app_demos() -> None:
    """Import every installed app's `demo` module, in INSTALLED_APPS order, so it registers."""
    autodiscover_modules("demo")


def _app_index(extension) -> int:
    """Position in INSTALLED_APPS of the app that registered `extension` (last if none)."""
    configs = list(apps.get_app_configs())
    app = apps.get_containing_app_config(next(f for f in extension if f).__module__)
    return configs.index(app) if app in configs else len(configs)


def _ordered_extensions() -> list[tuple]:
    """The registered extensions in INSTALLED_APPS order, whatever order they were imported in
    (a test may import ledger.demo first); ties keep their registration order."""
    load_app_demos()
    return sorted(_extensions, key=_app_index)


def demo_data_exists() -> bool:
    return Organization.objects.exists() or Person.objects.exists()


def _demo_users():
    user_model = get_user_model()
    names = [u for u in user_model.objects.values_list("username", flat=True)
             if u in DEMO_USERNAMES or EXTRA_TOWNSHIP_ADMIN.match(u)]
    return user_model.objects.filter(username__in=names)


def _delete_all(model) -> int:
    """Empty a table in one statement: per-row delete signals would only write history rows
    that are wiped next, and take seconds at county scale."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.rowcount


def _references_from_other_apps() -> list[str]:
    """Names of other apps' models that still hold rows pointing at orgs or people."""
    found = []
    for model in (Organization, Person):
        for relation in model._meta.related_objects:
            related = relation.related_model
            # A many-to-many (meeting attendees) keeps its constraint on the relation.
            constrained = relation.db_constraint if relation.many_to_many \
                else relation.field.db_constraint
            if related._meta.app_label == "portal" or not constrained:
                continue  # portal's own rows go below; history rows hold no constraint
            if related._default_manager.filter(
                    **{f"{relation.field.name}__isnull": False}).exists():
                found.append(str(related._meta.verbose_name))
    return sorted(set(found))


@transaction.atomic
def reset_demo_data() -> dict:
    """Delete the portal's data (jobs, roles, people, orgs, their history) and the demo users.

    Registered apps delete their own data first. The `admin` superuser and the audit log are
    kept.
    """
    for _, reset in reversed(_ordered_extensions()):
        if reset is not None:
            reset()
    blocking = _references_from_other_apps()
    if blocking:
        raise DemoResetBlocked(f"以下数据仍引用组织或人员，无法重置：{'、'.join(blocking)}。")
    deleted = {}
    for generated in GeneratedFile.objects.exclude(file=""):
        generated.file.delete(save=False)
    deleted["jobs"] = Job.objects.all().delete()[0]
    deleted["files"] = GeneratedFile.objects.all().delete()[0]
    deleted["roles"] = RoleAssignment.objects.all().delete()[0]
    deleted["users"] = _demo_users().delete()[0]
    Organization.objects.filter(secretary__isnull=False).update(secretary=None)
    deleted["people"] = _delete_all(Person)
    deleted["orgs"] = _delete_all(Organization)
    for model in (Person, Organization, RoleAssignment):
        model.history.all().delete()
    return deleted


def _write_users(plan, password_hash):
    """Create (or refresh) the demo users; an existing `admin` is left untouched."""
    user_model = get_user_model()
    existing = {u.username: u for u in user_model.objects.filter(
        username__in=[a.username for a in plan.accounts])}
    users, new = {}, []
    for account in plan.accounts:
        person = plan.people[account.person] if account.person is not None else None
        full_name = person.name if person else "系统管理员"
        user = existing.get(account.username)
        if user is not None and account.username == SUPERUSER:
            users[account.username] = user
            continue
        if user is None:
            user = user_model(username=account.username)
            new.append(user)
        user.first_name = full_name
        user.password = password_hash
        user.is_staff, user.is_superuser, user.is_active = (account.is_staff,
                                                            account.is_superuser, True)
        users[account.username] = user
    stale = [u for u in users.values() if u.pk and u.username != SUPERUSER]
    if stale:
        user_model.objects.bulk_update(stale, ["first_name", "password", "is_staff",
                                               "is_superuser", "is_active"])
    user_model.objects.bulk_create(new)
    if any(u.pk is None for u in new):  # backends that do not return ids from bulk inserts
        ids = dict(user_model.objects.filter(username__in=[u.username for u in new])
                   .values_list("username", "pk"))
        for user in new:
            user.pk = ids[user.username]
    return users


def _write(plan: DemoPlan) -> dict:
    orgs = [Organization(path=o.path, depth=o.depth, numchild=o.numchild, name=o.name,
                         code=o.code, kind=o.kind, party_org_type=o.party_org_type,
                         industry_tags=o.industry_tags, address=o.address,
                         latitude=o.latitude, longitude=o.longitude)
            for o in plan.orgs]
    Organization.objects.bulk_create(orgs, batch_size=500)
    if any(o.pk is None for o in orgs):
        ids = dict(Organization.objects.values_list("path", "pk"))
        for org in orgs:
            org.pk = ids[org.path]

    for account in plan.accounts:
        user = get_user_model()(username=account.username, first_name="x")
        validate_password(DEMO_PASSWORD, user)
    users = _write_users(plan, make_password(DEMO_PASSWORD))
    user_of_person = {a.person: users[a.username].pk for a in plan.accounts
                      if a.person is not None}

    people = [Person(name=p.name, gender=p.gender, id_number=p.id_number, phone=p.phone,
                     home_org_id=orgs[p.org].pk, position=p.position,
                     is_party_member=p.is_party_member, is_city_talent=p.is_city_talent,
                     is_cadre=p.is_cadre, user_id=user_of_person.get(i))
              for i, p in enumerate(plan.people)]
    insert_instances(Person, people)

    with_secretary = []
    for org, org_plan in zip(orgs, plan.orgs, strict=True):
        if org_plan.secretary is not None:
            org.secretary_id = people[org_plan.secretary].pk
            with_secretary.append(org)
    Organization.objects.bulk_update(with_secretary, ["secretary"], batch_size=500)

    RoleAssignment.objects.bulk_create([
        RoleAssignment(user_id=users[a.username].pk, org_id=orgs[a.org].pk, role=a.role,
                       note="演示账号")
        for a in plan.accounts if a.role
    ])
    context = DemoContext(plan=plan, orgs=orgs, people=people, users=users,
                          rng=random.Random(f"{plan.seed}-apps"))
    report_lines = []
    for seed_app, _ in _ordered_extensions():
        if seed_app is not None:
            refresh_statistics()
            report_lines.extend(seed_app(context) or [])
    return report_lines


def refresh_statistics(*models) -> None:
    """PostgreSQL: planner statistics for the rows bulk-loaded so far (of `models`' tables
    only, when given), inside the seeding transaction (ANALYZE sees its own uncommitted rows).
    On a fresh database the tables have none, and the next app's queries ran as nested loops
    over "empty" tables: the assessment demo took 416 s instead of 16 at county scale. Not
    inside a caller's transaction (tests): statistics of rows that are then rolled back are
    half undone and mislead later plans."""
    if connection.vendor == "postgresql" and not connection.savepoint_ids:
        tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {tables}")


def summarize(plan: DemoPlan) -> dict:
    kinds = Counter(o.kind for o in plan.orgs)
    return {
        "scale": plan.scale,
        "seed": plan.seed,
        "orgs": {kind: kinds.get(kind, 0) for kind in OrgKind.values},
        "people": len(plan.people),
        "party_members": sum(p.is_party_member for p in plan.people),
        "talents": sum(p.is_city_talent for p in plan.people),
        "cadres": sum(p.is_cadre for p in plan.people),
        "password": DEMO_PASSWORD,
        "accounts": [
            {"username": a.username,
             "role": Role(a.role).label if a.role else "超级管理员（管理后台）",
             "org": plan.orgs[a.org].name if a.org is not None else "—",
             "name": plan.people[a.person].name if a.person is not None else "系统管理员"}
            for a in plan.accounts
        ],
    }


def seed(scale: str = "small", seed: int = 1, *, reset: bool = False) -> dict:
    """Write the demo county for `scale` in one transaction and return a summary.

    Raises DemoDataExists when portal data is present, unless `reset` wipes it first.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {', '.join(SCALES)}")
    started = time.perf_counter()
    plan = build_plan(scale, seed)
    with transaction.atomic(), set_based_foreign_key_checks():
        if reset:
            reset_demo_data()
        elif demo_data_exists():
            raise DemoDataExists("数据库中已有组织或人员数据。")
        report_lines = _write(plan)
        # The load may have run with the triggers off (bulk_load).
        people_tally.rebuild()
        org_tally.rebuild()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Fresh bulk-loaded tables have no planner statistics until autovacuum runs; without
        # them PostgreSQL picks nested loops that make the compliance pages take seconds.
        # Not inside a caller's transaction (tests): statistics of rows that are then rolled
        # back are half undone (pg_class in place, pg_statistic not) and mislead later plans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    summary = summarize(plan)
    summary["app_lines"] = report_lines
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary

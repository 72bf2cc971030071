"""Demo data for 考核, on top of the portal's demo county and the pairing and ledger demo data.

The three service actions with their assessing bodies (县乡村振兴局, the first city community,
the first industrial park; the last two get an `assessor_02` / `assessor_03` account), and two
years of enrolments of the county units' party cadres: everyone in the universal action, most
in one of the other two, a few exempt, two replaced mid-year. The first year (seed 五: 2025-09
to 2025-12) has the person schemes scored, graded and graded on record — filed for the rural
action, submitted and previewed for the others. The reference year has the default schemes of
every target kind, its quarters scored up to the reference date and the completed ones
published, the villages' ratings of the talents who served them, some deductions and bonuses,
and three appeals (open, rejected, accepted and re-scored). The filed results are used:
nominations for 表现特别突出 and the commendations, and one reasoned exception for a 差.

Registered with `portal.demo.register_extension`; it runs after ledger's extension (INSTALLED_APPS
order) in the same transaction, so the activities behind the scores exist. Everything is drawn
from `random.Random(f"{seed}-assessment")` and dated relative to `pairing.demo.REFERENCE_DATE`,
never today: the services stamp the time they run, so each step's timestamps (and the audit and
history rows it wrote) are set back to the step's date afterwards. The scores themselves come
from the services (`create_default_scheme`, `score_quarter`, `grade_year`, the appeal services);
enrolments, ratings and entries are bulk inserts.
"""

import datetime
import io
import random
import re
from collections import defaultdict
from contextlib import contextmanager
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from assessment import demo_data
from assessment.models import (
    Action,
    AnnualGrade,
    Appeal,
    EligibilityOverride,
    Enrolment,
    EnrolmentStatus,
    Grading,
    Indicator,
    Nomination,
    NominationKind,
    QuarterScore,
    Scheme,
    ScoreEntry,
    ScoreItem,
    ScoringRun,
    TalentEvaluation,
    TargetKind,
)
from assessment.periods import quarter_range
from assessment.services.appeals import accept_appeal, file_appeal, reject_appeal
from assessment.services.consequences import (
    confirm_nomination,
    nominate,
    override_eligibility,
    reject_nomination,
)
from assessment.services.enrolment import CADRE
from assessment.services.grading import file_grading, grade_year, submit_grading
from assessment.services.schemes import create_default_scheme
from assessment.services.scoring import publish_run, score_quarter
from ledger.compliance import COUNTED_STATUSES as COUNTED
from ledger.models import Participation
from pairing.demo import REFERENCE_DATE
from portal import demo as portal_demo
from portal.bulk_load import insert_instances
from portal.models import AuditEvent, Person, RoleAssignment
from portal.models.orgs import CITY_KINDS, OrgKind
from portal.models.roles import Role

YEAR = REFERENCE_DATE.year
FIRST_YEAR = YEAR - 1
FIRST_YEAR_START = datetime.date(FIRST_YEAR, 9, 1)  # seed 五: the first year runs 2025-09..12
DEMO_ASSESSOR = re.compile(r"^assessor_\d{2}$")
BATCH = 2_000
EVIDENCE_FILE = "assessment/evidence/demo/情况说明.pdf"
ORG_KINDS = (TargetKind.UNIT, TargetKind.VILLAGE, TargetKind.TOWNSHIP)
# Share of enrolled cadres choosing the community action, the enterprise action, or neither.
CHOICE_WEIGHTS = (50, 38, 12)
RATING_WEIGHTS = {5: 44, 4: 38, 3: 14, 1: 4}


def _moment(day: datetime.date, hour=10, minute=0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute),
                                     tzinfo=timezone.get_default_timezone())


def _after_quarter(year, quarter, days) -> datetime.date:
    """The day `days` after the quarter ends (the 12th: scored after the ledger lock)."""
    return quarter_range(year, quarter)[1] + datetime.timedelta(days=days - 1)


# Rows the services stamp with the time they run: set back to the demo step's date.
STAMPED = ((AuditEvent, "created_at"), (Scheme.history.model, "history_date"),
           (Grading.history.model, "history_date"), (Enrolment.history.model, "history_date"),
           (AnnualGrade.history.model, "history_date"))


@contextmanager
def _dated(moment):
    """Date the audit and history rows written inside the block at `moment`."""
    marks = {model: model.objects.aggregate(m=Max("pk"))["m"] or 0 for model, _ in STAMPED}
    yield
    for model, field in STAMPED:
        model.objects.filter(pk__gt=marks[model]).update(**{field: moment})


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


def _evidence_file() -> str:
    """One small shared PDF (a scanned 情况说明) for every seeded bonus and deduction."""
    if not default_storage.exists(EVIDENCE_FILE):
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (595, 842), "white")
        draw = ImageDraw.Draw(image)
        for row in range(14):
            draw.line((70, 160 + row * 40, 525, 160 + row * 40), fill=(90, 90, 90), width=1)
        buffer = io.BytesIO()
        image.save(buffer, "PDF", resolution=72.0)
        default_storage.save(EVIDENCE_FILE, ContentFile(buffer.getvalue()))
    return EVIDENCE_FILE


class _Builder:
    """Writes the assessment demo data of one demo county, step by step through the year."""

    def __init__(self, context):
        self.plan = plan = context.plan
        self.orgs, self.people, self.users = context.orgs, context.people, context.users
        self.rng = random.Random(f"{plan.seed}-assessment")
        self.county_admin = self.users["county_admin"]
        by_kind = defaultdict(list)
        for i, org in enumerate(plan.orgs):
            by_kind[org.kind].append(i)
        by_name = {plan.orgs[i].name: i for i in by_kind[OrgKind.UNIT]}
        missing = [what for what, found in (("县乡村振兴局", "县乡村振兴局" in by_name),
                                            ("城市社区", bool(by_kind[OrgKind.COMMUNITY])),
                                            ("工业园区", bool(by_kind[OrgKind.PARK]))) if not found]
        if missing:
            raise RuntimeError(f"demo county lacks the assessing bodies: {', '.join(missing)}")
        self.bodies = {"rural": by_name["县乡村振兴局"], "community": by_kind[OrgKind.COMMUNITY][0],
                       "park": by_kind[OrgKind.PARK][0]}
        self.county_units = [self.orgs[u].pk for u in by_kind[OrgKind.UNIT]
                             if plan.orgs[u].depth == 2]
        accounts = {a.username: a for a in plan.accounts}
        self.rater = {self.orgs[accounts[name].org].pk: self.users[name]
                      for name in ("village_secretary", "other_village_secretary")}
        self.assessors = {"rural": self.users["assessor"]}
        self.new_accounts = []
        self.counts = defaultdict(int)

    def body(self, key):
        return self.orgs[self.bodies[key]]

    # --- accounts, actions, enrolments ---

    def build_assessors(self):
        """An assessor account on the community and on the park (the portal's `assessor` is on
        县乡村振兴局), each the body's first staff member."""
        user_model = get_user_model()
        password = self.users["assessor"].password
        taken = {a.person for a in self.plan.accounts if a.person is not None}
        linked, roles = [], []
        for number, key in enumerate(("community", "park"), start=2):
            index = self.bodies[key]
            staff = [i for i, p in enumerate(self.plan.people)
                     if p.org == index and not p.is_city_talent and i not in taken]
            person = self.people[staff[0]]
            user = user_model.objects.create(username=f"assessor_{number:02d}",
                                             first_name=person.name, password=password)
            roles.append(RoleAssignment(user=user, org=self.orgs[index], role=Role.ASSESSOR,
                                        note="演示账号"))
            person.user = user
            linked.append(person)
            self.assessors[key] = user
            self.new_accounts.append(f"{user.username}（{self.plan.orgs[index].name}）")
        RoleAssignment.objects.bulk_create(roles)  # no history rows dated today
        Person.objects.bulk_update(linked, ["user"])

    def build_actions(self):
        self.actions = {}
        for order, (code, name, body, universal) in enumerate(demo_data.ACTIONS, start=1):
            self.actions[code] = Action.objects.create(
                code=code, name=name, assessing_body=self.body(body), is_universal=universal,
                order=order)

    def cadres(self):
        """(person id, unit id) of the county units' party cadres (县直单位党员干部), in plan
        order."""
        return list(Person.objects.filter(CADRE, home_org__in=self.county_units, is_active=True,
                                          is_party_member=True)
                    .order_by("pk").values_list("pk", "home_org_id"))

    def build_enrolments(self):
        """Both years: everyone in the universal action, most in one other (the same one both
        years); a few exempt each year; in the reference year two replacements."""
        rng = self.rng
        cadres = self.cadres()
        others = ["community", "enterprise", None]
        choice = {pk: rng.choices(others, weights=CHOICE_WEIGHTS)[0] for pk, _ in cadres}
        admin = self.county_admin
        rows = []
        for year, start in ((FIRST_YEAR, FIRST_YEAR_START), (YEAR, datetime.date(YEAR, 1, 1))):
            created = _moment(start - datetime.timedelta(days=12))
            exempt = set(rng.sample([pk for pk, _ in cadres], max(2, len(cadres) // 150)))
            for pk, unit in cadres:
                for code in ("rural", choice[pk]):
                    if code is None:
                        continue
                    row = Enrolment(action=self.actions[code], year=year, person_id=pk,
                                    org_id=unit, start_date=start, changed_by=admin,
                                    created_at=created)
                    if code == "rural" and pk in exempt:
                        row.status = EnrolmentStatus.EXEMPT
                        row.exempt_reason = rng.choice(demo_data.EXEMPT_REASONS)
                    rows.append(row)
        with _explicit_times(Enrolment._meta.get_field("created_at")):
            Enrolment.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["enrolments"] = len(rows)
        self.counts["exempt"] = sum(r.status == EnrolmentStatus.EXEMPT for r in rows)
        self.replace(cadres, choice)

    def replace(self, cadres, choice):
        """One member of each non-universal action replaced by a colleague of the same unit who
        is in neither (004 六.2)."""
        rng = self.rng
        by_unit = defaultdict(list)
        for pk, unit in cadres:
            by_unit[unit].append(pk)
        for code, day in (("community", datetime.date(YEAR, 5, 1)),
                          ("enterprise", datetime.date(YEAR, 8, 1))):
            pairs = [(pk, free) for unit, pks in by_unit.items() for pk in pks
                     if choice[pk] == code for free in pks if choice[free] is None]
            if not pairs:
                continue
            leaving, successor = rng.choice(pairs)
            choice[successor] = code
            old = Enrolment.objects.get(action=self.actions[code], year=YEAR, person_id=leaving)
            created = _moment(day - datetime.timedelta(days=3))
            with _explicit_times(Enrolment._meta.get_field("created_at")), _dated(created):
                new = Enrolment.objects.create(
                    action=old.action, year=YEAR, person_id=successor, org_id=old.org_id,
                    start_date=day, changed_by=self.county_admin,
                    created_at=created)
            Enrolment.objects.filter(pk=old.pk).update(
                status=EnrolmentStatus.REPLACED, end_date=day - datetime.timedelta(days=1),
                replaced_by=new, replacement_reason=rng.choice(demo_data.REPLACEMENT_REASONS))
            self.counts["enrolments"] += 1
            self.counts["replaced"] += 1

    # --- schemes ---

    def build_schemes(self):
        """The person scheme of each action in both years; in the reference year also the
        unit, village and township schemes of 县乡村振兴局."""
        admin = self.county_admin
        self.schemes = {}
        for year, start, created in (
                (FIRST_YEAR, FIRST_YEAR_START, datetime.date(FIRST_YEAR, 8, 25)),
                (YEAR, datetime.date(YEAR, 1, 1), datetime.date(YEAR, 1, 8))):
            with _dated(_moment(created)):
                for code, action in self.actions.items():
                    scheme = create_default_scheme(
                        actor=admin, year=year, assessing_body=action.assessing_body,
                        target_kind=TargetKind.PERSON, action=action, start_date=start)
                    self.schemes[year, code] = scheme
                if year == YEAR:
                    for kind in ORG_KINDS:
                        self.schemes[year, kind] = create_default_scheme(
                            actor=admin, year=year, assessing_body=self.body("rural"),
                            target_kind=kind)
            Scheme.objects.filter(year=year).update(created_at=_moment(created))

    def assessor_of(self, scheme):
        return next(self.assessors[key] for key, index in self.bodies.items()
                    if self.orgs[index].pk == scheme.assessing_body_id)

    # --- what villages and assessors enter ---

    def build_evaluations(self):
        """Each quarter of data, most villages rate the city people who served them that
        quarter: the (village, person) pairs of one set-based query per quarter."""
        rng = self.rng
        ratings, weights = list(RATING_WEIGHTS), list(RATING_WEIGHTS.values())
        rows = []
        for year, quarter in ((FIRST_YEAR, 4), (YEAR, 1), (YEAR, 2), (YEAR, 3)):
            first, after = quarter_range(year, quarter)
            pairs = (Participation.objects
                     .filter(activity__org__kind=OrgKind.VILLAGE, activity__status__in=COUNTED,
                             activity__date__gte=first, activity__date__lt=after,
                             person__home_org__kind__in=CITY_KINDS)
                     .values_list("activity__org_id", "person_id").distinct()
                     .order_by("activity__org_id", "person_id"))
            silent = set()
            for village, person in pairs:
                if village in silent:
                    continue
                if rng.random() < 0.004:  # a village that sends no ratings this quarter
                    silent.add(village)
                    continue
                rating = rng.choices(ratings, weights=weights)[0]
                rated = _moment(after + datetime.timedelta(days=rng.randint(0, 6)),
                                rng.randint(8, 17), rng.randrange(60))
                forwarded = (rated + datetime.timedelta(days=rng.randint(2, 8))
                             if rng.random() < 0.85 else None)
                rows.append(TalentEvaluation(
                    village_id=village, person_id=person, year=year, quarter=quarter,
                    rating=rating, comment=rng.choice(demo_data.RATING_COMMENTS[rating]),
                    rated_by=self.rater.get(village), rated_at=rated, forwarded_at=forwarded))
        with _explicit_times(TalentEvaluation._meta.get_field("rated_at")):
            insert_instances(TalentEvaluation, rows)
        self.counts["evaluations"] = len(rows)

    def members(self, scheme):
        return list(Enrolment.objects.counted().filter(action=scheme.action, year=scheme.year)
                    .order_by("pk").values_list("person_id", flat=True))

    def entry(self, indicator, person, quarter, points, reason, entered, *, level="",
              evidence=""):
        return ScoreEntry(indicator=indicator, person_id=person, quarter=quarter,
                          points=Decimal(points), reason=reason, level=level, evidence=evidence,
                          entered_by=self.assessor_of(indicator.scheme),
                          entered_at=_moment(entered, 15))

    def build_entries(self):
        """Deductions in the scored quarters and a few bonuses in both years; the first year's
        year-end overall evaluation (综合性评价) of everyone."""
        rng = self.rng
        evidence = _evidence_file()
        rows = []
        for (year, _code), scheme in self.schemes.items():
            if scheme.target_kind != TargetKind.PERSON:
                continue
            indicators = {i.code: i for i in Indicator.objects.filter(scheme=scheme)}
            for i in indicators.values():
                i.scheme = scheme
            members = self.members(scheme)
            if not members:
                continue
            quarters = [q for q in scheme.quarters() if _after_quarter(year, q, 1)
                        <= REFERENCE_DATE]
            for quarter in quarters:
                for person in rng.sample(members, max(1, len(members) // 80)):
                    rows.append(self.entry(
                        indicators["deduction"], person, quarter, rng.randint(2, 5),
                        rng.choice(demo_data.DEDUCTION_REASONS),
                        _after_quarter(year, quarter, rng.randint(1, 8)) - datetime.timedelta(
                            days=10), evidence=evidence))
            for person in rng.sample(members, max(1, len(members) // 60)):
                level, points, reason = rng.choice(demo_data.BONUSES)
                day = (datetime.date(year, 12, 20) if year == FIRST_YEAR
                       else REFERENCE_DATE - datetime.timedelta(days=rng.randint(5, 200)))
                rows.append(self.entry(indicators["bonus"], person, None, points, reason, day,
                                       level=level, evidence=evidence))
            if year == FIRST_YEAR:
                top = int(indicators["overall"].max_points)
                for person in members:
                    points = Decimal(rng.randint(6 * top, 10 * top)) / 10
                    rows.append(self.entry(indicators["overall"], person, None, points,
                                           rng.choice(demo_data.OVERALL_COMMENTS),
                                           datetime.date(YEAR, 1, 6)))
        with _explicit_times(ScoreEntry._meta.get_field("entered_at")):
            ScoreEntry.objects.bulk_create(rows, batch_size=BATCH)
        self.counts["entries"] = len(rows)

    # --- scoring, grading, appeals ---

    def score(self, scheme, quarter, computed):
        with _dated(computed):
            run = score_quarter(scheme, quarter)
        ScoringRun.objects.filter(pk=run.pk).update(computed_at=computed)
        return run

    def publish(self, run, published):
        first = not Scheme.objects.filter(pk=run.scheme_id, locked_at__isnull=False).exists()
        with _dated(published):
            run = publish_run(run, actor=self.assessor_of(run.scheme))
        ScoringRun.objects.filter(pk=run.pk).update(published_at=published)
        if first:  # the first publication locks the scheme
            Scheme.objects.filter(pk=run.scheme_id).update(locked_at=published)
        run.published_at = published
        return run

    def score_year(self, year):
        self.runs = {}
        for (scheme_year, key), scheme in self.schemes.items():
            if scheme_year != year:
                continue
            for quarter in scheme.quarters():
                done = _after_quarter(year, quarter, 1)
                if quarter_range(year, quarter)[0] > REFERENCE_DATE:
                    continue
                computed = (_moment(_after_quarter(year, quarter, 10), 9) if done <= REFERENCE_DATE
                            else _moment(REFERENCE_DATE - datetime.timedelta(days=1), 18))
                run = self.score(scheme, quarter, computed)
                if done <= REFERENCE_DATE:
                    run = self.publish(run, _moment(_after_quarter(year, quarter, 12), 16))
                self.runs[key, quarter] = run
                self.counts["runs"] += 1

    def grade_first_year(self):
        """The first year graded: the rural action's filed (备案) in January, the community's
        submitted, the enterprise action's still a preview."""
        steps = {"rural": "file", "community": "submit", "enterprise": "preview"}
        for code, step in steps.items():
            scheme = self.schemes[FIRST_YEAR, code]
            computed = _moment(datetime.date(YEAR, 1, 15), 9)
            with _dated(computed):
                grading = grade_year(scheme)
            changes = {"computed_at": computed}
            if step in ("submit", "file"):
                submitted = _moment(datetime.date(YEAR, 1, 19), 11)
                with _dated(submitted):
                    grading = submit_grading(grading, actor=self.assessor_of(scheme))
                changes["submitted_at"] = submitted
            if step == "file":
                filed = _moment(datetime.date(YEAR, 1, 26), 15)
                with _dated(filed):
                    grading = file_grading(grading, actor=self.county_admin)
                changes["filed_at"] = filed
            Grading.objects.filter(pk=grading.pk).update(**changes)
            self.counts["graded"] += 1

    def build_results(self):
        """Use of the filed first-year results (004 六.4): 表现特别突出 nominated by the body for
        two 优秀 (one confirmed by 组织部), 优秀党员干部 nominations (one confirmed, one refused),
        a 先进党组织 nomination, and one reasoned exception for someone graded 差."""
        rng = self.rng
        grading = self.schemes[FIRST_YEAR, "rural"].grading
        grades = list(grading.grades.select_related("person__home_org").order_by("rank", "pk"))
        excellent = [g.person for g in grades if g.grade == "excellent"]
        good = [g.person for g in grades if g.grade == "good"]
        poor = [g for g in grades if g.grade == "poor"]
        admin, body = self.county_admin, self.body("rural")
        texts = demo_data.NOMINATIONS
        steps = []  # (nomination, day, decision: None / "confirm" / a refusal)
        for n, person in enumerate(excellent[:2]):
            day = datetime.date(YEAR, 2, 3 + n)
            with _dated(_moment(day)):
                steps.append((nominate(NominationKind.OUTSTANDING, person, year=FIRST_YEAR,
                                       reason=texts["outstanding"], actor=self.assessors["rural"],
                                       body=body), day, "confirm" if n == 0 else None))
        for n, person in enumerate(rng.sample(good, min(2, len(good)))):
            day = datetime.date(YEAR, 3, 2 + n)
            with _dated(_moment(day)):
                steps.append((nominate(NominationKind.EXCELLENT_MEMBER, person, year=FIRST_YEAR,
                                       reason=texts["member"], actor=admin), day,
                              "confirm" if n == 0 else texts["refused"]))
        village = self.orgs[next(a.org for a in self.plan.accounts
                                 if a.username == "village_secretary")]
        day = datetime.date(YEAR, 3, 6)
        with _dated(_moment(day)):
            steps.append((nominate(NominationKind.ADVANCED_ORG, village, year=FIRST_YEAR,
                                   reason=texts["org"], actor=admin), day, None))
        for nomination, day, decision in steps:
            changes = {"created_at": _moment(day)}
            if decision is not None:
                decided = _moment(day + datetime.timedelta(days=9), 16)
                with _dated(decided):
                    if decision == "confirm":
                        confirm_nomination(nomination, actor=admin)
                    else:
                        reject_nomination(nomination, actor=admin, decision=decision)
                changes["decided_at"] = decided
            Nomination.objects.filter(pk=nomination.pk).update(**changes)
        if poor:
            decided = _moment(datetime.date(YEAR, 3, 12), 15)
            with _dated(decided):
                override = override_eligibility(rng.choice(poor), actor=admin,
                                                reason=texts["override"])
            EligibilityOverride.objects.filter(pk=override.pk).update(decided_at=decided)
        self.counts["nominations"] = len(steps)

    def appellants(self):
        """Enrolled people of the reference year's rural scheme who can sign in, talents'
        accounts first (they are the ones who appeal in the demo)."""
        scheme = self.schemes[YEAR, "rural"]
        people = (Person.objects.filter(pk__in=self.members(scheme), user__isnull=False)
                  .select_related("user").order_by("user__username"))
        return sorted(people, key=lambda p: (not p.user.username.startswith("talent"),
                                             p.user.username))

    def build_appeals(self):
        """Three appeals of the rural action: accepted (the second quarter re-scored and
        published again), rejected and still open (third quarter)."""
        people = self.appellants()
        assessor = self.assessors["rural"]
        plan = (("accepted", 2, 3, 5), ("rejected", 3, 2, 5), ("open", 3, 3, None))
        for (state, quarter, filed_after, decided_after), person in zip(plan, people,
                                                                        strict=False):
            run = self.runs["rural", quarter]
            score = QuarterScore.objects.get(run=run, person=person)
            filed = run.published_at + datetime.timedelta(days=filed_after, hours=-6)
            with _dated(filed):
                appeal = file_appeal(score, actor=person.user,
                                     reason=demo_data.APPEALS[state], now=filed)
            changes = {"created_at": filed}
            if decided_after is not None:
                decided = run.published_at + datetime.timedelta(days=decided_after)
                decide = accept_appeal if state == "accepted" else reject_appeal
                with _dated(decided):
                    decide(appeal, actor=assessor, decision=demo_data.DECISIONS[state])
                changes["decided_at"] = decided
                if state == "accepted":
                    ScoringRun.objects.filter(pk=run.pk).update(computed_at=decided)
                    self.publish(ScoringRun.objects.get(pk=run.pk),
                                 decided + datetime.timedelta(days=1))
            Appeal.objects.filter(pk=appeal.pk).update(**changes)
            self.counts["appeals"] += 1

    def run(self) -> list[str]:
        self.build_assessors()
        self.build_actions()
        self.build_enrolments()
        self.build_schemes()
        self.build_evaluations()
        self.build_entries()
        portal_demo.refresh_statistics()
        self.score_year(FIRST_YEAR)
        self.grade_first_year()
        self.build_results()
        self.score_year(YEAR)
        self.build_appeals()
        c = self.counts
        graded = self.schemes[FIRST_YEAR, "rural"].grading
        poor = graded.grades.filter(grade="poor").count()
        return [f"考核：行动 {len(self.actions)}，报名 {c['enrolments']}（免参加 {c['exempt']}，"
                f"更换 {c['replaced']}），方案 {len(self.schemes)}，季度计分 {c['runs']}，"
                f"城市人才评价 {c['evaluations']}，考核录入 {c['entries']}，"
                f"{FIRST_YEAR}年等次已备案 N={graded.cohort_size}（差 {poor}），"
                f"申诉 {c['appeals']}，评先评优推荐 {c['nominations']}",
                f"另有考核单位演示账号 {'、'.join(self.new_accounts)}，密码同下"]


def seed_assessment_demo(context) -> list[str]:
    """Write the assessment demo data for the county in `context` (a portal.demo.DemoContext)."""
    return _Builder(context).run()


# --- Reset -------------------------------------------------------------------------------------

def _delete_all(model) -> int:
    """Empty a table in one statement (no per-row signals: the history is wiped as well)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
        return cursor.rowcount


def reset_assessment_demo() -> None:
    """Delete all assessment data, evidence uploaded through the app (the shared demo file
    stays) and the demo assessor accounts, so ledger's, pairing's and the portal's resets can
    delete what it points at."""
    for row in ScoreEntry.objects.exclude(evidence="").exclude(evidence=EVIDENCE_FILE):
        row.evidence.delete(save=False)
    Scheme.objects.filter(supersedes__isnull=False).update(supersedes=None)
    Enrolment.objects.filter(replaced_by__isnull=False).update(replaced_by=None)
    for model in (EligibilityOverride, Nomination, Appeal, AnnualGrade, Grading, ScoreItem,
                  QuarterScore, ScoringRun, ScoreEntry, TalentEvaluation, Indicator, Scheme,
                  Enrolment, Action,
                  AnnualGrade.history.model, Grading.history.model, Scheme.history.model,
                  Enrolment.history.model):
        _delete_all(model)
    user_model = get_user_model()
    names = [u for u in user_model.objects.filter(username__startswith="assessor_")
             .values_list("username", flat=True) if DEMO_ASSESSOR.match(u)]
    user_model.objects.filter(username__in=names, is_staff=False).delete()


portal_demo.register_extension(seed=seed_assessment_demo, reset=reset_assessment_demo)

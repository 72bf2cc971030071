"""The half-yearly 擂台赛 (issue 10 §5): create a round, save a judge's score sheet, compute the
ranked results, publish them.

Creating and publishing need alliance.manage on the competition's owner (the township, or the
county), checked before any state rule. A score sheet is saved only by a seated judge, and
never for an alliance the judge belongs to (a village secretary or unit contact of one of its
current member organizations): that is a PermissionDenied (403), like any other refusal of who
may act. Every action writes its audit row in its own transaction.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from alliances.models import (
    Alliance,
    Competition,
    CompetitionStatus,
    Criterion,
    Entrant,
    Judge,
    JudgeScore,
    Membership,
)
from alliances.scope import MEMBER_ROLES
from portal import audit
from portal.models import RoleAssignment
from portal.models.orgs import OrgKind
from portal.scope import ensure_still_visible, require

CAPABILITY = "alliance.manage"
OWNER_KINDS = (OrgKind.COUNTY, OrgKind.TOWNSHIP)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
MIN_ENTRANTS = 2
CONFLICT_MESSAGE = "您是该联盟成员组织的书记或联络员，应当回避，不能为该联盟评分。"


def _refused(field_name, message, code):
    return ValidationError({field_name: ValidationError(message, code=code)})


def _text(value):
    return (value or "").strip()


# ---------------------------------------------------------------- who belongs to an alliance

def member_role_paths(user_ids):
    """{user_id: [org path]} of the village-secretary / unit-contact roles of these users."""
    paths = defaultdict(list)
    for user_id, path in (RoleAssignment.objects.active()
                          .filter(user_id__in=user_ids, role__in=MEMBER_ROLES)
                          .values_list("user_id", "org__path")):
        paths[user_id].append(path)
    return paths


def conflicts(user_ids, alliance_ids):
    """{(user_id, alliance_id)} where the user holds a member role on a current member
    organization (or above it) of the alliance: two queries whatever the counts."""
    role_paths = member_role_paths(user_ids)
    if not role_paths:
        return set()
    member_paths = defaultdict(list)
    for alliance_id, path in (Membership.objects.current().filter(alliance_id__in=alliance_ids)
                              .values_list("alliance_id", "org__path")):
        member_paths[alliance_id].append(path)
    return {(user_id, alliance_id)
            for user_id, own in role_paths.items()
            for alliance_id, members in member_paths.items()
            if any(member.startswith(path) for path in own for member in members)}


def judge_belongs_to(user, alliance) -> bool:
    return bool(conflicts([user.pk], [alliance.pk]))


# ---------------------------------------------------------------- create

@transaction.atomic
def do_create_competition(*, actor, owner, title, year, half, held_on, criteria, alliances=(),
                          judges=()) -> Competition:
    """A round of the owner: `criteria` is [(name, weight %)] summing to 100; `alliances` open
    alliances under the owner (all of them when none are named); `judges` users."""
    require(actor, CAPABILITY, owner)
    if owner.kind not in OWNER_KINDS:
        raise _refused("owner", "擂台赛由乡镇或县组织。", "owner")
    title = _text(title)
    if not title:
        raise _refused("title", "请填写擂台赛名称。", "title")
    if half not in (1, 2):
        raise _refused("half", "请选择上半年或下半年。", "half")
    criteria = [(_text(name), Decimal(weight)) for name, weight in criteria]
    if not criteria:
        raise _refused("criteria", "请至少设置一个评分项。", "criteria")
    names = [name for name, _ in criteria]
    if not all(names) or len(set(names)) != len(names):
        raise _refused("criteria", "评分项名称不能为空，也不能重复。", "criteria")
    if any(not 0 < weight <= HUNDRED for _, weight in criteria):
        raise _refused("criteria", "每个评分项的权重应大于 0、不超过 100。", "weight")
    total_weight = sum(weight for _, weight in criteria)
    if total_weight != HUNDRED:
        raise _refused("criteria", f"评分项权重合计应为 100%，现为 {total_weight.normalize():f}%。",
                       "weight")
    eligible = Alliance.objects.open().filter(owner__path__startswith=owner.path)
    if alliances:
        ids = {alliance.pk for alliance in alliances}
        chosen = list(eligible.filter(pk__in=ids).order_by("name"))
        if len(chosen) != len(ids):
            raise _refused("alliances", f"参赛联盟须是{owner.name}的在册联盟。", "entrant")
    else:
        chosen = list(eligible.order_by("name"))
    if len(chosen) < MIN_ENTRANTS:
        raise _refused("alliances", "擂台赛至少需要两个参赛联盟。", "too_few")
    judges = list({user.pk: user for user in judges}.values())
    if not judges:
        raise _refused("judges", "请至少指定一名评委。", "judges")
    competition = Competition.objects.create(owner=owner, title=title, year=year, half=half,
                                             held_on=held_on, created_by=actor)
    Criterion.objects.bulk_create(
        Criterion(competition=competition, name=name, weight=weight, order=index)
        for index, (name, weight) in enumerate(criteria))
    Entrant.objects.bulk_create(Entrant(competition=competition, alliance=alliance)
                                for alliance in chosen)
    Judge.objects.bulk_create(Judge(competition=competition, user=user) for user in judges)
    ensure_still_visible(competition, actor, CAPABILITY)
    audit.record(audit.AuditAction.CREATE,
                 f"创建擂台赛：{owner.name} {title}（{len(chosen)}个联盟，{len(judges)}名评委）",
                 actor=actor, competition=competition.pk, owner=owner.pk)
    return competition


# ---------------------------------------------------------------- score sheet

def seat_of(competition, user):
    """The user's Judge row in the competition, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Judge.objects.filter(competition=competition, user=user).first()


@transaction.atomic
def do_save_score_sheet(entrant, *, actor, scores) -> list[JudgeScore]:
    """One judge's sheet for one entrant: `scores` maps each criterion id to 0–100; saving
    again replaces the judge's earlier sheet while the competition is open."""
    competition = entrant.competition
    seat = seat_of(competition, actor)
    if seat is None:
        raise PermissionDenied("您不是本场擂台赛的评委。")
    if judge_belongs_to(actor, entrant.alliance):
        raise PermissionDenied(CONFLICT_MESSAGE)
    locked = Competition.objects.select_for_update().get(pk=competition.pk)
    if locked.status != CompetitionStatus.OPEN:
        raise ValidationError("成绩已公布，评分不能再修改。", code="state")
    criteria = list(locked.criteria.order_by("order", "id"))
    errors = {}
    values = {}
    for criterion in criteria:
        value = scores.get(criterion.pk)
        if value is None:
            errors[f"c{criterion.pk}"] = ValidationError(f"请为“{criterion.name}”打分。",
                                                         code="missing")
            continue
        value = Decimal(value)
        if not 0 <= value <= HUNDRED:
            errors[f"c{criterion.pk}"] = ValidationError("得分应在 0 到 100 之间。",
                                                         code="score")
            continue
        values[criterion.pk] = value.quantize(TENTH, rounding=ROUND_HALF_UP)
    if errors:
        raise ValidationError(errors)
    saved = [JudgeScore.objects.update_or_create(
        judge=seat, entrant=entrant, criterion_id=criterion_id, defaults={"score": value})[0]
        for criterion_id, value in values.items()]
    audit.record(audit.AuditAction.UPDATE,
                 f"擂台赛评分：{locked.title} · {entrant.alliance.name}", actor=actor,
                 competition=locked.pk, entrant=entrant.pk,
                 scores={str(key): str(value) for key, value in values.items()})
    return saved


# ---------------------------------------------------------------- progress and results

@dataclass
class JudgeProgress:
    judge: Judge
    eligible: list = field(default_factory=list)  # entrants the judge scores
    recused: list = field(default_factory=list)  # entrants the judge belongs to
    missing: list = field(default_factory=list)  # eligible entrants without a full sheet

    @property
    def done(self):
        return len(self.eligible) - len(self.missing)


def progress(competition) -> list[JudgeProgress]:
    """Per seated judge: whom they score, whom they sit out, whose sheets are incomplete —
    five queries whatever the size of the round."""
    judges = list(competition.judges.select_related("user").order_by("user__username"))
    entrants = list(competition.entrants.select_related("alliance").order_by("alliance__name"))
    n_criteria = competition.criteria.count()
    recused = conflicts([judge.user_id for judge in judges],
                        [entrant.alliance_id for entrant in entrants])
    filled = {(row["judge"], row["entrant"]): row["n"] for row in (
        JudgeScore.objects.filter(judge__competition=competition)
        .values("judge", "entrant").annotate(n=Count("id")).order_by())}
    rows = []
    for judge in judges:
        row = JudgeProgress(judge)
        for entrant in entrants:
            if (judge.user_id, entrant.alliance_id) in recused:
                row.recused.append(entrant)
                continue
            row.eligible.append(entrant)
            if filled.get((judge.pk, entrant.pk), 0) < n_criteria:
                row.missing.append(entrant)
        rows.append(row)
    return rows


@dataclass
class EntrantResult:
    entrant: Entrant
    means: list  # per criterion, in order: Decimal (2 places) or None when nobody scored
    total: Decimal
    rank: int = 0

    @property
    def name(self):
        return self.entrant.alliance.name


@dataclass
class Results:
    criteria: list
    rows: list


def rank_rows(rows):
    """Sort by total, highest first; equal totals share a rank (1, 2, 2, 4)."""
    rows.sort(key=lambda row: (-row.total, row.name))
    for index, row in enumerate(rows):
        if index and row.total == rows[index - 1].total:
            row.rank = rows[index - 1].rank
        else:
            row.rank = index + 1
    return rows


def results(competition) -> Results:
    """Per entrant the weighted total Σ weight% × (mean of the judges' scores on the
    criterion), rounded to 0.01 and ranked: three queries whatever the size."""
    criteria = list(competition.criteria.order_by("order", "id"))
    entrants = list(competition.entrants.select_related("alliance"))
    sums = {(row["entrant"], row["criterion"]): (row["total"], row["n"]) for row in (
        JudgeScore.objects.filter(entrant__competition=competition)
        .values("entrant", "criterion").annotate(total=Sum("score"), n=Count("id"))
        .order_by())}
    rows = []
    for entrant in entrants:
        means, total = [], Decimal(0)
        for criterion in criteria:
            score_sum, count = sums.get((entrant.pk, criterion.pk), (None, 0))
            if not count:
                means.append(None)
                continue
            mean = Decimal(score_sum) / count
            total += criterion.weight * mean / HUNDRED
            means.append(mean.quantize(CENT, rounding=ROUND_HALF_UP))
        rows.append(EntrantResult(entrant, means, total.quantize(CENT, rounding=ROUND_HALF_UP)))
    return Results(criteria, rank_rows(rows))


# ---------------------------------------------------------------- publish

@transaction.atomic
def do_publish_competition(competition, *, actor) -> Competition:
    """公布成绩: refused while a seated judge has not scored every entrant they may score on
    every criterion (the message names them)."""
    require(actor, CAPABILITY, competition.owner)
    locked = Competition.objects.select_for_update().get(pk=competition.pk)
    if locked.status != CompetitionStatus.OPEN:
        raise ValidationError("成绩已经公布。", code="state")
    if not locked.entrants.exists() or not locked.judges.exists():
        raise ValidationError("没有参赛联盟或评委，无法公布。", code="empty")
    pending = [row for row in progress(locked) if row.missing]
    if pending:
        names = "；".join(
            f"{row.judge.user.get_full_name() or row.judge.user.username}"
            f"（{'、'.join(entrant.alliance.name for entrant in row.missing)}）"
            for row in pending)
        raise ValidationError(f"以下评委尚未完成评分：{names}。", code="incomplete")
    locked.status, locked.published_at = CompetitionStatus.PUBLISHED, timezone.now()
    locked.save(update_fields=["status", "published_at"])
    audit.record(audit.AuditAction.TRANSITION, f"公布擂台赛成绩：{locked.title}", actor=actor,
                 competition=locked.pk)
    return locked


def judged_competition_ids(user):
    """Ids of the competitions where the user sits as a judge (a subquery)."""
    return Judge.objects.filter(user_id=getattr(user, "pk", None)).values("competition_id")


def competitions_for(user):
    """The competitions the user sees: in the alliance scope, or where they judge."""
    if not getattr(user, "is_authenticated", False):
        return Competition.objects.none()
    return Competition.objects.filter(
        Q(pk__in=Competition.objects.visible_to(user).values("pk"))
        | Q(pk__in=judged_competition_ids(user)))


# ---------------------------------------------------------------- exports

def result_headers(table: Results):
    return ["排名", "参赛联盟", "打擂主题",
            *[f"{c.name}（{c.weight.normalize():f}%）" for c in table.criteria], "总分"]


def results_xlsx(competition, table: Results) -> bytes:
    """The ranked results as a sheet (numbers as numbers), fed by `results`."""
    from portal.spreadsheets import Column, new_workbook, sheet_caption, workbook_bytes, write_sheet

    headers = result_headers(table)
    columns = [Column(headers[0], 8), Column(headers[1], 28), Column(headers[2], 28),
               *[Column(header, 16, number_format="0.00") for header in headers[3:]]]
    workbook = new_workbook()
    write_sheet(workbook, "擂台赛成绩", columns, (
        [row.rank, row.name, row.entrant.topic,
         *[float(mean) if mean is not None else None for mean in row.means], float(row.total)]
        for row in table.rows), caption=sheet_caption(
            f"{competition.title}成绩", competition.owner.name,
            f"{competition.held_on:%Y-%m-%d} 举办"))
    return workbook_bytes(workbook)


def results_pdf(competition, table: Results, *, generated_at=None) -> bytes:
    """The ranked results on A4 with the embedded CJK font (portal/pdf.py)."""
    from portal.pdf import render_pdf

    n_criteria = len(table.criteria)
    score_width = max(14, min(24, 110 // max(n_criteria + 1, 1)))
    widths = [12, 267 - 12 - score_width * (n_criteria + 1), *[score_width] * (n_criteria + 1)]
    return render_pdf("pdf/alliance_competition.html", {
        "competition": competition, "table": table, "widths": widths,
        "headers": ["排名", "参赛联盟", *result_headers(table)[3:]],
        "generated_at": generated_at or timezone.localtime(),
    })

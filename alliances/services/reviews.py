"""年底述职相互评 (003 二.3): at year end each member organization reports (述职) and scores
every other member (相互评, 0–100); closing the review ranks the members by their peer average
and gives the alliance its 年度考评 score, the mean of the members' averages.

- The owner's managers (alliance.manage) open the year's review (one per alliance and year)
  and close it.
- A member's 述职 and its score sheet are written by that member's secretary or contact
  (alliances.membership.member_orgs_of) while the review is open; both may be edited until it
  closes, and nothing changes after.
- A member never scores itself; one score per pair (the sheet replaces the member's earlier one).
- Closing counts the scores between current members; it needs at least two members scored.
  The result rule (averages half up, ranks shared on ties 1, 2, 2, 4, the alliance's score) is
  alliances.peer_review's.

Permission first (403), then state (ValidationError with a code); one transaction with its
audit row; the review row is locked so a sheet saved while the review closes queues behind it.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils import timezone

from alliances.membership import member_orgs_of
from alliances.models import AnnualReview, MemberReport, PeerScore, ReviewStatus
from alliances.peer_review import results_from_totals
from alliances.services.meetings import current_members
from portal import audit
from portal.models import Person
from portal.scope import require

MANAGE = "alliance.manage"
YEAR_MIN = 2000
CONTENT_MAX = 5000
COMMENT_MAX = 300
SUMMARY_MAX = 1000
MIN_SCORED = 2
CLOSED_MESSAGE = "本年度述职互评已完成，不能再修改。"


def _refused(field_name, message, code):
    return ValidationError({field_name: ValidationError(message, code=code)})


def _locked(review):
    return (AnnualReview.objects.select_for_update(of=("self",))
            .select_related("alliance__owner").get(pk=review.pk))


def _require_open(review):
    if review.status != ReviewStatus.OPEN:
        raise ValidationError(CLOSED_MESSAGE, code="closed")


def _require_member_actor(actor, review, member):
    """The actor acts for `member`, a current member of the review's alliance."""
    if member is None or not member_orgs_of(actor, review.alliance).filter(
            pk=member.pk).exists():
        raise PermissionDenied("只有本联盟成员组织的书记或联络员可以为本组织述职和评分。")


# ---------------------------------------------------------------- open

@transaction.atomic
def open_review(alliance, *, actor, year):
    """发起年度述职互评: one per alliance and year, for a year the alliance existed in."""
    require(actor, MANAGE, alliance.owner)
    this_year = timezone.localdate().year
    if not isinstance(year, int) or not YEAR_MIN <= year <= this_year:
        raise _refused("year", f"年度应在 {YEAR_MIN} 到 {this_year} 之间。", "year")
    if year < alliance.founded.year:
        raise _refused("year", f"联盟成立于{alliance.founded.year}年，不能发起更早年度的述职互评。",
                       "before_founded")
    if alliance.closed_at is not None and year > alliance.closed_at.year:
        raise _refused("year", f"联盟已于{alliance.closed_at.year}年结束，"
                               "不能发起之后年度的述职互评。", "closed")
    if AnnualReview.objects.filter(alliance=alliance, year=year).exists():
        raise _refused("year", f"{alliance.name}已发起{year}年度述职互评。", "duplicate")
    try:
        with transaction.atomic():
            review = AnnualReview.objects.create(alliance=alliance, year=year, opened_by=actor)
    except IntegrityError as exc:  # a concurrent request opened it first
        raise _refused("year", f"{alliance.name}已发起{year}年度述职互评。", "duplicate") from exc
    audit.record(audit.AuditAction.CREATE, f"发起年度述职互评：{alliance.name} {year}年度",
                 actor=actor, alliance=alliance.pk, review=review.pk, year=year)
    return review


# ---------------------------------------------------------------- 述职

@transaction.atomic
def submit_report(review, member, *, actor, content, reporter=None):
    """A member's 述职, submitted or edited by its secretary or contact while open."""
    _require_member_actor(actor, review, member)
    locked = _locked(review)
    _require_open(locked)
    content = (content or "").strip()
    errors = {}
    if not content:
        errors["content"] = ValidationError("请填写述职内容。", code="required")
    elif len(content) > CONTENT_MAX:
        errors["content"] = ValidationError(f"述职内容不超过 {CONTENT_MAX} 字。", code="length")
    if reporter is not None and not Person.objects.filter(
            pk=reporter.pk, home_org__path__startswith=member.path).exists():
        errors["reporter"] = ValidationError(f"述职人应为“{member.name}”的人员。",
                                             code="reporter")
    if errors:
        raise ValidationError(errors)
    report, created = MemberReport.objects.update_or_create(
        review=locked, member=member,
        defaults={"content": content, "reporter": reporter, "submitted_by": actor})
    audit.record(audit.AuditAction.CREATE if created else audit.AuditAction.UPDATE,
                 f"{'提交' if created else '修改'}述职：{member.name} · {locked}", actor=actor,
                 alliance=locked.alliance_id, review=locked.pk, report=report.pk,
                 member=member.pk)
    return report


# ---------------------------------------------------------------- 相互评

def ratees_of(review, rater):
    """The members `rater` scores: every other current member, by path."""
    return current_members(review.alliance).exclude(pk=rater.pk)


@transaction.atomic
def save_peer_scores(review, rater, *, actor, scores, comments=None):
    """One member's sheet: `scores` maps every other current member's id to 0–100 (comments
    optional); saving again replaces the member's earlier scores while the review is open."""
    _require_member_actor(actor, review, rater)
    locked = _locked(review)
    _require_open(locked)
    comments = comments or {}
    ratees = list(ratees_of(locked, rater).only("id", "name", "path"))
    if not ratees:
        raise ValidationError("本联盟没有其他成员组织可评。", code="empty")
    errors, values = {}, {}
    unknown = set(scores) - {org.pk for org in ratees}
    if rater.pk in unknown:
        raise ValidationError("不能为本组织评分。", code="self")
    if unknown:
        raise ValidationError("所评组织不是本联盟的现有成员。", code="ratee")
    for org in ratees:
        value = scores.get(org.pk)
        comment = (comments.get(org.pk) or "").strip()
        if value is None:
            errors[f"s{org.pk}"] = ValidationError(f"请为“{org.name}”评分。", code="missing")
        elif isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
            errors[f"s{org.pk}"] = ValidationError("得分应为 0 到 100 的整数。", code="score")
        elif len(comment) > COMMENT_MAX:
            errors[f"c{org.pk}"] = ValidationError(f"评语不超过 {COMMENT_MAX} 字。",
                                                   code="length")
        else:
            values[org.pk] = (value, comment)
    if errors:
        raise ValidationError(errors)
    saved = [PeerScore.objects.update_or_create(
        review=locked, rater=rater, ratee_id=ratee_id,
        defaults={"score": value, "comment": comment, "scored_by": actor})[0]
        for ratee_id, (value, comment) in values.items()]
    audit.record(audit.AuditAction.UPDATE, f"相互评分：{rater.name} · {locked}", actor=actor,
                 alliance=locked.alliance_id, review=locked.pk, rater=rater.pk,
                 scores={str(key): value for key, (value, _) in values.items()})
    return saved


# ---------------------------------------------------------------- results and close

@dataclass
class MemberResult:
    member: object  # Organization
    average: Decimal | None  # of the scores received, 2 places; None when nobody scored it
    raters: int
    rank: int | None = None
    report: object = None  # MemberReport or None


@dataclass
class Standing:
    rows: list = field(default_factory=list)  # MemberResult, ranked first, unscored last
    score: Decimal | None = None  # the alliance's 年度考评: mean of the members' averages

    @property
    def scored(self):
        return sum(1 for row in self.rows if row.average is not None)


def standing(review):
    """Each current member's peer average (scores between current members), ranked, and the
    alliance's score by the review rule — three queries whatever the size."""
    members = list(current_members(review.alliance).only("id", "name", "path", "kind"))
    ids = [org.pk for org in members]
    # Self scores cannot exist (constraint no_self_peer_score): these are between two members.
    totals = {ratee: (total, n) for ratee, total, n in (
        PeerScore.objects.filter(review=review, ratee__in=ids, rater__in=ids)
        .values_list("ratee").annotate(total=Sum("score"), n=Count("id")).order_by())}
    reports = {report.member_id: report for report in
               MemberReport.objects.filter(review=review, member__in=ids)}
    result = results_from_totals(totals, ids)
    rows = [MemberResult(org, result.averages[org.pk], result.raters[org.pk],
                         result.ranks[org.pk], reports.get(org.pk)) for org in members]
    # Ranked first (ties in path order), the unscored after them by path.
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.member.path))
    return Standing(rows, result.score)


@transaction.atomic
def close_review(review, *, actor, summary=""):
    """完成考评: store each member's average and rank and the alliance's 年度考评 score."""
    require(actor, MANAGE, review.alliance.owner)
    locked = _locked(review)
    _require_open(locked)
    summary = (summary or "").strip()
    if len(summary) > SUMMARY_MAX:
        raise _refused("summary", f"考评意见不超过 {SUMMARY_MAX} 字。", "length")
    table = standing(locked)
    if table.scored < MIN_SCORED:
        raise ValidationError(
            f"目前只有 {table.scored} 个成员组织获得互评分，至少 {MIN_SCORED} 个成员组织"
            "获得互评分后才能完成考评。", code="too_few")
    for row in table.rows:
        if row.report is None and row.average is None:
            continue  # neither reported nor scored: nothing to store
        report = row.report or MemberReport(review=locked, member=row.member, content="")
        report.peer_average, report.rank = row.average, row.rank
        if report.pk is None:
            report.save()
        else:
            MemberReport.objects.filter(pk=report.pk).update(peer_average=row.average,
                                                             rank=row.rank)
    locked.status = ReviewStatus.CLOSED
    locked.score = table.score
    locked.summary = summary
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "score", "summary", "closed_at"])
    audit.record(audit.AuditAction.TRANSITION,
                 f"完成年度考评：{locked}，得分 {table.score}", actor=actor,
                 alliance=locked.alliance_id, review=locked.pk, score=str(table.score),
                 ranks={str(row.member.pk): row.rank for row in table.rows})
    return locked


def results(review):
    """The stored results of a closed review: its reports ranked (unscored last)."""
    reports = list(review.reports.select_related("member", "reporter"))
    reports.sort(key=lambda report: (report.rank is None, report.rank or 0, report.member.path))
    return reports

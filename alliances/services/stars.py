"""Dynamic stars (动态评星, issue 10 §4) and demonstration sites (示范点).

- `rate_from_score`: what the assessment scoring calls for an alliance scheme (actor None for
  the system): stars from the score by the configured thresholds, written only when the
  quarter's stars or score changed.
- `set_stars`: county staff (alliance.manage on the alliance's owner) set a quarter's stars
  with a reason, where no scheme scores the alliance.
- `designate_demonstration` / `revoke_demonstration`: the county only (alliance.manage on the
  county organization), after a run of four or five stars.

A re-rating is a new StarRating row (the latest of a quarter counts), so the history keeps
every change with its reason. Permission first (403), then state (ValidationError + code), one
transaction with its audit row; the alliance row is locked so two ratings queue.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from alliances import hooks
from alliances import stars as rules
from alliances.models import Alliance, StarRating, StarSource
from portal import audit
from portal.models import Organization
from portal.scope import require

MANAGE = "alliance.manage"
YEAR_MIN, YEAR_MAX = 2000, 2100
REASON_MAX = 300


def _refused(field, message, code):
    return ValidationError({field: ValidationError(message, code=code)})


def _check_quarter(year, quarter):
    if not (isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX):
        raise _refused("year", f"年度应在 {YEAR_MIN} 到 {YEAR_MAX} 之间。", "year")
    if quarter not in (1, 2, 3, 4):
        raise _refused("quarter", "季度应为 1 到 4。", "quarter")
    if rules.quarter_index(year, quarter) > rules.quarter_index(*rules.quarter_of(
            timezone.localdate())):
        raise _refused("quarter", "不能评定尚未开始的季度。", "future")


def _reason(reason):
    reason = (reason or "").strip()
    if not reason:
        raise _refused("reason", "请填写评定理由。", "reason")
    if len(reason) > REASON_MAX:
        raise _refused("reason", f"理由不超过 {REASON_MAX} 字。", "reason")
    return reason


def _locked(alliance):
    return Alliance.objects.select_for_update(of=("self",)).select_related("owner").get(
        pk=alliance.pk)


def _latest(alliance_id, year, quarter):
    return (StarRating.objects.filter(alliance_id=alliance_id, year=year, quarter=quarter)
            .order_by("-rated_at", "-id").first())


def stars_text(stars):
    return "★" * stars


def _score_reason(score, stars, minimum, thresholds):
    if minimum is not None:
        return f"考核得分 {score} 分，达到 {minimum} 分（{stars}星）标准。"
    lowest = min(thresholds, key=lambda band: band[0])[0] if thresholds else None
    if lowest is None:
        return f"考核得分 {score} 分，未设评星标准，评为1星。"
    return f"考核得分 {score} 分，低于 {lowest} 分（2星）标准，评为1星。"


@transaction.atomic
def rate_from_score(alliance, year, quarter, score, *, actor=None):
    """The quarter's stars from the alliance's score; the new StarRating, or None when the
    quarter already holds these stars from this score (re-running the scoring writes nothing).
    A person calling it needs alliance.manage on the owner; the system (actor None) does not."""
    if actor is not None:
        require(actor, MANAGE, alliance.owner)
    _check_quarter(year, quarter)
    try:
        score = rules.to_decimal(score).quantize(Decimal("0.01"))
    except (ValueError, ArithmeticError) as exc:
        raise _refused("score", "得分无效。", "score") from exc
    thresholds = rules.configured_thresholds()
    stars, minimum = rules.band_for(score, thresholds)
    locked = _locked(alliance)
    latest = _latest(locked.pk, year, quarter)
    if latest is not None and latest.stars == stars and latest.score == score:
        return None
    rating = StarRating.objects.create(
        alliance=locked, year=year, quarter=quarter, stars=stars, score=score,
        source=StarSource.SCORE, reason=_score_reason(score, stars, minimum, thresholds),
        rated_by=actor if getattr(actor, "pk", None) else None)
    before = f"（原{latest.stars}星）" if latest is not None else ""
    system = {"username": "system"} if actor is None else {}
    audit.record(audit.AuditAction.UPDATE,
                 f"按考核得分评星：{locked.name} {year}年第{quarter}季度 {stars}星{before}",
                 actor=actor, alliance=locked.pk, star_rating=rating.pk, score=str(score),
                 stars=stars, **system)
    return rating


@transaction.atomic
def set_stars(alliance, year, quarter, stars, *, actor, reason):
    """County staff set a quarter's stars by hand, with the reason (人工评定) — unless an
    assessment scheme scores the alliance that year: its published quarters rate it."""
    require(actor, MANAGE, alliance.owner)
    _check_quarter(year, quarter)
    scheme = hooks.star_scheme_for(alliance, year)
    if scheme:
        raise _refused("stars", f"{year}年的星级由考核方案“{scheme}”按季度得分评定，"
                                "发布季度排位后自动生成，不能人工设定。", "scored")
    if isinstance(stars, bool) or stars not in range(rules.FLOOR_STARS, rules.MAX_STARS + 1):
        raise _refused("stars", "星级应为 1 到 5 星。", "stars")
    reason = _reason(reason)
    locked = _locked(alliance)
    latest = _latest(locked.pk, year, quarter)
    if latest is not None and latest.stars == stars:
        raise _refused("stars", f"该联盟{year}年第{quarter}季度已是{stars}星。", "unchanged")
    rating = StarRating.objects.create(alliance=locked, year=year, quarter=quarter, stars=stars,
                                       source=StarSource.MANUAL, reason=reason, rated_by=actor)
    before = f"（原{latest.stars}星）" if latest is not None else ""
    audit.record(audit.AuditAction.UPDATE,
                 f"人工评星：{locked.name} {year}年第{quarter}季度 {stars}星{before}：{reason}",
                 actor=actor, alliance=locked.pk, star_rating=rating.pk, stars=stars)
    return rating


def latest_ratings(year, quarter):
    """The ratings that count for the quarter: the latest row per alliance (one query, with a
    correlated subquery on the star_quarter index)."""
    newest = (StarRating.objects.filter(alliance=OuterRef("alliance"), year=year,
                                        quarter=quarter)
              .order_by("-rated_at", "-id").values("pk")[:1])
    return StarRating.objects.filter(year=year, quarter=quarter, pk=Subquery(newest))


def current_stars(alliances, year, quarter):
    """{alliance id: the StarRating that counts} for the quarter, in one query; `alliances` is
    a queryset, or a list of alliances or ids."""
    if not hasattr(alliances, "values"):
        alliances = [getattr(a, "pk", a) for a in alliances]
    return {rating.alliance_id: rating
            for rating in latest_ratings(year, quarter).filter(alliance__in=alliances)}


def star_history(alliance):
    """Every rating of the alliance, newest quarter first and, within a quarter, newest change
    first, with who rated it."""
    return (StarRating.objects.filter(alliance=alliance).select_related("rated_by")
            .order_by("-year", "-quarter", "-rated_at", "-id"))


def county_of(alliance):
    """The county organization above the alliance's owner (the owner itself for the county)."""
    owner = alliance.owner
    return Organization.objects.get(path=owner.path[:owner.steplen])


def demonstration_rule():
    quarters = rules.demonstration_quarters()
    return (f"连续 {quarters} 个季度（截至最近一次评星的季度）评为"
            f"{rules.DEMONSTRATION_MIN_STARS}星及以上的联盟，方可命名为示范点。")


def demonstration_eligible(alliance) -> bool:
    """Whether the alliance held four stars or more for the configured run of consecutive
    quarters up to its latest rated quarter (one query)."""
    quarters = rules.demonstration_quarters()
    rows = (StarRating.objects.filter(alliance=alliance)
            .order_by("-year", "-quarter", "-rated_at", "-id")
            .values_list("year", "quarter", "stars"))
    counted = {}
    for year, quarter, stars in rows:
        counted.setdefault((year, quarter), stars)
        if len(counted) > quarters:
            break
    if not counted:
        return False
    latest = max(counted, key=lambda key: rules.quarter_index(*key))
    return rules.holds_run(counted, latest, quarters)


def _require_county(actor, alliance):
    require(actor, MANAGE, county_of(alliance))


@transaction.atomic
def designate_demonstration(alliance, *, actor, reason):
    """命名示范点 (county only), for an open alliance with a run of high stars."""
    _require_county(actor, alliance)
    reason = _reason(reason)
    locked = _locked(alliance)
    if locked.is_demonstration:
        raise ValidationError("该联盟已是示范点。", code="state")
    if not locked.is_open:
        raise ValidationError("已结束的联盟不能命名为示范点。", code="closed")
    if not demonstration_eligible(locked):
        raise ValidationError(f"不符合示范点条件：{demonstration_rule()}", code="rule")
    locked.is_demonstration = True
    locked._change_reason = f"命名示范点：{reason}"
    locked.save(update_fields=["is_demonstration"])
    audit.record(audit.AuditAction.TRANSITION, f"命名党建联盟示范点：{locked.name}：{reason}",
                 actor=actor, alliance=locked.pk)
    return locked


@transaction.atomic
def revoke_demonstration(alliance, *, actor, reason):
    """撤销示范点 (county only), with the reason."""
    _require_county(actor, alliance)
    reason = _reason(reason)
    locked = _locked(alliance)
    if not locked.is_demonstration:
        raise ValidationError("该联盟不是示范点。", code="state")
    locked.is_demonstration = False
    locked._change_reason = f"撤销示范点：{reason}"
    locked.save(update_fields=["is_demonstration"])
    audit.record(audit.AuditAction.TRANSITION, f"撤销党建联盟示范点：{locked.name}：{reason}",
                 actor=actor, alliance=locked.pk)
    return locked

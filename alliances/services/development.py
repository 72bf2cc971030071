"""党员发展指标 (003 二.6): the alliance holds part of the county's member-development quota;
member organizations recommend activists (入党积极分子), the home branch trains them, the
alliance grants a quota place and the branch admits them (吸收入党).

    recommended ──start_training──▶ training ──grant_quota──▶ quota_granted ──admit──▶ admitted
         └──────────────┴─────────────── withdraw (with the reason) ───────┘──▶ withdrawn

Who:
- the yearly quota: the county (alliance.manage on the county organization, the tree's root);
- recommending: a member organization's secretary or contact, for a person of an organization
  they act for, or the alliance's managers (alliance.manage on the owner), for any person of a
  current member;
- training, admitting and withdrawing: the home branch's secretary or contact, or a manager;
- granting a place: a manager only.

Granting locks the year's DevelopmentQuota row (select_for_update) and counts the places held
under that lock, so two grants can never both take the last place. A granted candidate counts
against the quota of the grant's year (its `year` becomes that year). Every step is audited and
kept in the candidate's history with its reason.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from alliances.membership import is_member_of, member_orgs_of
from alliances.models import (
    QUOTA_HOLDING,
    Alliance,
    CandidateStage,
    DevelopmentCandidate,
    DevelopmentQuota,
)
from alliances.services.people import MANAGE, acts_for, is_alliance_person, manages, refused
from alliances.services.stars import county_of
from portal import audit
from portal.scope import has_capability, require

YEAR_MIN, YEAR_MAX = 2000, 2100
PLACES_MAX = 999
REASON_MAX = 1000
NOTE_MAX = 300
LIVE = (CandidateStage.RECOMMENDED, CandidateStage.TRAINING, CandidateStage.QUOTA_GRANTED)
BEFORE_QUOTA = (CandidateStage.RECOMMENDED, CandidateStage.TRAINING)


def _check_year(year):
    if not (isinstance(year, int) and YEAR_MIN <= year <= YEAR_MAX):
        raise refused(f"年度应在 {YEAR_MIN} 到 {YEAR_MAX} 之间。", "year", "year")


def _check_date(day, field, label, *, not_before=None, before_label=""):
    if day > timezone.localdate():
        raise refused(f"{label}不能晚于今天。", "future", field)
    if not_before is not None and day < not_before:
        raise refused(f"{label}不能早于{before_label}。", "date", field)


def _text(value, field, label, limit):
    value = (value or "").strip()
    if not value:
        raise refused(f"请填写{label}。", field, field)
    if len(value) > limit:
        raise refused(f"{label}不超过 {limit} 字。", field, field)
    return value


def places_used(alliance, year):
    """Places of `year` held by granted or admitted candidates."""
    return DevelopmentCandidate.objects.filter(alliance=alliance, year=year,
                                               stage__in=QUOTA_HOLDING).count()


# Who may do what (the views ask these before any form is read: permission before state) -----

def may_set_quota(user, alliance) -> bool:
    return has_capability(user, MANAGE, county_of(alliance))


def may_recommend(user, alliance) -> bool:
    return manages(user, alliance) or is_member_of(user, alliance)


def may_act_for_branch(user, candidate) -> bool:
    """Training, admitting, withdrawing: the home branch's people or a manager."""
    return manages(user, candidate.alliance) or acts_for(user, candidate.branch)


def may_grant(user, candidate) -> bool:
    return manages(user, candidate.alliance)


def _require(allowed):
    if not allowed:
        raise PermissionDenied("您没有执行此操作的权限。")


# The quota -----------------------------------------------------------------------------------

@transaction.atomic
def set_quota(alliance, *, actor, year, places, note=""):
    """The county sets (or changes) the alliance's places for the year; never below the
    places already granted."""
    require(actor, MANAGE, county_of(alliance))
    _check_year(year)
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= PLACES_MAX:
        raise refused(f"指标数应在 0 到 {PLACES_MAX} 之间。", "places", "places")
    note = (note or "").strip()[:200]
    quota = (DevelopmentQuota.objects.select_for_update()
             .filter(alliance=alliance, year=year).first())
    used = places_used(alliance, year)
    if places < used:
        raise refused(f"{year}年已给予 {used} 名指标，指标数不能少于 {used}。", "below_used",
                      "places")
    before = quota.places if quota is not None else None
    if quota is None:
        quota = DevelopmentQuota(alliance=alliance, year=year)
    if before == places and quota.note == note:
        raise refused(f"{year}年指标已是 {places} 名。", "unchanged", "places")
    quota.places, quota.note, quota.set_by = places, note, actor
    quota._change_reason = note or "设定党员发展指标"
    quota.save()
    was = f"（原{before}名）" if before is not None else ""
    audit.record(audit.AuditAction.UPDATE,
                 f"设定党员发展指标：{alliance.name} {year}年 {places}名{was}",
                 actor=actor, alliance=alliance.pk, quota=quota.pk, year=year, places=places)
    return quota


# The candidate's steps ---------------------------------------------------------------------

def _locked_candidate(candidate):
    return (DevelopmentCandidate.objects.select_for_update(of=("self",))
            .select_related("alliance__owner", "person", "branch").get(pk=candidate.pk))


def _save(candidate, fields, reason):
    candidate._change_reason = reason[:100]
    candidate.save(update_fields=fields)


@transaction.atomic
def recommend_candidate(alliance, *, actor, person, reason, recommended_on=None):
    """A member organization recommends an activist of its own (推荐入党积极分子人选)."""
    _require(may_recommend(actor, alliance))
    locked = Alliance.objects.select_for_update(of=("self",)).get(pk=alliance.pk)
    if not locked.is_open:
        raise refused("该联盟已结束，不能再推荐。", "closed")
    reason = _text(reason, "reason", "推荐理由", REASON_MAX)
    recommended_on = recommended_on or timezone.localdate()
    _check_date(recommended_on, "recommended_on", "推荐日期")
    if not is_alliance_person(locked, person):
        raise refused("只能推荐本联盟现有成员组织的在册人员。", "not_member", "person")
    if not manages(actor, locked) and not member_orgs_of(actor, locked).filter(
            pk=person.home_org_id).exists():
        raise refused("成员组织只能推荐本组织的人员。", "not_own", "person")
    if person.is_party_member:
        raise refused(f"{person.name}已是党员，不能作为入党积极分子人选。", "party_member",
                      "person")
    if DevelopmentCandidate.objects.filter(alliance=locked, person=person).exclude(
            stage=CandidateStage.WITHDRAWN).exists():
        raise refused(f"{person.name}已是本联盟的推荐人选。", "duplicate", "person")
    candidate = DevelopmentCandidate(
        alliance=locked, person=person, branch_id=person.home_org_id,
        recommended_by_id=person.home_org_id, year=recommended_on.year, reason=reason,
        recommended_on=recommended_on, created_by=actor)
    candidate._change_reason = "推荐"
    candidate.save()
    audit.record(audit.AuditAction.CREATE,
                 f"推荐入党积极分子：{locked.name} {person.name}（{person.home_org.name}）",
                 actor=actor, alliance=locked.pk, candidate=candidate.pk)
    return candidate


def _check_stage(candidate, allowed, message):
    if candidate.stage not in allowed:
        raise refused(message, "state")


@transaction.atomic
def start_training(candidate, *, actor, training_since):
    """所属党组织开始培养 (培养中)."""
    _require(may_act_for_branch(actor, candidate))
    locked = _locked_candidate(candidate)
    _check_stage(locked, (CandidateStage.RECOMMENDED,), "只有已推荐的人选可以开始培养。")
    _check_date(training_since, "training_since", "开始培养日期",
                not_before=locked.recommended_on, before_label="推荐日期")
    locked.stage, locked.training_since = CandidateStage.TRAINING, training_since
    _save(locked, ["stage", "training_since"], "开始培养")
    audit.record(audit.AuditAction.TRANSITION,
                 f"开始培养入党积极分子：{locked.alliance.name} {locked.person.name}"
                 f"（{locked.branch.name}）", actor=actor, alliance=locked.alliance_id,
                 candidate=locked.pk)
    return locked


@transaction.atomic
def grant_quota(candidate, *, actor, granted_on):
    """给予发展指标: one of the year's places, refused when they are used up. The quota row is
    locked before counting, so concurrent grants of the last place queue and the second sees
    it taken."""
    _require(may_grant(actor, candidate))
    locked = _locked_candidate(candidate)
    _check_stage(locked, (CandidateStage.TRAINING,), "只有培养中的人选可以给予指标。")
    _check_date(granted_on, "granted_on", "给予指标日期",
                not_before=locked.training_since, before_label="开始培养日期")
    year = granted_on.year
    quota = (DevelopmentQuota.objects.select_for_update()
             .filter(alliance_id=locked.alliance_id, year=year).first())
    if quota is None:
        raise refused(f"县委组织部尚未给本联盟下达{year}年党员发展指标。", "no_quota")
    used = places_used(locked.alliance, year)
    if used >= quota.places:
        raise refused(f"本联盟{year}年党员发展指标已用完（共 {quota.places} 名，"
                      f"已给予 {used} 名）。", "quota_used")
    locked.stage, locked.quota_granted_on, locked.year = (CandidateStage.QUOTA_GRANTED,
                                                          granted_on, year)
    _save(locked, ["stage", "quota_granted_on", "year"], f"给予{year}年发展指标")
    audit.record(audit.AuditAction.TRANSITION,
                 f"给予党员发展指标：{locked.alliance.name} {locked.person.name} {year}年"
                 f"（第 {used + 1}/{quota.places} 名）", actor=actor,
                 alliance=locked.alliance_id, candidate=locked.pk, quota=quota.pk)
    return locked


@transaction.atomic
def admit_candidate(candidate, *, actor, admitted_on):
    """吸收入党 by the home branch, after a quota place was granted: the person becomes a party
    member (Person.is_party_member, with its history row) in the same transaction.

    Not through portal.services.do_save_person: that asks person.change on the home org, which
    the alliance's township managers lack for a member outside the township (a city
    organization), and it validates and saves every field; the admission's rights decide here
    and only the flag is written."""
    _require(may_act_for_branch(actor, candidate))
    locked = _locked_candidate(candidate)
    _check_stage(locked, (CandidateStage.QUOTA_GRANTED,), "只有已给予指标的人选可以吸收入党。")
    _check_date(admitted_on, "admitted_on", "吸收日期", not_before=locked.quota_granted_on,
                before_label="给予指标日期")
    locked.stage, locked.admitted_on = CandidateStage.ADMITTED, admitted_on
    _save(locked, ["stage", "admitted_on"], "吸收入党")
    person = locked.person
    became_member = not person.is_party_member
    if became_member:
        person.is_party_member = True
        person._change_reason = f"吸收入党（{locked.alliance.name}）"[:100]
        person._history_user = actor
        person.save(update_fields=["is_party_member"])
    audit.record(audit.AuditAction.TRANSITION,
                 f"吸收入党：{locked.alliance.name} {person.name}（{locked.branch.name}）"
                 + ("，登记为党员" if became_member else ""),
                 actor=actor, alliance=locked.alliance_id, candidate=locked.pk,
                 person=person.pk, is_party_member=True)
    return locked


@transaction.atomic
def withdraw_candidate(candidate, *, actor, reason):
    """退出 at any stage before admission, with the reason; a granted place is freed."""
    _require(may_act_for_branch(actor, candidate))
    reason = _text(reason, "reason", "退出原因", NOTE_MAX - len("退出原因："))
    locked = _locked_candidate(candidate)
    _check_stage(locked, LIVE, "已吸收入党或已退出的人选不能退出。")
    freed = locked.stage == CandidateStage.QUOTA_GRANTED
    locked.stage, locked.note = CandidateStage.WITHDRAWN, f"退出原因：{reason}"
    _save(locked, ["stage", "note"], f"退出：{reason}")
    audit.record(audit.AuditAction.TRANSITION,
                 f"入党积极分子退出：{locked.alliance.name} {locked.person.name}：{reason}"
                 + ("（释放指标）" if freed else ""), actor=actor,
                 alliance=locked.alliance_id, candidate=locked.pk)
    return locked


# Reading ------------------------------------------------------------------------------------

def candidates_for_year(alliance, year):
    """The year's candidates and the earlier ones still before a quota place (carried over)."""
    return (DevelopmentCandidate.objects.filter(alliance=alliance)
            .filter(Q(year=year) | Q(year__lt=year, stage__in=BEFORE_QUOTA))
            .select_related("person", "branch"))


def quota_summary(alliance, year):
    """{places, used, left, quota} of the year (two queries)."""
    quota = DevelopmentQuota.objects.filter(alliance=alliance, year=year).first()
    used = places_used(alliance, year)
    places = quota.places if quota else 0
    return {"quota": quota, "places": places, "used": used, "left": max(places - used, 0)}


def quota_overview(alliances, year):
    """{"places", "used", "waiting"}: each {alliance id: number} for the alliances of a
    queryset (three grouped queries)."""
    places = dict(DevelopmentQuota.objects.filter(alliance__in=alliances, year=year)
                  .values_list("alliance_id", "places"))
    used = dict(DevelopmentCandidate.objects.filter(alliance__in=alliances, year=year,
                                                    stage__in=QUOTA_HOLDING)
                .values_list("alliance_id").annotate(n=Count("pk")).order_by())
    live = dict(DevelopmentCandidate.objects.filter(alliance__in=alliances,
                                                    stage__in=BEFORE_QUOTA)
                .values_list("alliance_id").annotate(n=Count("pk")).order_by())
    return {"places": places, "used": used, "waiting": live}

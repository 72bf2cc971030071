"""The needs board: villages publish, talents and units claim online, report, get confirmed.

A claim: claimed → done → confirmed (or sent back to claimed); it can be withdrawn before it
is done. A need: published → completed when every place is confirmed (in the transaction that
confirms the last one), or published → closed by its village. Places are taken with one
conditional UPDATE, so two people racing for the last place cannot both win, on SQLite and
PostgreSQL alike.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from pairing.models import PLACE_HOLDING, Claim, ClaimEvent, ClaimStatus, Need, NeedStatus
from portal import audit
from portal.scope import require


def _record(claim, actor, verb):
    audit.record(audit.AuditAction.TRANSITION, f"{verb}：{claim.need}（认领人 {claim.claimant}）",
                 actor=actor, claim=claim.pk, need=claim.need_id, status=claim.status)


def _event(claim, actor, from_status, note=""):
    ClaimEvent.objects.create(claim=claim, actor=actor, from_status=from_status,
                              to_status=claim.status, note=note[:300])


@transaction.atomic
def do_publish_need(village_org, *, actor, **fields) -> Need:
    require(actor, "need.publish", village_org)
    need = Need(village_org=village_org, created_by=actor, **fields)
    if need.deadline and need.deadline < timezone.localdate():
        raise ValidationError({"deadline": "截止日期不能早于今天。"})
    need.full_clean()
    need.save()
    audit.record(audit.AuditAction.CREATE, f"发布需求：{need}", actor=actor, need=need.pk)
    return need


# Fields of a need its village may change after publishing.
EDITABLE_NEED_FIELDS = ("kind", "title", "description", "deadline", "places")


@transaction.atomic
def do_update_need(need, *, actor, **fields) -> Need:
    """Change a published need; places never drop below the places already taken."""
    unknown = set(fields) - set(EDITABLE_NEED_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = Need.objects.select_for_update().select_related("village_org").get(pk=need.pk)
    Need.workflow.check(locked, "edit", actor)
    deadline = fields.get("deadline", locked.deadline)
    if deadline != locked.deadline and deadline < timezone.localdate():
        raise ValidationError({"deadline": "截止日期不能早于今天。"})
    places = fields.get("places", locked.places)
    if places is not None and places < locked.taken_places:
        raise ValidationError(
            {"places": f"需要人数不能少于已认领人数（{locked.taken_places}人）。"})
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save(update_fields=list(fields))
    audit.record(audit.AuditAction.UPDATE, f"修改需求：{locked}", actor=actor, need=locked.pk)
    _complete_if_all_confirmed(locked.pk, actor)  # places cut to the confirmed ones
    locked.refresh_from_db(fields=["status"])
    return locked


@transaction.atomic
def do_close_need(need, *, actor) -> Need:
    need = Need.objects.select_for_update().select_related("village_org").get(pk=need.pk)
    Need.workflow.check(need, "close", actor)
    need.status = NeedStatus.CLOSED
    need.save(update_fields=["status"])
    audit.record(audit.AuditAction.TRANSITION, f"关闭需求：{need}", actor=actor, need=need.pk,
                 status=need.status)
    return need


@transaction.atomic
def do_claim_need(need, *, actor) -> Claim:
    require(actor, "need.claim", need.village_org)
    return _take_place(need, actor)


@transaction.atomic
def do_claim_need_for_authorised_actor(need, *, actor) -> Claim:
    """Claim for an actor the caller has already authorised by a rule of its own (an alliance
    member claiming a fellow member village's micro-wish, who holds no need.claim there); the
    same state checks and place taking as `do_claim_need`."""
    return _take_place(need, actor)


def _take_place(need, actor) -> Claim:
    need = Need.objects.get(pk=need.pk)
    if need.status != NeedStatus.PUBLISHED:
        raise ValidationError("该事项已关闭，不能认领。")
    if need.deadline < timezone.localdate():
        raise ValidationError("该事项已过截止日期，不能认领。")
    if Claim.objects.filter(need=need, claimant=actor,
                            status__in=[ClaimStatus.CLAIMED, ClaimStatus.DONE,
                                        ClaimStatus.CONFIRMED]).exists():
        raise ValidationError("您已认领该事项。")
    taken = (Need.objects.filter(pk=need.pk, status=NeedStatus.PUBLISHED,
                                 taken_places__lt=F("places"))
             .update(taken_places=F("taken_places") + 1))
    if not taken:
        raise ValidationError("名额已满，请选择其他事项。")
    try:
        with transaction.atomic():
            claim = Claim.objects.create(need=need, claimant=actor)
    except IntegrityError as exc:
        raise ValidationError("您已认领该事项。") from exc
    _event(claim, actor, "")
    _record(claim, actor, "认领需求")
    return claim


def _locked_claim(claim):
    return (Claim.objects.select_for_update(of=("self",))
            .select_related("need__village_org", "claimant").get(pk=claim.pk))


def _release_place(claim):
    Need.objects.filter(pk=claim.need_id, taken_places__gt=0).update(
        taken_places=F("taken_places") - 1)


def _check_claimant_move(claim, name, actor, *, authorised):
    """The workflow's rule for the claimant's own move `name`: permission, then state. For an
    actor the caller has already authorised, everything but the capability on the village:
    still only the claimant (the transition's guard), still only from its states."""
    if not authorised:
        Claim.workflow.check(claim, name, actor)
        return
    transition = Claim.workflow[name]
    if transition.guard is not None and not transition.guard(claim, actor):
        raise PermissionDenied(transition.denied)
    if not Claim.workflow.in_state(claim, name):
        raise ValidationError(transition.state_error, code="state")


@transaction.atomic
def do_withdraw_claim(claim, *, actor, note="") -> Claim:
    return _withdraw_claim(claim, actor, note, authorised=False)


@transaction.atomic
def do_withdraw_claim_for_authorised_actor(claim, *, actor, note="") -> Claim:
    """Withdraw for a claimant the caller has already authorised by a rule of its own (an
    alliance member who claimed a fellow member village's micro-wish and holds no need.claim
    there); the same state rule, place release, ClaimEvent and audit as `do_withdraw_claim`."""
    return _withdraw_claim(claim, actor, note, authorised=True)


def _withdraw_claim(claim, actor, note, *, authorised) -> Claim:
    claim = _locked_claim(claim)
    _check_claimant_move(claim, "withdraw", actor, authorised=authorised)
    claim.status = ClaimStatus.WITHDRAWN
    claim.save(update_fields=["status"])
    _release_place(claim)
    _event(claim, actor, ClaimStatus.CLAIMED, note)
    _record(claim, actor, "撤回认领")
    return claim


@transaction.atomic
def do_report_done(claim, *, actor, result, evidence=None) -> Claim:
    return _report_done(claim, actor, result, evidence, authorised=False)


@transaction.atomic
def do_report_done_for_authorised_actor(claim, *, actor, result, evidence=None) -> Claim:
    """Report done for a claimant the caller has already authorised (see
    `do_withdraw_claim_for_authorised_actor`); the village confirms as usual."""
    return _report_done(claim, actor, result, evidence, authorised=True)


def _report_done(claim, actor, result, evidence, *, authorised) -> Claim:
    claim = _locked_claim(claim)
    _check_claimant_move(claim, "report", actor, authorised=authorised)
    result = (result or "").strip()
    if not result:
        raise ValidationError({"result": "请填写完成情况。"})
    claim.status, claim.result, claim.done_at = ClaimStatus.DONE, result, timezone.now()
    if evidence is not None:
        claim.evidence = evidence
    claim.save()
    _event(claim, actor, ClaimStatus.CLAIMED)
    _record(claim, actor, "报告完成")
    return claim


@transaction.atomic
def do_confirm_claim(claim, *, actor, rating, comment="") -> Claim:
    claim = _locked_claim(claim)
    Claim.workflow.check(claim, "confirm", actor)
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": "评分应为1到5分。"})
    claim.status, claim.rating, claim.comment = ClaimStatus.CONFIRMED, rating, comment[:300]
    claim.confirmed_at = timezone.now()
    claim.save(update_fields=["status", "rating", "comment", "confirmed_at"])
    _event(claim, actor, ClaimStatus.DONE, comment)
    _record(claim, actor, "确认认领完成")
    _complete_if_all_confirmed(claim.need_id, actor)
    return claim


def _complete_if_all_confirmed(need_id, actor) -> bool:
    """发布中 → 已完成 once every place of the need is confirmed, in the caller's transaction.

    The need's row is locked before counting, so two villagers confirming the last two claims
    at once complete it exactly once (the second counts after the first commits)."""
    need = Need.objects.select_for_update().get(pk=need_id)
    if need.status != NeedStatus.PUBLISHED:
        return False
    if need.claims.filter(status=ClaimStatus.CONFIRMED).count() < need.places:
        return False
    need.status = NeedStatus.COMPLETED
    need.save(update_fields=["status"])
    audit.record(audit.AuditAction.TRANSITION, f"需求已完成（名额全部确认）：{need}",
                 actor=actor, need=need.pk, status=need.status)
    return True


@transaction.atomic
def do_send_back_claim(claim, *, actor, reason) -> Claim:
    claim = _locked_claim(claim)
    Claim.workflow.check(claim, "send_back", actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "退回时请填写原因。"})
    claim.status, claim.done_at = ClaimStatus.CLAIMED, None
    claim.save(update_fields=["status", "done_at"])
    _event(claim, actor, ClaimStatus.DONE, reason)
    _record(claim, actor, "退回认领")
    return claim


def claimable_needs(user, today=None, *, needs=None):
    """可认领的需求, the one definition of the talent's home tile and the claim board: open
    needs of the villages where the user may claim, deadline not passed, a place free, and not
    already claimed by the user. `needs`: the user's claim scope when the caller has it in a
    cheaper form (the board: the villages by id), else `visible_to`'s."""
    today = today or timezone.localdate()
    mine = Claim.objects.filter(need=OuterRef("pk"), claimant=user, status__in=PLACE_HOLDING)
    if needs is None:
        needs = Need.objects.visible_to(user, "need.claim")
    return (needs.open()
            .filter(deadline__gte=today, taken_places__lt=F("places"))
            .filter(~Exists(mine)))


def month_bounds(day):
    """(first day of `day`'s month, first day of the next month): a month as a date range."""
    first = day.replace(day=1)
    return first, (first + datetime.timedelta(days=32)).replace(day=1)


def served_claims(user, day=None):
    """The claimant's service of `day`'s month (本月已服务): claims the village confirmed in that
    month, as the talents' assessment counts them (confirmed_at in the month)."""
    first, next_first = month_bounds(day or timezone.localdate())
    start, end = (timezone.make_aware(datetime.datetime.combine(d, datetime.time.min))
                  for d in (first, next_first))
    return Claim.objects.filter(claimant=user, status=ClaimStatus.CONFIRMED,
                                confirmed_at__gte=start, confirmed_at__lt=end)


def with_progress(needs):
    """Annotate each need with `confirmed_count` and `pending_count` (claims awaiting the
    village's confirmation) in the same query."""
    return needs.annotate(
        confirmed_count=Count("claims", filter=Q(claims__status=ClaimStatus.CONFIRMED)),
        pending_count=Count("claims", filter=Q(claims__status=ClaimStatus.DONE)),
    )


def overdue_q(today=None):
    """Needs past their deadline that are still open and not all places confirmed; needs the
    `confirmed_count` annotation of `with_progress`."""
    today = today or timezone.localdate()
    return Q(deadline__lt=today, status=NeedStatus.PUBLISHED,
             confirmed_count__lt=F("places"))


def is_overdue(need, today=None) -> bool:
    """The same rule as `overdue_q` for one need annotated by `with_progress`."""
    today = today or timezone.localdate()
    return (need.status == NeedStatus.PUBLISHED and need.deadline < today
            and need.confirmed_count < need.places)

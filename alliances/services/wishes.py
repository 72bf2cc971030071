"""The alliance's view of its member villages' needs (联盟需求) and micro-wishes (微心愿, 003
二.7 "组织联盟党员认领微心愿").

The needs stay pairing's (`pairing.Need`); an alliance sees the needs of the villages that are
its current members. The members' people (users acting for a current member organization,
`alliances.membership`) may claim a micro-wish of a fellow member village: alliances
authorises by membership, and pairing's `do_claim_need_for_authorised_actor` takes the place
with the same locking as any claim.

Holding no need.claim on that village, such a claimant withdraws or reports done here
(我认领的微心愿): alliances authorises — the claimant is the user and the need's village is a
current member of an open alliance the user acts for — and pairing's
`do_withdraw_claim_for_authorised_actor` / `do_report_done_for_authorised_actor` move the
claim (state rule, ClaimEvent, audit). The village confirms on its own need page as usual.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When

from alliances.membership import acting_orgs_q
from alliances.models import Alliance, Membership
from pairing.models import PLACE_HOLDING, Claim, ClaimStatus, Need, NeedKind
from pairing.services.needs import (
    do_claim_need_for_authorised_actor,
    do_report_done_for_authorised_actor,
    do_withdraw_claim_for_authorised_actor,
)
from portal.models import Organization
from portal.scope import scope_q

NOT_FELLOW_MEMBER = "只有与该村同属一个党建联盟的成员组织书记或联络员可以认领微心愿。"
NOT_OWN_ALLIANCE_CLAIM = "只能在这里处理自己认领的、同一党建联盟成员村的微心愿。"


def member_alliances_of(user):
    """Open alliances in which the user acts for a current member organization."""
    mine = Membership.objects.current().filter(acting_orgs_q(user, "org__path"))
    return Alliance.objects.open().filter(pk__in=mine.values("alliance_id"))


def needs_of_alliances(alliances):
    """Needs published by the current member organizations of `alliances` (a queryset or a
    list of alliances or ids)."""
    members = Membership.objects.current().filter(alliance__in=alliances).values("org_id")
    return Need.objects.filter(village_org__in=members)


def with_my_claim(needs, user):
    """Annotate `mine`: whether the user holds a place on the need."""
    return needs.annotate(mine=Exists(Claim.objects.filter(
        need=OuterRef("pk"), claimant=user, status__in=PLACE_HOLDING)))


def with_openable(rows, user, path_field="village_org__path"):
    """Annotate `openable`: whether the user may open the need's page on the needs board
    (`path_field` leads to the need's village path: a claim's is "need__village_org__path")."""
    in_scope = scope_q(user, "need.view", path_field)
    return rows.annotate(openable=Case(When(in_scope, then=Value(True)), default=Value(False))
                         if in_scope else Value(True))


def shares_alliance(user, need) -> bool:
    """Whether the user acts for a current member of an open alliance that the need's village
    also currently belongs to (one query)."""
    villages = Membership.objects.current().filter(org_id=need.village_org_id)
    return member_alliances_of(user).filter(pk__in=villages.values("alliance_id")).exists()


def acting_org_ids(user):
    """Ids of the organizations the user acts for as a secretary or contact."""
    return Organization.objects.filter(acting_orgs_q(user)).values_list("pk", flat=True)


def acts_for_village(user, need) -> bool:
    return acting_org_ids(user).filter(pk=need.village_org_id).exists()


@transaction.atomic
def claim_wish(need, *, actor):
    """认领微心愿 for a fellow member village (pairing's claim takes the place and audits)."""
    if not shares_alliance(actor, need):
        raise PermissionDenied(NOT_FELLOW_MEMBER)
    if need.kind != NeedKind.MICRO_WISH:
        raise ValidationError("联盟成员在这里只能认领微心愿。", code="kind")
    if acts_for_village(actor, need):
        raise ValidationError("不能认领本组织发布的微心愿。", code="own")
    return do_claim_need_for_authorised_actor(need, actor=actor)


# 我认领的微心愿 ---------------------------------------------------------------------------

# Claims waiting for the claimant first, then those waiting for the village, then confirmed.
CLAIM_ORDER = Case(When(status=ClaimStatus.CLAIMED, then=Value(0)),
                   When(status=ClaimStatus.DONE, then=Value(1)),
                   default=Value(2), output_field=IntegerField())


def claims_of_user_in(user, alliances):
    """The user's claims (any status) on needs of the current member villages of `alliances`
    (a queryset or a list of alliances or ids)."""
    return Claim.objects.filter(claimant=user,
                                need__in=needs_of_alliances(alliances).values("pk"))


def my_wish_claims(user, alliances):
    """我认领的微心愿: the user's live claims on the member villages' micro-wishes, the ones
    still to do first, with the need and its village and `openable`."""
    claims = (claims_of_user_in(user, alliances)
              .filter(status__in=PLACE_HOLDING, need__kind=NeedKind.MICRO_WISH)
              .select_related("need__village_org"))
    return with_openable(claims, user, "need__village_org__path").order_by(
        CLAIM_ORDER, "-created_at", "-id")


def may_move_claim(user, claim) -> bool:
    """Whether the alliance lets the user withdraw or report `claim`: the user's own claim on
    a need of a current member village of an open alliance the user acts for."""
    return claim.claimant_id == user.pk and shares_alliance(user, claim.need)


def _require_own_alliance_claim(actor, claim):
    if not may_move_claim(actor, claim):
        raise PermissionDenied(NOT_OWN_ALLIANCE_CLAIM)


@transaction.atomic
def withdraw_wish_claim(claim, *, actor, note=""):
    """撤回认领 of a micro-wish claimed through the alliance (the place is released)."""
    _require_own_alliance_claim(actor, claim)
    return do_withdraw_claim_for_authorised_actor(claim, actor=actor, note=note)


@transaction.atomic
def report_wish_claim(claim, *, actor, result, evidence=None):
    """报告完成 of a micro-wish claimed through the alliance; the village then confirms it."""
    _require_own_alliance_claim(actor, claim)
    return do_report_done_for_authorised_actor(claim, actor=actor, result=result,
                                               evidence=evidence)

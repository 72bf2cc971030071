"""The alliance's view of its member villages' needs (联盟需求) and micro-wishes (微心愿, 003
二.7 "组织联盟党员认领微心愿").

The needs stay pairing's (`pairing.Need`); an alliance sees the needs of the villages that are
its current members. The members' people (users acting for a current member organization,
`alliances.membership`) may claim a micro-wish of a fellow member village: alliances
authorises by membership, and pairing's `do_claim_need_for_authorised_actor` takes the place
with the same locking as any claim.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Exists, OuterRef, Value, When

from alliances.membership import acting_orgs_q
from alliances.models import Alliance, Membership
from pairing.models import PLACE_HOLDING, Claim, Need, NeedKind
from pairing.services.needs import do_claim_need_for_authorised_actor
from portal.models import Organization
from portal.scope import scope_q

NOT_FELLOW_MEMBER = "只有与该村同属一个党建联盟的成员组织书记或联络员可以认领微心愿。"


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


def with_openable(needs, user):
    """Annotate `openable`: whether the user may open the need's page on the needs board."""
    in_scope = scope_q(user, "need.view", "village_org__path")
    return needs.annotate(openable=Case(When(in_scope, then=Value(True)), default=Value(False))
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

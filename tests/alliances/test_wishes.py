"""Micro-wishes (微心愿) and 联盟需求: the needs of the alliance's member villages, claimed by the
members' people through pairing's claim (same place locking), authorised by membership; the
pages' scope, the link on the needs board and flat query counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.services import wishes as services
from pairing.models import Claim, Need, NeedKind, NeedStatus
from portal.models import AuditEvent
from tests.factories import bulk_users_with_roles

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"alliances:{name}", args=args)


def make_need(village, title="给留守儿童买书包", kind=NeedKind.MICRO_WISH, places=1, **fields):
    fields.setdefault("deadline", timezone.localdate() + datetime.timedelta(days=20))
    return Need.objects.create(village_org=village, title=title, description="心愿内容",
                               kind=kind, places=places, **fields)


@pytest.fixture
def world(alliances_world):
    return alliances_world


@pytest.fixture
def station_contact(world):
    return bulk_users_with_roles({"station_contact": (world.station, "unit_contact")})[
        "station_contact"]


@pytest.fixture
def wish(world, tree):
    """A micro-wish of 石桥村 (village_a2), a fellow member of 青山村 in the core alliance."""
    return make_need(tree.village_a2)


def test_needs_of_an_alliance_are_its_current_member_villages(world, tree):
    mine, other = make_need(tree.village_a2), make_need(tree.village_b1)
    assert list(services.needs_of_alliances([world.core.pk])) == [mine]
    assert list(services.needs_of_alliances([world.other_core.pk])) == [other]


def test_a_fellow_member_claims_a_wish(wish, village_secretary):
    claim = services.claim_wish(wish, actor=village_secretary)
    wish.refresh_from_db()
    assert (claim.claimant, wish.taken_places) == (village_secretary, 1)
    assert AuditEvent.objects.filter(data__claim=claim.pk).exists()


def test_a_unit_member_claims_too(wish, station_contact):
    assert services.claim_wish(wish, actor=station_contact).claimant == station_contact


def test_outside_the_alliance_no_claim(wish, other_village_secretary, township_admin, talent):
    for user in (other_village_secretary, township_admin, talent):
        with pytest.raises(PermissionDenied):
            services.claim_wish(wish, actor=user)
    assert not Claim.objects.exists()


def test_the_places_are_pairings_own(wish, village_secretary, station_contact):
    services.claim_wish(wish, actor=village_secretary)
    with pytest.raises(ValidationError, match="您已认领"):
        services.claim_wish(wish, actor=village_secretary)
    with pytest.raises(ValidationError, match="名额已满"):
        services.claim_wish(wish, actor=station_contact)


def test_only_micro_wishes_and_not_ones_own(tree, village_secretary, world):
    other_kind = make_need(tree.village_a2, kind=NeedKind.SERVICE)
    with pytest.raises(ValidationError) as exc:
        services.claim_wish(other_kind, actor=village_secretary)
    assert exc.value.code == "kind"
    own = make_need(tree.village_a1)
    with pytest.raises(ValidationError) as exc:
        services.claim_wish(own, actor=village_secretary)
    assert exc.value.code == "own"


def test_a_closed_alliance_or_a_left_member_claims_nothing(wish, village_secretary, world):
    from alliances.models import Membership

    Membership.objects.filter(org=wish.village_org).update(left_on=timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.claim_wish(wish, actor=village_secretary)


def test_a_closed_need_is_refused_by_pairings_rules(wish, village_secretary):
    Need.objects.filter(pk=wish.pk).update(status=NeedStatus.CLOSED)
    with pytest.raises(ValidationError, match="已关闭"):
        services.claim_wish(wish, actor=village_secretary)


# Pages -------------------------------------------------------------------------------------

def test_wishes_page_lists_and_offers_the_claim(login, world, wish, tree, village_secretary,
                                                other_village_secretary, township_admin):
    make_need(tree.village_a2, title="道路维修", kind=NeedKind.NEED)
    page = login(village_secretary).get(url("alliance_wishes", world.core.pk)).content.decode()
    assert "给留守儿童买书包" in page and "道路维修" not in page
    assert url("wish_claim", wish.pk) in page
    every = login(village_secretary).get(url("alliance_wishes", world.core.pk) + "?tab=all")
    assert "道路维修" in every.content.decode()
    staff = login(township_admin).get(url("alliance_wishes", world.core.pk)).content.decode()
    assert "给留守儿童买书包" in staff and url("wish_claim", wish.pk) not in staff
    assert login(other_village_secretary).get(
        url("alliance_wishes", world.core.pk)).status_code == 404


def test_claim_through_the_page(login, wish, village_secretary, other_village_secretary):
    assert login(other_village_secretary).post(url("wish_claim", wish.pk)).status_code == 404
    response = login(village_secretary).post(url("wish_claim", wish.pk))
    assert response.status_code == 302
    assert Claim.objects.get(need=wish).claimant == village_secretary


def test_my_alliance_needs_filters_by_alliance_and_kind(login, world, tree, village_secretary):
    make_need(tree.village_a2, title="石桥心愿")
    make_need(tree.village_a2, title="石桥服务", kind=NeedKind.SERVICE)
    make_need(tree.village_b1, title="白水心愿")
    client = login(village_secretary)
    page = client.get(url("my_alliance_needs")).content.decode()
    assert "石桥心愿" in page and "石桥服务" in page and "白水心愿" not in page
    page = client.get(url("my_alliance_needs"), {"kind": NeedKind.SERVICE}).content.decode()
    assert "石桥服务" in page and "石桥心愿" not in page
    # 石桥村 is not in 青山片区 (area_1): nothing from it there.
    page = client.get(url("my_alliance_needs"), {"alliance": world.area_1.pk}).content.decode()
    assert "石桥心愿" not in page


def test_my_alliance_needs_for_a_non_member_and_without_the_capability(login, township_admin,
                                                                       talent, world):
    page = login(township_admin).get(url("my_alliance_needs"))
    assert page.status_code == 200 and "还没有加入党建联盟" in page.content.decode()
    assert login(talent).get(url("my_alliance_needs")).status_code == 403


def test_the_needs_board_links_members_to_their_alliance_needs(login, world, village_secretary,
                                                                unit_contact):
    link = f'href="{url("my_alliance_needs")}" id="alliance-needs-link"'
    board = login(village_secretary).get(reverse("pairing:need_board")).content.decode()
    assert link in board
    board = login(unit_contact).get(reverse("pairing:need_board")).content.decode()
    assert "alliance-needs-link" not in board


def test_the_needs_page_costs_the_same_with_more_needs(login, world, tree, village_secretary):
    client = login(village_secretary)

    def count(name, *args):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(name, *args)).status_code == 200
        return len(queries)

    make_need(tree.village_a2)
    few = (count("my_alliance_needs"), count("alliance_wishes", world.core.pk))
    for n in range(25):
        make_need(tree.village_a2 if n % 2 else tree.village_a1, title=f"心愿{n}")
    assert (count("my_alliance_needs"), count("alliance_wishes", world.core.pk)) == few

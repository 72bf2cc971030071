"""Micro-wishes (微心愿) and 联盟需求: the needs of the alliance's member villages, claimed by the
members' people through pairing's claim (same place locking), authorised by membership; the
claimant's own withdraw and report there (我认领的微心愿), the village confirming as usual; the
pages' scope, the link on the needs board and flat query counts."""

import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from alliances.models import Alliance, Membership
from alliances.services import wishes as services
from pairing.models import Claim, ClaimEvent, ClaimStatus, Need, NeedKind, NeedStatus
from pairing.services.needs import do_confirm_claim
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


# 我认领的微心愿: withdraw and report through the alliance ------------------------------------

@pytest.fixture
def claim(wish, village_secretary):
    """青山村's secretary (no need.claim on 石桥村) claimed 石桥村's wish through the alliance."""
    return services.claim_wish(wish, actor=village_secretary)


@pytest.fixture
def shiqiao_secretary(tree):
    return bulk_users_with_roles({"shiqiao": (tree.village_a2, "village_secretary")})["shiqiao"]


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_claimant_withdraws_through_the_alliance(wish, claim, village_secretary):
    withdrawn = services.withdraw_wish_claim(claim, actor=village_secretary, note="时间冲突")
    wish.refresh_from_db()
    assert (withdrawn.status, wish.taken_places) == (ClaimStatus.WITHDRAWN, 0)
    assert ClaimEvent.objects.filter(claim=claim, to_status="withdrawn", note="时间冲突",
                                     actor=village_secretary).exists()
    assert AuditEvent.objects.filter(data__claim=claim.pk, data__status="withdrawn").exists()


def test_the_claimant_reports_and_the_village_confirms(claim, village_secretary,
                                                       shiqiao_secretary):
    with pytest.raises(ValidationError) as exc:
        services.report_wish_claim(claim, actor=village_secretary, result="  ")
    assert "result" in exc.value.error_dict
    done = services.report_wish_claim(claim, actor=village_secretary, result="已送去10个书包")
    assert (done.status, done.result) == (ClaimStatus.DONE, "已送去10个书包")
    with pytest.raises(ValidationError) as exc:
        services.withdraw_wish_claim(claim, actor=village_secretary)
    assert exc.value.code == "state"
    confirmed = do_confirm_claim(claim, actor=shiqiao_secretary, rating=5, comment="谢谢")
    assert confirmed.status == ClaimStatus.CONFIRMED
    assert list(claim.events.values_list("to_status", flat=True)) == [
        "claimed", "done", "confirmed"]


def test_only_the_claimant_moves_the_claim(claim, station_contact, township_admin,
                                           shiqiao_secretary):
    for user in (station_contact, township_admin, shiqiao_secretary):
        with pytest.raises(PermissionDenied):
            services.withdraw_wish_claim(claim, actor=user)
        with pytest.raises(PermissionDenied):
            services.report_wish_claim(claim, actor=user, result="代报")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED


def test_no_alliance_right_once_the_village_left_or_the_alliance_closed(claim, world,
                                                                         village_secretary):
    Membership.objects.filter(org=claim.need.village_org).update(left_on=timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.withdraw_wish_claim(claim, actor=village_secretary)
    Membership.objects.filter(org=claim.need.village_org).update(left_on=None)
    Alliance.objects.filter(pk=world.core.pk).update(closed_at=timezone.localdate())
    with pytest.raises(PermissionDenied):
        services.report_wish_claim(claim, actor=village_secretary, result="已完成")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED


def test_my_wish_claims_lists_ones_own_live_claims_to_do_first(world, tree, claim,
                                                               village_secretary,
                                                               station_contact):
    done = services.claim_wish(make_need(tree.village_a2, title="修路灯"),
                               actor=village_secretary)
    services.report_wish_claim(done, actor=village_secretary, result="修好了")
    gone = services.claim_wish(make_need(tree.village_a2, title="送药"), actor=village_secretary)
    services.withdraw_wish_claim(gone, actor=village_secretary)
    services.claim_wish(make_need(tree.village_a2, title="别人的"), actor=station_contact)
    later = services.claim_wish(make_need(tree.village_a2, title="买棉被"),
                                actor=village_secretary)
    mine = services.my_wish_claims(village_secretary, [world.core.pk])
    assert [c.pk for c in mine] == [later.pk, claim.pk, done.pk]
    assert services.my_wish_claims(village_secretary, [world.other_core.pk]).count() == 0


def test_the_pages_list_my_claims_with_their_actions(login, world, claim, village_secretary,
                                                     township_admin):
    client = login(village_secretary)
    for page_url in (url("alliance_wishes", world.core.pk), url("my_alliance_needs")):
        page = client.get(page_url).content.decode()
        assert 'id="my-wish-claims"' in page and f'id="wish-claim-{claim.pk}"' in page
        assert url("wish_claim_withdraw", claim.pk) in page
        assert url("wish_claim_report", claim.pk) in page
    staff = login(township_admin).get(url("alliance_wishes", world.core.pk)).content.decode()
    assert "my-wish-claims" not in staff


def test_an_empty_section_says_so(login, world, village_secretary):
    page = login(village_secretary).get(url("my_alliance_needs")).content.decode()
    assert "您还没有通过联盟认领微心愿" in page


def test_withdraw_through_the_page(login, world, wish, claim, village_secretary,
                                   station_contact, other_village_secretary):
    for user in (station_contact, other_village_secretary):
        assert login(user).post(url("wish_claim_withdraw", claim.pk)).status_code == 404
    back = url("alliance_wishes", world.core.pk) + "#my-wish-claims"
    response = login(village_secretary).post(url("wish_claim_withdraw", claim.pk),
                                             {"next": back})
    assert response.status_code == 302 and response.url == back
    claim.refresh_from_db()
    wish.refresh_from_db()
    assert (claim.status, wish.taken_places) == (ClaimStatus.WITHDRAWN, 0)
    again = login(village_secretary).post(url("wish_claim_withdraw", claim.pk))
    assert again.url == url("my_alliance_needs") + "#my-wish-claims"
    assert any("未能撤回" in text for text in texts(again))


def test_report_through_the_page_with_evidence(login, world, claim, village_secretary,
                                               media_root, station_contact):
    assert login(station_contact).get(url("wish_claim_report", claim.pk)).status_code == 404
    client = login(village_secretary)
    report_url = url("wish_claim_report", claim.pk)
    form = client.get(report_url, {"next": url("alliance_wishes", world.core.pk)})
    assert form.status_code == 200 and "给留守儿童买书包" in form.content.decode()
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 100)
    refused = client.post(report_url, {"result": "完成", "evidence": fake})
    assert refused.status_code == 200
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED and not claim.evidence
    upload = SimpleUploadedFile("../照片.png", png_bytes(), content_type="image/png")
    response = client.post(report_url, {"result": "已送去10个书包", "evidence": upload,
                                        "next": url("alliance_wishes", world.core.pk)})
    assert response.status_code == 302
    assert response.url == url("alliance_wishes", world.core.pk)
    claim.refresh_from_db()
    assert (claim.status, claim.result) == (ClaimStatus.DONE, "已送去10个书包")
    assert claim.evidence.name.startswith("claims/") and "照片" not in claim.evidence.name
    assert (media_root / claim.evidence.name).read_bytes() == png_bytes()
    page = client.get(url("alliance_wishes", world.core.pk)).content.decode()
    assert "等待该村确认" in page and report_url not in page


def test_the_report_page_sends_a_reported_claim_back(login, claim, village_secretary):
    services.report_wish_claim(claim, actor=village_secretary, result="已完成")
    response = login(village_secretary).get(url("wish_claim_report", claim.pk))
    assert response.status_code == 302
    assert response.url == url("my_alliance_needs") + "#my-wish-claims"
    assert any("不能报告完成" in text for text in texts(response))


def test_an_outside_next_is_ignored(login, claim, village_secretary):
    response = login(village_secretary).post(url("wish_claim_withdraw", claim.pk),
                                             {"next": "https://evil.example/"})
    assert response.url == url("my_alliance_needs") + "#my-wish-claims"


def test_my_claims_cost_the_same_with_more_claims(login, world, tree, village_secretary):
    client = login(village_secretary)

    def count(name, *args):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(name, *args)).status_code == 200
        return len(queries)

    services.claim_wish(make_need(tree.village_a2), actor=village_secretary)
    few = (count("my_alliance_needs"), count("alliance_wishes", world.core.pk))
    for n in range(15):
        claim = services.claim_wish(make_need(tree.village_a2, title=f"心愿{n}"),
                                    actor=village_secretary)
        if n % 3 == 0:
            services.report_wish_claim(claim, actor=village_secretary, result="完成")
    assert (count("my_alliance_needs"), count("alliance_wishes", world.core.pk)) == few
    page = client.get(url("my_alliance_needs")).content.decode()
    assert "第 1 / 2 页，共 16 条" in page and "claims_page=2" in page

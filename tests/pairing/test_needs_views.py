"""The needs board through its pages: publish → claim → report → confirm, scope, messages."""

import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from pairing.models import Claim, ClaimStatus, Need, NeedStatus
from pairing.services import needs as services
from portal.scope import forget_roles
from tests.factories import UserFactory, grant


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def need(tree, pairing, village_secretary, soon):
    return services.do_publish_need(tree.village_a1, actor=village_secretary, title="电商培训",
                                    description="教村民直播带货", deadline=soon, places=2)


@pytest.fixture
def talent2(tree, pairing):
    user = UserFactory(username="talent2")
    grant(user, tree.unit, "talent")
    return user


def _secretary(village, username):
    user = UserFactory(username=username)
    grant(user, village, "village_secretary")
    forget_roles(user)
    return user


def test_lifecycle_through_the_pages(client, tree, pairing, village_secretary, talent, soon,
                                     media_root):
    client.force_login(village_secretary)
    response = client.post(reverse("pairing:need_create"), {
        "village_org": tree.village_a1.pk, "kind": "small_service", "title": "电商直播培训",
        "description": "教村民直播带货", "deadline": soon.isoformat(), "places": 2})
    need = Need.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pairing:need_detail", args=[need.pk])
    assert (need.village_org, need.created_by, need.kind) == (tree.village_a1, village_secretary,
                                                              "small_service")

    client.force_login(talent)
    board = client.get(reverse("pairing:need_board"))
    assert "电商直播培训" in board.content.decode()
    response = client.post(reverse("pairing:need_claim", args=[need.pk]))
    claim = Claim.objects.get()
    assert response.status_code == 302 and claim.claimant == talent
    need.refresh_from_db()
    assert need.taken_places == 1
    assert "您已认领此事项" in client.get(reverse("pairing:need_detail", args=[need.pk])) \
        .content.decode()

    report_url = reverse("pairing:claim_report", args=[claim.pk])
    assert client.get(report_url).status_code == 200
    upload = SimpleUploadedFile("../../照片 原图.png", png_bytes(), content_type="image/png")
    response = client.post(report_url, {"result": "培训村民30人", "evidence": upload})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DONE and claim.result == "培训村民30人"
    stored = claim.evidence.name
    assert stored.startswith("claims/") and stored.endswith(".png")
    assert "照片" not in stored and ".." not in stored
    assert (media_root / stored).read_bytes() == png_bytes()

    client.force_login(village_secretary)
    pending = client.get(reverse("pairing:claims_to_confirm")).content.decode()
    assert "培训村民30人" in pending
    download = client.get(reverse("pairing:claim_evidence", args=[claim.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == png_bytes()
    assert "attachment" in download["Content-Disposition"]
    response = client.post(reverse("pairing:claim_confirm", args=[claim.pk]),
                           {"rating": "4", "comment": "效果好"})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.status, claim.rating, claim.comment) == (ClaimStatus.CONFIRMED, 4, "效果好")
    assert [(e.actor, e.from_status, e.to_status) for e in claim.events.all()] == [
        (talent, "", "claimed"), (talent, "claimed", "done"),
        (village_secretary, "done", "confirmed")]
    detail = client.get(reverse("pairing:need_detail", args=[need.pk])).content.decode()
    assert "待确认 → 已确认" in detail and "效果好" in detail
    assert "没有待确认的认领" in client.get(reverse("pairing:claims_to_confirm")).content.decode()


def test_talent_of_another_pairing_gets_404(client, tree, pairing, talent, soon):
    secretary_b1 = _secretary(tree.village_b1, "sec_b1")
    need = services.do_publish_need(tree.village_b1, actor=secretary_b1, title="白水村义诊",
                                    description="健康义诊", deadline=soon)
    client.force_login(talent)
    assert client.get(reverse("pairing:need_detail", args=[need.pk])).status_code == 404
    assert client.post(reverse("pairing:need_claim", args=[need.pk])).status_code == 404
    assert "白水村义诊" not in client.get(reverse("pairing:need_board")).content.decode()
    assert not Claim.objects.exists()


def test_leader_and_township_cannot_publish(client, tree, leader, township_admin, soon):
    data = {"village_org": tree.village_a1.pk, "kind": "need", "title": "x",
            "description": "y", "deadline": soon.isoformat(), "places": 1}
    for user in (leader, township_admin):
        client.force_login(user)
        assert client.get(reverse("pairing:need_create")).status_code == 403
        assert client.post(reverse("pairing:need_create"), data).status_code == 403
    assert not Need.objects.exists()


def test_secretary_cannot_publish_into_another_village(client, tree, village_secretary, soon):
    client.force_login(village_secretary)
    response = client.post(reverse("pairing:need_create"), {
        "village_org": tree.village_b1.pk, "kind": "need", "title": "x", "description": "y",
        "deadline": soon.isoformat(), "places": 1})
    assert response.status_code == 200 and not Need.objects.exists()
    assert response.context["form"].errors["village_org"]


def test_publish_with_past_deadline_shows_the_rule(client, tree, village_secretary):
    client.force_login(village_secretary)
    past = timezone.localdate() - datetime.timedelta(days=1)
    response = client.post(reverse("pairing:need_create"), {
        "village_org": tree.village_a1.pk, "kind": "need", "title": "x", "description": "y",
        "deadline": past.isoformat(), "places": 1})
    assert response.status_code == 200 and not Need.objects.exists()
    assert "截止日期不能早于今天" in response.content.decode()


def test_withdraw_frees_the_place(client, tree, pairing, village_secretary, talent, talent2,
                                  soon):
    need = services.do_publish_need(tree.village_a1, actor=village_secretary, title="义诊",
                                    description="健康义诊", deadline=soon, places=1)
    client.force_login(talent)
    client.post(reverse("pairing:need_claim", args=[need.pk]))
    claim = Claim.objects.get()

    client.force_login(talent2)
    response = client.post(reverse("pairing:need_claim", args=[need.pk]))
    assert response.status_code == 302 and "名额已满，请选择其他事项。" in texts(response)
    assert client.post(reverse("pairing:claim_withdraw", args=[claim.pk])).status_code == 403

    client.force_login(talent)
    response = client.post(reverse("pairing:claim_withdraw", args=[claim.pk]),
                           {"note": "临时出差"})
    assert response.status_code == 302
    claim.refresh_from_db()
    need.refresh_from_db()
    assert claim.status == ClaimStatus.WITHDRAWN and need.taken_places == 0
    assert claim.events.last().note == "临时出差"

    client.force_login(talent2)
    client.post(reverse("pairing:need_claim", args=[need.pk]))
    assert Claim.objects.get(claimant=talent2).status == ClaimStatus.CLAIMED


def test_bad_inputs_give_messages_not_errors(client, need, village_secretary, talent):
    claim = services.do_claim_need(need, actor=talent)
    client.force_login(talent)
    report_url = reverse("pairing:claim_report", args=[claim.pk])
    response = client.post(report_url, {"result": "   "})
    assert response.status_code == 200 and "请填写完成情况" in response.content.decode()
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00" + b"\x00" * 100)
    response = client.post(report_url, {"result": "完成", "evidence": fake})
    assert response.status_code == 200 and "不是有效的" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED and not claim.evidence

    client.post(report_url, {"result": "完成"})
    client.force_login(village_secretary)
    confirm_url = reverse("pairing:claim_confirm", args=[claim.pk])
    for rating in ("9", "abc", ""):
        response = client.post(confirm_url, {"rating": rating})
        assert response.status_code == 302
        assert any("评分" in text for text in texts(response)), rating
    response = client.post(reverse("pairing:claim_send_back", args=[claim.pk]), {"reason": " "})
    assert "退回时请填写原因。" in texts(response)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DONE

    response = client.post(reverse("pairing:claim_send_back", args=[claim.pk]),
                           {"reason": "缺照片"})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CLAIMED and claim.events.last().note == "缺照片"
    response = client.post(confirm_url, {"rating": "5"})
    assert "只有待确认的认领可以确认。" in texts(response)


def test_bad_ids_and_pages(client, need, village_secretary, talent):
    client.force_login(village_secretary)
    assert client.get(reverse("pairing:need_detail", args=[999999])).status_code == 404
    assert client.post(reverse("pairing:claim_confirm", args=[999999])).status_code == 404
    board = reverse("pairing:need_board")
    for params in ({"page": "abc"}, {"page": "99"}, {"kind": "bogus", "overdue": "x"},
                   {"status": "<script>"}):
        assert client.get(board, params).status_code == 200
    claim = services.do_claim_need(need, actor=talent)
    assert client.get(reverse("pairing:claim_evidence", args=[claim.pk])).status_code == 404


def test_next_never_leaves_the_site(client, need, village_secretary, talent):
    claim = services.do_report_done(services.do_claim_need(need, actor=talent), actor=talent,
                                    result="完成")
    client.force_login(village_secretary)
    response = client.post(reverse("pairing:claim_confirm", args=[claim.pk]),
                           {"rating": "5", "next": "https://evil.example/"})
    assert response["Location"].startswith(reverse("pairing:need_detail", args=[need.pk]))
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.CONFIRMED


def test_evidence_is_scope_checked(client, tree, need, talent, other_village_secretary,
                                   county_admin):
    claim = services.do_claim_need(need, actor=talent)
    services.do_report_done(claim, actor=talent, result="完成",
                            evidence=SimpleUploadedFile("e.png", png_bytes()))
    url = reverse("pairing:claim_evidence", args=[claim.pk])
    client.force_login(other_village_secretary)
    assert client.get(url).status_code == 404
    client.force_login(county_admin)
    assert client.get(url).status_code == 200


def test_edit_and_close(client, need, village_secretary, talent, soon):
    services.do_claim_need(need, actor=talent)
    edit_url = reverse("pairing:need_edit", args=[need.pk])
    client.force_login(talent)
    assert client.get(edit_url).status_code == 403
    assert client.post(reverse("pairing:need_close", args=[need.pk])).status_code == 403

    client.force_login(village_secretary)
    data = {"kind": "need", "title": "电商培训（第二期）", "description": "直播带货",
            "deadline": soon.isoformat(), "places": 0}
    response = client.post(edit_url, data)
    assert response.status_code == 200
    data["places"] = 1
    assert client.post(edit_url, data).status_code == 302
    need.refresh_from_db()
    assert (need.title, need.places, need.taken_places) == ("电商培训（第二期）", 1, 1)

    response = client.post(reverse("pairing:need_close", args=[need.pk]))
    need.refresh_from_db()
    assert response.status_code == 302 and need.status == NeedStatus.CLOSED
    assert client.get(edit_url).status_code == 302  # closed: back to the detail page
    client.force_login(talent)
    assert not client.get(reverse("pairing:need_board")).context["page"].object_list
    response = client.post(reverse("pairing:need_claim", args=[need.pk]))
    assert "该事项已关闭，不能认领。" in texts(response)


def test_edit_cannot_drop_places_below_taken(need, village_secretary, talent, talent2):
    services.do_claim_need(need, actor=talent)
    services.do_claim_need(need, actor=talent2)
    with pytest.raises(Exception, match="不能少于已认领人数（2人）"):
        services.do_update_need(need, actor=village_secretary, places=1)


def test_overdue_flag_and_filter(client, tree, pairing, village_secretary, talent, soon):
    past = timezone.localdate() - datetime.timedelta(days=3)
    late = Need.objects.create(village_org=tree.village_a1, title="逾期事项", description="-",
                               deadline=past, places=1)
    done = Need.objects.create(village_org=tree.village_a1, title="按时完成", description="-",
                               deadline=past, places=1, taken_places=1)
    Claim.objects.create(need=done, claimant=talent, status=ClaimStatus.CONFIRMED, rating=5)
    Need.objects.create(village_org=tree.village_a1, title="已关闭事项", description="-",
                        deadline=past, status=NeedStatus.CLOSED)
    Need.objects.create(village_org=tree.village_a1, title="进行中", description="-",
                        deadline=soon)
    client.force_login(village_secretary)
    board = reverse("pairing:need_board")
    page = client.get(board).context["page"]
    assert {n.title for n in page if n.overdue} == {"逾期事项"}
    assert "已逾期" in client.get(reverse("pairing:need_detail", args=[late.pk])).content.decode()
    only_late = client.get(board, {"overdue": "yes"}).context["page"]
    assert [n.title for n in only_late] == ["逾期事项"]
    not_late = {n.title for n in client.get(board, {"overdue": "no"}).context["page"]}
    assert not_late == {"按时完成", "已关闭事项", "进行中"}

    # Past its deadline a need is not claimable: the talent's board has no overdue filter and
    # lists the one need still open to claims.
    client.force_login(talent)
    response = client.get(board, {"overdue": "yes"})
    assert [n.title for n in response.context["page"]] == ["进行中"]
    assert "overdue" not in response.context["form"].fields


def test_board_modes_and_filters(client, tree, pairing, village_secretary, talent,
                                 county_admin, township_admin, soon):
    secretary_b1 = _secretary(tree.village_b1, "sec_b1")
    mine = services.do_publish_need(tree.village_a1, actor=village_secretary, title="青山需求",
                                    description="农技指导", deadline=soon)
    closed = services.do_publish_need(tree.village_a1, actor=village_secretary, title="青山旧事",
                                      description="-", deadline=soon, kind="micro_wish")
    services.do_close_need(closed, actor=village_secretary)
    services.do_publish_need(tree.village_b1, actor=secretary_b1, title="白水需求",
                             description="-", deadline=soon)
    board = reverse("pairing:need_board")

    def titles(user, params=None):
        client.force_login(user)
        response = client.get(board, params or {})
        assert response.status_code == 200
        return {n.title for n in response.context["page"]}, response.context["mode"]

    assert titles(village_secretary) == ({"青山需求", "青山旧事"}, "village")
    assert titles(village_secretary, {"status": "closed"}) == ({"青山旧事"}, "village")
    assert titles(talent) == ({"青山需求"}, "claim")
    assert titles(talent, {"q": "农技"}) == ({"青山需求"}, "claim")
    assert titles(talent, {"kind": "micro_wish"}) == (set(), "claim")
    assert titles(county_admin) == ({"青山需求", "青山旧事", "白水需求"}, "overview")
    assert titles(county_admin, {"township": tree.town_b.pk})[0] == {"白水需求"}
    assert titles(county_admin, {"village": tree.village_a1.pk, "kind": "micro_wish"})[0] == \
        {"青山旧事"}
    assert titles(township_admin) == ({"青山需求", "青山旧事"}, "overview")
    # An out-of-scope township is not a valid choice: the filter is refused, not applied.
    assert titles(township_admin, {"township": tree.town_b.pk})[0] == {"青山需求", "青山旧事"}
    client.force_login(county_admin)
    assert "白水乡" in client.get(board).content.decode()
    assert mine.pk


def test_my_claims_grouped_by_status(client, need, talent, village_secretary, soon, tree):
    other = services.do_publish_need(tree.village_a1, actor=village_secretary, title="送戏下乡",
                                     description="-", deadline=soon)
    services.do_claim_need(need, actor=talent)
    services.do_withdraw_claim(services.do_claim_need(other, actor=talent), actor=talent)
    client.force_login(talent)
    url = reverse("pairing:my_claims")
    response = client.get(url)
    assert [c.need.title for c in response.context["page"]] == ["电商培训"]
    assert response.context["tabs"][0] == ("claimed", "已认领", 1)
    withdrawn = client.get(url, {"status": "withdrawn"}).context["page"]
    assert [c.need.title for c in withdrawn] == ["送戏下乡"]
    assert client.get(url, {"status": "bogus"}).context["status"] == "claimed"

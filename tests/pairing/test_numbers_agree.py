"""Numbers that agree (issue 11 point 8, and the talent's month in point 13): each figure of a
home tile has one definition, shared with the board, list or report it links to."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledger.summaries import township_report_figures
from pairing.models import (
    AnnualAgreement,
    Claim,
    ClaimStatus,
    Need,
    NeedItem,
    NeedStatus,
    Pairing,
    ProjectItem,
    ProjectStatus,
)
from pairing.services import agreements as agreement_services
from pairing.services import needs as services
from pairing.statistics import pairing_statistics
from portal.models import AuditEvent
from tests.factories import UserFactory, add_org, grant

TODAY = timezone.localdate()
SOON = TODAY + datetime.timedelta(days=20)
PAST = TODAY - datetime.timedelta(days=2)


def _panels(response):
    return {shown.panel.key: shown.data for shown in response.context["panels"]}


def _need(village, title, *, places=1, deadline=SOON, status=NeedStatus.PUBLISHED, claims=()):
    need = Need.objects.create(village_org=village, title=title, description="说明",
                               deadline=deadline, places=places, status=status)
    for user, claim_status in claims:
        Claim.objects.create(need=need, claimant=user, status=claim_status)
    need.taken_places = sum(s != ClaimStatus.WITHDRAWN for _, s in claims)
    need.save(update_fields=["taken_places"])
    return need


@pytest.fixture
def others(tree):
    return [UserFactory(username=f"other{i}") for i in range(3)]


# --------------------------------------------------------------- 1. 可认领的需求

@pytest.fixture
def board_world(tree, pairing, talent, others):
    """Needs in every state that made the tile (25) and the board (47) differ on the demo."""
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_b1,
                           since=datetime.date(2026, 1, 1))
    ended = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_b2,
                                   since=datetime.date(2025, 1, 1), status="ended",
                                   until=datetime.date(2025, 12, 31))
    a1, b1 = tree.village_a1, tree.village_b1
    claimable = {
        _need(a1, "有名额", places=3, claims=[(others[0], ClaimStatus.CLAIMED)]).title,
        _need(a1, "我撤回过", claims=[(talent, ClaimStatus.WITHDRAWN)]).title,
        _need(b1, "另一个结对村的需求", deadline=TODAY).title,  # the deadline day still counts
    }
    _need(a1, "名额已满", places=2, claims=[(others[0], ClaimStatus.CLAIMED),
                                        (others[1], ClaimStatus.DONE)])
    _need(a1, "已过截止", deadline=PAST)
    _need(a1, "已关闭", status=NeedStatus.CLOSED)
    _need(a1, "已完成", status=NeedStatus.COMPLETED, claims=[(others[2], ClaimStatus.CONFIRMED)])
    _need(a1, "我已认领", places=5, claims=[(talent, ClaimStatus.CLAIMED)])
    _need(a1, "我已完成待确认", places=5, claims=[(talent, ClaimStatus.DONE)])
    _need(tree.village_a2, "未结对村的需求")
    _need(ended.village_org, "结对已结束的村")
    return claimable


def test_claimable_tile_equals_the_claim_board(client, talent, board_world):
    client.force_login(talent)
    tile = _panels(client.get(reverse("portal:home")))["pairing_talent"]
    board = client.get(reverse("pairing:need_board"))
    assert board.context["mode"] == "claim"
    listed = {need.title for need in board.context["page"]}
    assert listed == board_world
    assert tile["claimable"] == board.context["page"].paginator.count == len(board_world)
    assert {need.title for need in tile["needs"]} == board_world
    assert f'id="claimable-count">{len(board_world)}</span> 项' in board.content.decode()


def test_claiming_moves_a_need_off_both(client, talent, board_world):
    need = Need.objects.get(title="有名额")
    services.do_claim_need(need, actor=talent)
    client.force_login(talent)
    tile = _panels(client.get(reverse("portal:home")))["pairing_talent"]
    board = client.get(reverse("pairing:need_board"))
    assert tile["claimable"] == board.context["page"].paginator.count == len(board_world) - 1
    assert "有名额" not in {n.title for n in board.context["page"]}


def test_a_unit_contact_sees_the_same_definition(client, tree, pairing, unit_contact, talent,
                                                 board_world):
    """Another claimant of the same unit: the needs the talent holds are claimable for them."""
    client.force_login(unit_contact)
    board = client.get(reverse("pairing:need_board"))
    expected = set(services.claimable_needs(unit_contact).values_list("title", flat=True))
    assert {n.title for n in board.context["page"]} == expected
    assert expected == board_world | {"我已认领", "我已完成待确认"}


def test_village_open_needs_tile_equals_the_board_it_links_to(client, village_secretary,
                                                              board_world):
    client.force_login(village_secretary)
    response = client.get(reverse("portal:home"))
    tile = _panels(response)["pairing_village"]
    link = reverse("pairing:need_board") + "?status=published"
    assert f'href="{link}"' in response.content.decode()
    board = client.get(link)
    assert tile["open_needs"] == board.context["page"].paginator.count == 6


# ------------------------------------------------------- 2. 已完成 when all places confirmed

@pytest.fixture
def two_places(tree, pairing, village_secretary, talent, others):
    grant(others[0], tree.unit, "talent")
    need = services.do_publish_need(tree.village_a1, actor=village_secretary, title="修水渠",
                                    description="两人", deadline=SOON, places=2)
    claims = []
    for user in (talent, others[0]):
        claim = services.do_claim_need(need, actor=user)
        services.do_report_done(claim, actor=user, result="已完成")
        claims.append(claim)
    return need, claims


def test_confirming_the_last_place_completes_the_need(client, village_secretary, two_places):
    need, (first, second) = two_places
    services.do_confirm_claim(first, actor=village_secretary, rating=5)
    need.refresh_from_db()
    assert need.status == NeedStatus.PUBLISHED  # one place still to confirm
    services.do_confirm_claim(second, actor=village_secretary, rating=4)
    need.refresh_from_db()
    assert need.status == NeedStatus.COMPLETED
    audit = AuditEvent.objects.filter(data__need=need.pk, data__status="completed")
    assert audit.count() == 1 and audit.get().actor == village_secretary

    client.force_login(village_secretary)
    page = client.get(reverse("pairing:need_detail", args=[need.pk])).content.decode()
    assert "已完成" in page and "发布中" not in page
    board = client.get(reverse("pairing:need_board"), {"status": "completed"})
    assert [n.pk for n in board.context["page"]] == [need.pk]
    assert client.get(reverse("pairing:need_board"), {"status": "published"}).context[
        "page"].paginator.count == 0
    # The village panel's open needs and the board's 发布中 agree.
    panel = _panels(client.get(reverse("portal:home")))["pairing_village"]
    assert panel["open_needs"] == 0


def test_a_completed_need_is_neither_edited_nor_closed(village_secretary, two_places):
    need, claims = two_places
    for claim in claims:
        services.do_confirm_claim(claim, actor=village_secretary, rating=5)
    with pytest.raises(Exception, match="已完成或已关闭"):
        services.do_close_need(need, actor=village_secretary)
    with pytest.raises(Exception, match="已完成或已关闭"):
        services.do_update_need(need, actor=village_secretary, places=3)


def test_cutting_places_to_the_confirmed_ones_completes(village_secretary, talent, two_places):
    need, (first, second) = two_places
    services.do_confirm_claim(first, actor=village_secretary, rating=5)
    services.do_send_back_claim(second, actor=village_secretary, reason="补充照片")
    services.do_withdraw_claim(second, actor=second.claimant)
    updated = services.do_update_need(need, actor=village_secretary, places=1)
    assert updated.status == NeedStatus.COMPLETED


def test_a_closed_need_stays_closed(village_secretary, two_places):
    need, (first, second) = two_places
    services.do_close_need(need, actor=village_secretary)
    services.do_confirm_claim(first, actor=village_secretary, rating=5)
    services.do_confirm_claim(second, actor=village_secretary, rating=5)
    need.refresh_from_db()
    assert need.status == NeedStatus.CLOSED


def test_data_migration_completes_existing_needs(tree, others):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("pairing.migrations.0003_need_completed")
    full = _need(tree.village_a1, "全部确认", places=2,
                 claims=[(others[0], ClaimStatus.CONFIRMED), (others[1], ClaimStatus.CONFIRMED)])
    half = _need(tree.village_a1, "一半确认", places=2,
                 claims=[(others[0], ClaimStatus.CONFIRMED), (others[1], ClaimStatus.DONE)])
    closed = _need(tree.village_a1, "关闭的", status=NeedStatus.CLOSED,
                   claims=[(others[0], ClaimStatus.CONFIRMED)])
    migration.complete_fully_confirmed_needs(apps, None)
    statuses = dict(Need.objects.values_list("pk", "status"))
    assert statuses == {full.pk: "completed", half.pk: "published", closed.pk: "closed"}
    migration.reopen_completed_needs(apps, None)
    assert Need.objects.get(pk=full.pk).status == "published"


# --------------------------------------------------------------- 3. a township's pairings

@pytest.fixture
def township_world(tree, pairing, township_admin):
    """青山镇 (town_a): a community of the township paired with a village of 白水乡 must count
    for 白水乡, not for 青山镇; an ended pairing counts for neither."""
    community = add_org(tree.town_a, "青山社区", "community")
    Pairing.objects.create(city_org=community, village_org=tree.village_b1,
                           since=datetime.date(2026, 1, 1))
    Pairing.objects.create(city_org=community, village_org=tree.village_a2,
                           since=datetime.date(2026, 1, 1))
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a2,
                           since=datetime.date(2025, 1, 1), status="ended",
                           until=datetime.date(2026, 3, 1))
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_b2,
                           since=datetime.date(2026, 1, 1))
    return 2  # unit ↔ 青山村 and 青山社区 ↔ 石桥村


def test_township_home_tile_equals_its_statistics_and_report(client, tree, township_admin,
                                                             township_world):
    client.force_login(township_admin)
    tile = _panels(client.get(reverse("portal:home")))["pairing_coverage"]
    stats = client.get(reverse("pairing:statistics")).context["stats"]
    row = next(r for r in stats.rows if r.township_id == tree.town_a.pk)
    report = township_report_figures(tree.town_a, TODAY.year, 1 + (TODAY.month > 6))
    assert tile["pairings"] == row.pairings == stats.total.pairings == report["pairings"]
    assert tile["pairings"] == township_world
    assert tile["list_township"] == tree.town_a.pk
    listed = client.get(reverse("pairing:pairing_list"),
                        {"status": "active", "township": tile["list_township"]})
    assert listed.context["page"].paginator.count == township_world
    assert pairing_statistics(township_admin, TODAY.year).total.pairings == township_world


def test_county_home_tile_equals_its_statistics(client, tree, county_admin, township_world):
    client.force_login(county_admin)
    tile = _panels(client.get(reverse("portal:home")))["pairing_coverage"]
    stats = client.get(reverse("pairing:statistics")).context["stats"]
    assert tile["pairings"] == stats.total.pairings == sum(r.pairings for r in stats.rows) == 4
    assert tile["list_township"] is None


# --------------------------------------------------------------- 4. agreement versions' dates

def test_versions_show_created_and_filed_dates_apart(client, pairing, village_secretary,
                                                     county_admin, django_assert_max_num_queries):
    first = AnnualAgreement.objects.create(pairing=pairing, year=TODAY.year, status="filed",
                                           filed_at=timezone.make_aware(
                                               datetime.datetime(TODAY.year, 3, 9, 10)))
    AnnualAgreement.objects.filter(pk=first.pk).update(
        created_at=timezone.make_aware(datetime.datetime(TODAY.year, 2, 1, 9)))
    second = AnnualAgreement.objects.create(pairing=pairing, year=TODAY.year, version=2,
                                            supersedes=first)
    AnnualAgreement.objects.filter(pk=second.pk).update(
        created_at=timezone.make_aware(datetime.datetime(TODAY.year, 4, 5, 9)))
    client.force_login(village_secretary)
    page = client.get(reverse("pairing:agreement_detail", args=[second.pk])).content.decode()
    one = page[page.index('id="version-1"'):page.index('id="version-2"')]
    two = page[page.index('id="version-2"'):]
    two = two[:two.index("</li>")]
    assert f"创建于 {TODAY.year}年2月1日" in one and f"备案于 {TODAY.year}年3月9日" in one
    assert f"创建于 {TODAY.year}年4月5日" in two and "未备案" in two and "备案于" not in two


# --------------------------------------------------------------- 5. a project's progress

@pytest.fixture
def projects(tree, pairing, county_admin, village_secretary, others):
    """A filed agreement whose needs list is on the board, with a project on each need."""
    agreement = AnnualAgreement.objects.create(pairing=pairing, year=TODAY.year,
                                               status="submitted")
    items = {title: NeedItem.objects.create(agreement=agreement, title=title)
             for title in ("电商培训", "修路", "送医")}
    made = {}
    for title, item in items.items():
        project = ProjectItem.objects.create(agreement=agreement, name=f"{title}项目",
                                             progress=40, status=ProjectStatus.IN_PROGRESS)
        project.needs.set([item])
        made[title] = project
    made["未关联"] = ProjectItem.objects.create(agreement=agreement, name="未关联项目",
                                             progress=40, status=ProjectStatus.IN_PROGRESS)
    agreement_services.do_file_agreement(agreement, actor=county_admin)
    board = {n.title: n for n in Need.objects.filter(source_item__agreement=agreement)}
    grant(others[0], tree.unit, "talent")
    done = services.do_claim_need(board["电商培训"], actor=others[0])
    services.do_report_done(done, actor=others[0], result="完成")
    services.do_confirm_claim(done, actor=village_secretary, rating=5)
    services.do_claim_need(board["修路"], actor=others[0])
    return agreement, made


def test_linked_projects_take_progress_from_their_needs(client, village_secretary, projects,
                                                        county_admin):
    agreement, made = projects
    client.force_login(village_secretary)
    response = client.get(reverse("pairing:agreement_detail", args=[agreement.pk]))
    shown = {p.name: p.shown_progress for p in response.context["projects"]}
    assert (shown["电商培训项目"].percent, shown["电商培训项目"].label) == (100, "已完成")
    assert (shown["修路项目"].percent, shown["修路项目"].label) == (0, "实施中")
    assert (shown["送医项目"].percent, shown["送医项目"].label) == (0, "计划中")
    assert (shown["未关联项目"].percent, shown["未关联项目"].label) == (40, "实施中")
    assert not shown["未关联项目"].derived and shown["电商培训项目"].derived
    page = response.content.decode()
    assert 'data-progress="100">100%' in page and 'data-progress="40">40%' in page

    # A new version's copies find the needs the first version published.
    second = agreement_services.do_new_version(agreement, actor=village_secretary)
    response = client.get(reverse("pairing:agreement_detail", args=[second.pk]))
    again = {p.name: p.shown_progress for p in response.context["projects"]}
    assert again == shown


def test_project_progress_queries_do_not_grow_with_projects(client, village_secretary, projects):
    agreement, made = projects
    url = reverse("pairing:agreement_detail", args=[agreement.pk])
    client.force_login(village_secretary)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(6):
        item = NeedItem.objects.create(agreement=agreement, title=f"新增{i}")
        project = ProjectItem.objects.create(agreement=agreement, name=f"新增项目{i}")
        project.needs.set([item])
    with CaptureQueriesContext(connection) as bigger:
        client.get(url)
    assert len(bigger) == len(small)


# --------------------------------------------------------------- 6. the talent's month

def test_talent_month_status(client, tree, pairing, village_secretary, talent):
    client.force_login(talent)
    home = reverse("portal:home")
    page = client.get(home).content.decode()
    assert "本月还没有服务记录" in page and 'data-month-status="none"' in page
    assert f'href="{reverse("pairing:need_board")}">去认领一项需求' in page

    need = services.do_publish_need(tree.village_a1, actor=village_secretary, title="送戏",
                                    description="-", deadline=SOON, places=3)
    claim = services.do_claim_need(need, actor=talent)
    assert 'data-month-status="to-report"' in client.get(home).content.decode()
    services.do_report_done(claim, actor=talent, result="演出两场")
    assert 'data-month-status="to-confirm"' in client.get(home).content.decode()
    services.do_confirm_claim(claim, actor=village_secretary, rating=5)

    # A claim confirmed last month is not this month's service.
    old_need = services.do_publish_need(tree.village_a1, actor=village_secretary, title="旧事",
                                        description="-", deadline=SOON, places=3)
    old = services.do_claim_need(old_need, actor=talent)
    services.do_report_done(old, actor=talent, result="-")
    services.do_confirm_claim(old, actor=village_secretary, rating=5)
    first_of_month = TODAY.replace(day=1)
    Claim.objects.filter(pk=old.pk).update(confirmed_at=timezone.make_aware(
        datetime.datetime.combine(first_of_month - datetime.timedelta(days=1),
                                  datetime.time(23, 30))))

    response = client.get(home)
    tile = _panels(response)["pairing_talent"]
    assert tile["served"] == 1 == services.served_claims(talent).count()
    assert "本月已服务 1 次" in response.content.decode()
    # The same claim is counted on 我的认领's 已确认 tab (both, all time).
    confirmed_tab = client.get(reverse("pairing:my_claims"), {"status": "confirmed"})
    assert confirmed_tab.context["page"].paginator.count == 2


def test_talent_panel_queries_are_bounded(client, tree, pairing, village_secretary, talent,
                                          others):
    client.force_login(talent)
    home = reverse("portal:home")
    client.get(home)
    with CaptureQueriesContext(connection) as small:
        client.get(home)
    for i in range(8):
        _need(tree.village_a1, f"需求{i}", places=2, claims=[(others[i % 3], ClaimStatus.CLAIMED)])
        need = _need(tree.village_a1, f"已确认{i}", places=5)
        Claim.objects.create(need=need, claimant=talent, status=ClaimStatus.CONFIRMED,
                             confirmed_at=timezone.now())
    with CaptureQueriesContext(connection) as bigger:
        client.get(home)
    assert len(bigger) == len(small)


# --------------------------------------------------------------- the demo county

def test_demo_needs_and_tiles_agree(small_county, db, client):
    from django.contrib.auth import get_user_model
    from django.db.models import Count, F, Q

    needs = Need.objects.annotate(
        confirmed=Count("claims", filter=Q(claims__status=ClaimStatus.CONFIRMED)))
    assert not needs.filter(status=NeedStatus.PUBLISHED, confirmed__gte=F("places")).exists()
    assert not needs.filter(status=NeedStatus.COMPLETED, confirmed__lt=F("places")).exists()
    assert needs.filter(status=NeedStatus.COMPLETED).exists()

    talent = get_user_model().objects.get(username="talent")
    client.force_login(talent)
    tile = _panels(client.get(reverse("portal:home")))["pairing_talent"]
    board = client.get(reverse("pairing:need_board"))
    assert tile["claimable"] == board.context["page"].paginator.count > 0

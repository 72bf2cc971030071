"""Year-end review (年底述职相互评 → 年度考评): opening one per alliance and year, a member's
述职 and its score sheet written only by its own secretary or contact, never scoring itself,
0–100, editable while open; closing computes averages, ranks (ties share) and the alliance's
score, refuses with fewer than two members scored, and freezes everything; the pages (scope 404
/ capability 403, flat query counts)."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.models import AnnualReview, MemberReport, Membership, PeerScore, ReviewStatus
from alliances.services import reviews as services
from alliances.views import reviews as review_views
from portal.models import AuditEvent
from portal.transient import BUSY_MESSAGE
from tests.factories import bulk_orgs, bulk_people, grant

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year


def url(name, *args):
    return reverse(f"alliances:{name}", args=args)


def member_user(org, role=None):
    """A secretary (village) or contact (any other kind) acting for `org`."""
    user = get_user_model().objects.create(username=f"m{org.pk}")
    grant(user, org, role or ("village_secretary" if org.kind == "village" else "unit_contact"))
    return user


@pytest.fixture
def area(alliances_world, tree):
    """石桥片区 (three members: 石桥村, 协会, 服务中心), with a user acting for each."""
    world = alliances_world
    members = list(Membership.objects.current().filter(alliance=world.area_2)
                   .select_related("org").order_by("org__path"))
    orgs = [m.org for m in members]
    return world.area_2, orgs, {org.pk: member_user(org) for org in orgs}


def sheet(review, rater, users, scores):
    return services.save_peer_scores(review, rater, actor=users[rater.pk],
                                     scores={ratee.pk: value for ratee, value in scores})


# ---------------------------------------------------------------- open

def test_managers_open_one_review_per_year(alliances_world, township_admin, village_secretary):
    core = alliances_world.core
    review = services.open_review(core, actor=township_admin, year=YEAR)
    assert review.status == ReviewStatus.OPEN and review.opened_by == township_admin
    assert AuditEvent.objects.filter(data__review=review.pk, action="create").exists()
    with pytest.raises(ValidationError) as refused:
        services.open_review(core, actor=township_admin, year=YEAR)
    assert refused.value.error_dict["year"][0].code == "duplicate"
    with pytest.raises(PermissionDenied):
        services.open_review(core, actor=village_secretary, year=YEAR - 1)
    for year, code in ((YEAR + 1, "year"), (2024, "before_founded")):
        with pytest.raises(ValidationError) as refused:
            services.open_review(core, actor=township_admin, year=year)
        assert refused.value.error_dict["year"][0].code == code


def test_a_closed_alliance_reviews_no_year_after_it_ended(alliances_world, township_admin):
    core = alliances_world.core
    core.closed_at = datetime.date(2025, 12, 1)
    core.save(update_fields=["closed_at"])
    if YEAR > 2025:
        with pytest.raises(ValidationError) as refused:
            services.open_review(core, actor=township_admin, year=YEAR)
        assert refused.value.error_dict["year"][0].code == "closed"
    assert services.open_review(core, actor=township_admin, year=2025).pk


# ---------------------------------------------------------------- 述职

def test_a_member_reports_through_its_own_people_only(area, township_admin, village_secretary):
    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    first, second = orgs[0], orgs[1]
    report = services.submit_report(review, first, actor=users[first.pk], content="全年活动12次")
    edited = services.submit_report(review, first, actor=users[first.pk], content="修改后的述职")
    assert edited.pk == report.pk and edited.content == "修改后的述职"
    assert AuditEvent.objects.filter(data__report=report.pk).count() == 2
    for actor in (users[second.pk], village_secretary, township_admin):
        with pytest.raises(PermissionDenied):
            services.submit_report(review, first, actor=actor, content="代写")
    with pytest.raises(ValidationError):
        services.submit_report(review, first, actor=users[first.pk], content="  ")


def test_the_reporter_belongs_to_the_member(area, people, township_admin):
    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    village = next(org for org in orgs if org.kind == "village")  # 石桥村
    with pytest.raises(ValidationError) as refused:
        services.submit_report(review, village, actor=users[village.pk], content="述职",
                               reporter=people.a1)
    assert refused.value.error_dict["reporter"][0].code == "reporter"
    report = services.submit_report(review, village, actor=users[village.pk], content="述职",
                                    reporter=people.a2)
    assert report.reporter == people.a2


# ---------------------------------------------------------------- 相互评

def test_a_sheet_scores_every_other_member_never_itself(area, township_admin):
    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    a, b, c = orgs
    with pytest.raises(ValidationError) as refused:
        services.save_peer_scores(review, a, actor=users[a.pk], scores={a.pk: 90, b.pk: 80,
                                                                         c.pk: 70})
    assert refused.value.code == "self"
    with pytest.raises(ValidationError) as refused:
        services.save_peer_scores(review, a, actor=users[a.pk], scores={b.pk: 80})
    assert refused.value.error_dict[f"s{c.pk}"][0].code == "missing"
    for bad in (101, -1, True, 80.5):
        with pytest.raises(ValidationError):
            services.save_peer_scores(review, a, actor=users[a.pk], scores={b.pk: bad, c.pk: 70})
    sheet(review, a, users, [(b, 80), (c, 70)])
    sheet(review, a, users, [(b, 85), (c, 70)])  # edited: still one score per pair
    assert dict(PeerScore.objects.filter(review=review, rater=a)
                .values_list("ratee", "score")) == {b.pk: 85, c.pk: 70}
    with pytest.raises(PermissionDenied):
        services.save_peer_scores(review, a, actor=users[b.pk], scores={b.pk: 100, c.pk: 100})


# ---------------------------------------------------------------- close

def test_close_ranks_with_shared_ranks_and_scores_the_alliance(area, township_admin):
    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    a, b, c = orgs
    services.submit_report(review, a, actor=users[a.pk], content="述职")
    sheet(review, a, users, [(b, 90), (c, 80)])
    sheet(review, b, users, [(a, 70), (c, 100)])
    sheet(review, c, users, [(a, 90), (b, 90)])
    closed = services.close_review(review, actor=township_admin, summary="整体良好")
    # a: (70+90)/2 = 80; b: (90+90)/2 = 90; c: (80+100)/2 = 90.
    results = {r.member_id: (r.peer_average, r.rank) for r in MemberReport.objects.filter(
        review=review)}
    assert results == {a.pk: (Decimal("80.00"), 3), b.pk: (Decimal("90.00"), 1),
                       c.pk: (Decimal("90.00"), 1)}
    assert closed.status == ReviewStatus.CLOSED and closed.score == Decimal("86.67")
    assert closed.summary == "整体良好" and closed.closed_at is not None
    assert AuditEvent.objects.filter(data__review=review.pk, action="transition").exists()
    assert [r.member for r in services.results(closed)][2] == a


def test_close_follows_the_review_rule_half_up_on_four_members(area, township_admin):
    """The service's results are alliances.peer_review's on the stored scores: averages and
    the alliance's score rounded half up (82.665 → 82.67), ties sharing a rank."""
    from alliances.peer_review import peer_results

    alliance, orgs, users = area
    d = bulk_orgs([("d", alliance.owner, "石桥竹编合作社", "enterprise", {})])["d"]
    Membership.objects.create(alliance=alliance, org=d, joined_on=datetime.date(2025, 3, 1))
    users[d.pk] = member_user(d)
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    a, b, c = orgs
    sheet(review, a, users, [(b, 90), (c, 90), (d, 70)])
    sheet(review, b, users, [(a, 80), (c, 90), (d, 70)])
    sheet(review, c, users, [(a, 80), (b, 90), (d, 71)])
    sheet(review, d, users, [(a, 81), (b, 90), (c, 90)])
    closed = services.close_review(review, actor=township_admin)
    # a 241/3 = 80.33, b 90, c 90, d 211/3 = 70.33; (80.33 + 90 + 90 + 70.33) / 4 = 82.665.
    assert closed.score == Decimal("82.67")
    stored = {r.member_id: (r.peer_average, r.rank) for r in review.reports.all()}
    assert stored == {a.pk: (Decimal("80.33"), 3), b.pk: (Decimal("90.00"), 1),
                      c.pk: (Decimal("90.00"), 1), d.pk: (Decimal("70.33"), 4)}
    rule = peer_results(review.peer_scores.values_list("rater", "ratee", "score"),
                        [a.pk, b.pk, c.pk, d.pk])
    assert {m: (rule.averages[m], rule.ranks[m]) for m in rule.averages} == stored
    assert rule.score == closed.score


def test_close_needs_two_members_scored(area, township_admin, village_secretary):
    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    a, b, c = orgs
    with pytest.raises(PermissionDenied):
        services.close_review(review, actor=village_secretary)
    services.save_peer_scores(review, a, actor=users[a.pk], scores={b.pk: 90, c.pk: 80})
    services.save_peer_scores(review, b, actor=users[b.pk], scores={a.pk: 70, c.pk: 60})
    PeerScore.objects.filter(review=review, ratee=a).delete()
    PeerScore.objects.filter(review=review, ratee=b).delete()
    with pytest.raises(ValidationError) as refused:  # only c has been scored
        services.close_review(review, actor=township_admin)
    assert refused.value.code == "too_few"
    assert "至少 2 个成员组织获得互评分后才能完成考评" in refused.value.messages[0]
    assert not refused.value.messages[0].endswith("。。")
    assert AnnualReview.objects.get(pk=review.pk).status == ReviewStatus.OPEN


def test_nothing_changes_after_close(area, township_admin):
    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    a, b, c = orgs
    sheet(review, a, users, [(b, 90), (c, 80)])
    sheet(review, b, users, [(a, 70), (c, 60)])
    services.close_review(review, actor=township_admin)
    for attempt in (
            lambda: services.submit_report(review, a, actor=users[a.pk], content="补交"),
            lambda: sheet(review, c, users, [(a, 100), (b, 100)]),
            lambda: services.close_review(review, actor=township_admin)):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.code == "closed"
    assert PeerScore.objects.filter(review=review).count() == 4


def test_scores_from_a_member_who_left_do_not_count(area, township_admin):
    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    a, b, c = orgs
    sheet(review, a, users, [(b, 10), (c, 10)])
    sheet(review, b, users, [(a, 90), (c, 90)])
    sheet(review, c, users, [(a, 90), (b, 90)])
    Membership.objects.filter(alliance=alliance, org=a).update(left_on=timezone.localdate())
    table = services.standing(review)
    assert [(row.member, row.average) for row in table.rows] == [(b, Decimal("90.00")),
                                                                 (c, Decimal("90.00"))]


# ---------------------------------------------------------------- pages

def test_review_pages_for_a_member(area, township_admin, login):
    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    a, b, c = orgs
    client = login(users[a.pk])
    page = client.get(url("review_detail", review.pk)).content.decode()
    assert url("review_scores", review.pk, a.pk) in page
    assert url("review_scores", review.pk, b.pk) not in page
    assert client.get(url("review_scores", review.pk, b.pk)).status_code == 403
    sheet_page = client.get(url("review_scores", review.pk, a.pk))
    assert [org for org, _, _ in sheet_page.context["form"].rows()] == [b, c]
    response = client.post(url("review_scores", review.pk, a.pk),
                           {f"s{b.pk}": "88", f"s{c.pk}": "120"})
    assert response.status_code == 200 and "0 到 100" in response.content.decode()
    response = client.post(url("review_scores", review.pk, a.pk),
                           {f"s{b.pk}": "88", f"s{c.pk}": "77", f"c{c.pk}": "积极"})
    assert response.status_code == 302
    assert PeerScore.objects.get(review=review, rater=a, ratee=c).comment == "积极"
    response = client.post(url("review_report", review.pk, a.pk), {"content": "年度述职"})
    assert response.status_code == 302
    assert MemberReport.objects.get(review=review, member=a).content == "年度述职"


def test_report_and_scores_are_saved_through_the_retry(area, township_admin, login,
                                                        monkeypatch, always_busy):
    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    a, b, c = orgs
    monkeypatch.setattr(review_views, "retrying", always_busy)
    client = login(users[a.pk])
    report = client.post(url("review_report", review.pk, a.pk), {"content": "年度述职"})
    scores = client.post(url("review_scores", review.pk, a.pk),
                         {f"s{b.pk}": "88", f"s{c.pk}": "77"})
    for response in (report, scores):
        assert response.status_code == 200 and BUSY_MESSAGE in response.content.decode()
    # The forms keep what was typed.
    assert "年度述职</textarea>" in report.content.decode()
    assert 'value="88"' in scores.content.decode() and 'value="77"' in scores.content.decode()
    assert always_busy.called == [services.submit_report, services.save_peer_scores]
    # What the services wrote went with the conflict.
    assert not MemberReport.objects.exists() and not PeerScore.objects.exists()


def test_closing_through_the_page_and_read_only_after(area, township_admin, login):
    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    a, b, c = orgs
    client = login(township_admin)
    response = client.post(url("review_close", review.pk), {"summary": ""}, follow=True)
    assert "至少 2 个成员组织" in response.content.decode()
    sheet(review, a, users, [(b, 90), (c, 80)])
    sheet(review, b, users, [(a, 70), (c, 60)])
    page = client.get(url("review_detail", review.pk)).content.decode()
    assert "data-confirm" in page and url("review_close", review.pk) in page
    client.post(url("review_close", review.pk), {"summary": "良好"})
    page = client.get(url("review_detail", review.pk)).content.decode()
    assert "年度考评得分" in page and "76.67" in page
    member = login(users[a.pk])
    assert member.get(url("review_scores", review.pk, a.pk)).status_code == 302


def test_pages_404_outside_the_scope(area, township_admin, login, tree):
    from tests.conftest import _persona

    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    other = login(_persona("other_village_secretary", tree))
    for address in (url("review_detail", review.pk), url("review_list", alliance.pk),
                    url("review_scores", review.pk, orgs[0].pk)):
        assert other.get(address).status_code == 404
    # A non-member organization is not found on the member pages.
    assert login(township_admin).get(url("review_report", review.pk, tree.village_b1.pk)
                                     ).status_code == 404


def count_queries(client, address):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(address)
    assert response.status_code == 200
    return len(captured)


def test_the_review_page_keeps_its_query_count(area, township_admin, login):
    alliance, orgs, users = area
    review = services.open_review(alliance, actor=township_admin, year=YEAR)
    a, b, c = orgs
    sheet(review, a, users, [(b, 90), (c, 80)])
    client = login(township_admin)
    member = login(users[a.pk])
    addresses = [url("review_detail", review.pk), url("review_list", alliance.pk)]
    small = [count_queries(client, address) for address in addresses]
    small_sheet = count_queries(member, url("review_scores", review.pk, a.pk))
    extra = bulk_orgs([(f"o{i}", alliance.owner, f"成员企业{i}", "enterprise", {})
                       for i in range(12)])
    Membership.objects.bulk_create(Membership(alliance=alliance, org=org,
                                              joined_on=datetime.date(2025, 3, 1))
                                   for org in extra.values())
    members = [a, b, c, *extra.values()]
    PeerScore.objects.bulk_create(PeerScore(review=review, rater=rater, ratee=ratee, score=80)
                                  for rater in members for ratee in members
                                  if rater != ratee and rater != a)
    MemberReport.objects.bulk_create(MemberReport(review=review, member=org, content="述职",
                                                  reporter=None) for org in members)
    bulk_people(**{f"p{i}": {"name": f"述职人{i}", "home_org": org, "position": "书记"}
                   for i, org in enumerate(extra.values())})
    assert [count_queries(client, address) for address in addresses] == small
    assert count_queries(member, url("review_scores", review.pk, a.pk)) == small_sheet
    services.close_review(review, actor=township_admin)
    assert count_queries(client, url("review_detail", review.pk)) <= small[0]

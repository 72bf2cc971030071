"""Appeals (申诉) through the pages: the person files within the window, the assessing body
lists them open first and accepts (the quarter is scored again as a draft) or rejects with a
reason; nobody else may decide."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessment.models import Appeal, AppealStatus, QuarterScore, RunStatus, ScoringRun
from assessment.services.appeals import file_appeal
from tests.assessment.conftest import YEAR, make_activity

pytestmark = pytest.mark.django_db


def my_score(published, person):
    return QuarterScore.objects.get(run=published.run, person=person)


def appeal_url(score):
    return reverse("assessment:score_appeal", args=[score.pk])


@pytest.fixture
def appeal(published, talent, talent_person):
    return file_appeal(my_score(published, talent_person), actor=talent,
                       reason="3月20日石桥村的活动未计入")


# --- filing ----------------------------------------------------------------------------------

def test_the_score_page_offers_the_appeal_form_within_the_window(login, published, talent,
                                                                  talent_person):
    score = my_score(published, talent_person)
    body = login(talent).get(reverse("assessment:score_detail", args=[score.pk])).content
    assert b'id="appeal-form"' in body and appeal_url(score).encode() in body


def test_the_person_files_an_appeal(login, published, talent, talent_person):
    score = my_score(published, talent_person)
    response = login(talent).post(appeal_url(score), {"reason": "2月有一次活动未计入"})
    assert response.status_code == 302
    assert response["Location"] == score.get_absolute_url() + "#appeals"
    appeal = Appeal.objects.get()
    assert (appeal.person, appeal.run, appeal.status) == (talent_person, published.run,
                                                          AppealStatus.OPEN)
    page = login(talent).get(score.get_absolute_url()).content.decode()
    assert "2月有一次活动未计入" in page and "您的申诉正在处理中" in page
    assert 'id="appeal-form"' not in page


def test_an_empty_reason_is_a_form_error(login, published, talent, talent_person):
    response = login(talent).post(appeal_url(my_score(published, talent_person)), {"reason": ""})
    assert response.status_code == 200
    assert "请填写申诉理由" in response.content.decode()
    assert not Appeal.objects.exists()


def test_after_the_window_the_appeal_is_refused(login, published, talent, talent_person):
    ScoringRun.objects.filter(pk=published.run.pk).update(
        published_at=timezone.now() - datetime.timedelta(days=published.scheme.appeal_days + 1))
    score = my_score(published, talent_person)
    client = login(talent)
    response = client.post(appeal_url(score), {"reason": "太晚了"}, follow=True)
    assert "申诉期已于" in response.content.decode()
    assert not Appeal.objects.exists()
    page = client.get(score.get_absolute_url()).content.decode()
    assert 'id="appeal-form"' not in page and "申诉期已于" in page


def test_someone_else_may_not_appeal_my_score(login, published, talent_person, county_admin):
    # The county admin sees the score (assessment.view) but is not the person scored.
    response = login(county_admin).post(appeal_url(my_score(published, talent_person)),
                                        {"reason": "代为申诉"})
    assert response.status_code == 403
    assert not Appeal.objects.exists()


def test_another_persons_score_cannot_be_appealed(login, published, talent, talent_person):
    other = my_score(published, published.cadres["c1"])
    assert login(talent).post(appeal_url(other), {"reason": "x"}).status_code == 404


def test_a_draft_run_cannot_be_appealed(login, assessed, talent, talent_person):
    score = QuarterScore.objects.get(run=assessed.run, person=talent_person)
    assert login(talent).post(appeal_url(score), {"reason": "x"}).status_code == 404


# --- the assessor's list and decision ------------------------------------------------------

def test_the_list_shows_open_appeals_first(login, appeal, published, talent_person):
    older = Appeal.objects.create(run=published.run, person=published.cadres["c1"],
                                  reason="早先的申诉", status=AppealStatus.REJECTED,
                                  decision="不属实")
    Appeal.objects.filter(pk=older.pk).update(created_at=timezone.now() + datetime.timedelta(1))
    client = login(published.assessor)
    body = client.get(reverse("assessment:appeal_list")).content.decode()
    assert body.index(f"/appeals/{appeal.pk}/") < body.index(f"/appeals/{older.pk}/")
    filtered = client.get(reverse("assessment:appeal_list"), {"status": "rejected"})
    assert f"/appeals/{appeal.pk}/" not in filtered.content.decode()
    assert client.get(reverse("assessment:appeal_list"),
                      {"status": "bogus", "page": "x"}).status_code == 200


def test_the_list_is_read_in_scope_and_decided_by_the_assessing_body(login, appeal,
                                                                     county_admin, talent):
    page = login(county_admin).get(reverse("assessment:appeal_list"))
    assert page.status_code == 200 and f"/appeals/{appeal.pk}/" in page.content.decode()
    detail = login(county_admin).get(reverse("assessment:appeal_detail", args=[appeal.pk]))
    assert reverse("assessment:appeal_accept", args=[appeal.pk]) not in detail.content.decode()
    assert login(talent).get(reverse("assessment:appeal_list")).status_code == 403


def test_appeal_list_queries_are_flat(login, published, talent, talent_person):
    client = login(published.assessor)
    url = reverse("assessment:appeal_list")
    file_appeal(my_score(published, talent_person), actor=talent, reason="一")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for person in published.cadres.values():
        Appeal.objects.create(run=published.run, person=person, reason="同上")
    with CaptureQueriesContext(connection) as larger:
        client.get(url)
    assert len(larger) == len(small) <= 8


def test_the_assessor_accepts_and_the_quarter_is_scored_again(login, appeal, published, tree,
                                                              talent_person):
    # The activity the person appealed about is now in the ledger.
    make_activity(tree.village_a2, datetime.date(YEAR, 3, 20), [talent_person])
    client = login(published.assessor)
    page = client.get(appeal.get_absolute_url()).content.decode()
    assert reverse("assessment:appeal_accept", args=[appeal.pk]) in page
    response = client.post(reverse("assessment:appeal_accept", args=[appeal.pk]),
                           {"decision": "属实，重新计分"})
    assert response.status_code == 302 and response["Location"] == appeal.get_absolute_url()
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decision, appeal.decided_by) == (
        AppealStatus.ACCEPTED, "属实，重新计分", published.assessor)
    run = ScoringRun.objects.get(pk=published.run.pk)
    assert run.status == RunStatus.DRAFT
    rescored = QuarterScore.objects.get(run=run, person=talent_person)
    assert rescored.total == 30  # three months served now
    # The person does not see the draft until it is published again.
    assert client.get(appeal.get_absolute_url()).status_code == 200


def test_the_assessor_rejects_with_a_reason(login, appeal, published, talent, talent_person):
    client = login(published.assessor)
    url = reverse("assessment:appeal_reject", args=[appeal.pk])
    client.post(url, {"decision": ""})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.OPEN  # no reason, no decision
    client.post(url, {"decision": "经核实，该活动为草稿，未提交"})
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REJECTED
    assert ScoringRun.objects.get(pk=published.run.pk).status == RunStatus.PUBLISHED
    # The person reads the decision on their score page and the appeal page.
    score_page = login(talent).get(my_score(published, talent_person).get_absolute_url())
    assert "经核实，该活动为草稿，未提交" in score_page.content.decode()
    assert login(talent).get(appeal.get_absolute_url()).status_code == 200


def test_a_decided_appeal_cannot_be_decided_again(login, appeal, published):
    client = login(published.assessor)
    client.post(reverse("assessment:appeal_reject", args=[appeal.pk]), {"decision": "不属实"})
    response = client.post(reverse("assessment:appeal_accept", args=[appeal.pk]),
                           {"decision": "改主意了"}, follow=True)
    assert "该申诉已处理" in response.content.decode()
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.REJECTED


@pytest.mark.parametrize("persona, status", [
    ("county_admin", 403), ("leader", 403), ("township_admin", 404), ("talent", 404),
    ("outsider", 404)])
def test_only_the_assessing_body_decides(request, login, appeal, talent_person, persona,
                                         status):
    user = request.getfixturevalue(persona)
    response = login(user).post(reverse("assessment:appeal_accept", args=[appeal.pk]),
                                {"decision": "受理"})
    assert response.status_code == status
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.OPEN


def test_appeal_detail_scope(login, appeal, talent, leader, township_admin, outsider):
    url = appeal.get_absolute_url()
    assert login(talent).get(url).status_code == 200
    assert reverse("assessment:appeal_accept", args=[appeal.pk]) not in \
        login(talent).get(url).content.decode()
    assert login(leader).get(url).status_code == 200
    assert login(township_admin).get(url).status_code == 404
    assert login(outsider).get(url).status_code == 404

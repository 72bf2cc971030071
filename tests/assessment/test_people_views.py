"""我的考核, a score explained and a grade: who sees what (own published scores through the
person's account, assessment.view in scope), the rows behind the points, query counts."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.explain import explain, source_rows
from assessment.models import QuarterScore, ScoreItem
from assessment.services.entries import rate_talent
from assessment.services.grading import grade_year, submit_grading
from assessment.services.scoring import publish_run, score_quarter
from assessment.views import evaluations as evaluation_views
from portal.transient import BUSY_MESSAGE
from tests.assessment.conftest import YEAR, make_activity
from tests.factories import grant

pytestmark = pytest.mark.django_db


def score_of(person, run):
    return QuarterScore.objects.get(run=run, person=person)


def score_url(score):
    return reverse("assessment:score_detail", args=[score.pk])


# --- 我的考核 ----------------------------------------------------------------------------------

def test_my_assessment_shows_my_published_quarter_and_what_counts(login, published, talent,
                                                                   talent_person):
    response = login(talent).get(reverse("assessment:my_assessment"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "第 1 名 / 共 4 人" in body
    assert score_url(score_of(talent_person, published.run)) in body
    assert "每月参加村级服务活动" in body and "每 1 计 10 分，最高 30 分" in body
    assert "004 四.四.2" in body  # the metric's basis


def test_my_assessment_hides_a_draft_quarter(login, assessed, talent, talent_person):
    response = login(talent).get(reverse("assessment:my_assessment"))
    assert response.status_code == 200
    assert score_url(score_of(talent_person, assessed.run)) not in response.content.decode()
    assert "还没有已发布的季度排位" in response.content.decode()


def test_my_assessment_without_a_linked_person(login, talent, tree):
    response = login(talent).get(reverse("assessment:my_assessment"))
    assert response.status_code == 200
    assert "尚未关联人员信息" in response.content.decode()


def test_home_panel_shows_my_latest_score_and_rank(login, published, talent, talent_person):
    response = login(talent).get(reverse("portal:home"))
    body = response.content.decode()
    assert 'data-panel="assessment_talent"' in body
    assert "20" in body and "排位 · 共 4 人" in body
    assert score_url(score_of(talent_person, published.run)) in body


# --- scope ----------------------------------------------------------------------------------

def test_the_person_sees_their_published_score(login, published, talent, talent_person):
    response = login(talent).get(score_url(score_of(talent_person, published.run)))
    assert response.status_code == 200
    assert "第 1 名" in response.content.decode()


def test_another_persons_score_is_not_found(login, published, talent, talent_person):
    other = score_of(published.cadres["c1"], published.run)
    assert login(talent).get(score_url(other)).status_code == 404


def test_the_person_cannot_see_a_draft_run(login, assessed, talent, talent_person):
    assert login(talent).get(score_url(score_of(talent_person, assessed.run))).status_code == 404


@pytest.mark.parametrize("persona, status", [
    ("county_admin", 200), ("leader", 200), ("township_admin", 404),
    ("village_secretary", 404), ("unit_contact", 404), ("outsider", 404)])
def test_viewers_by_scope(request, login, assessed, people, persona, status):
    user = request.getfixturevalue(persona)
    assert login(user).get(score_url(score_of(people.unit, assessed.run))).status_code == status


def test_the_assessor_sees_drafts_of_their_body(login, assessed, people):
    response = login(assessed.assessor).get(score_url(score_of(people.unit, assessed.run)))
    assert response.status_code == 200


def test_an_assessor_of_another_body_does_not(login, assessed, people, tree):
    from django.contrib.auth import get_user_model

    from tests.factories import add_org, password_hash

    body = add_org(tree.county, "工业园区", "park", code="P0090")
    stranger = get_user_model().objects.create(username="other_assessor",
                                               password=password_hash())
    grant(stranger, body, "assessor")
    response = login(stranger).get(score_url(score_of(people.unit, assessed.run)))
    assert response.status_code == 404


def test_unknown_score_is_not_found(login, assessed):
    assert login(assessed.assessor).get(
        reverse("assessment:score_detail", args=[999999])).status_code == 404


# --- explain ----------------------------------------------------------------------------------

def test_explain_lists_the_activities_behind_the_points_and_not_others(login, published, tree,
                                                                        people, talent,
                                                                        talent_person):
    mine = published.activities[:2]
    others = [published.activities[2],  # 吴二's draft
              make_activity(tree.village_a2, datetime.date(YEAR, 3, 20), [published.cadres["c1"]],
                            title="周一的活动")]
    body = login(talent).get(score_url(score_of(talent_person, published.run))).content.decode()
    for activity in mine:
        assert f'data-source="activity-{activity.pk}"' in body
    assert "2025年1月10日" in body and "2025年2月12日" in body and "青山村" in body
    for activity in others:
        assert f'data-source="activity-{activity.pk}"' not in body
    assert "周一的活动" not in body
    # A talent has no ledger.view on the village: the row is there, not a link to it.
    for activity in mine:
        assert reverse("ledger:activity_detail", args=[activity.pk]) not in body


def test_explain_links_rows_the_viewer_may_open(login, assessed, people, county_admin):
    body = login(county_admin).get(
        score_url(score_of(people.unit, assessed.run))).content.decode()
    for activity in assessed.activities[:2]:
        assert reverse("ledger:activity_detail", args=[activity.pk]) in body


def test_source_rows_mark_visibility_per_row(assessed, village_secretary, talent,
                                             other_village_secretary):
    ids = [a.pk for a in assessed.activities]
    assert all(row.url for row in source_rows("activity", ids, village_secretary).values())
    assert not any(row.url for row in source_rows("activity", ids, talent).values())
    assert not any(row.url for row in source_rows("activity", ids,
                                                  other_village_secretary).values())
    assert source_rows("activity", [], talent) == {}
    assert source_rows("nothing", ids, talent) == {}


def test_explain_fetches_one_query_per_source_model(assessed, people, county_admin):
    items = list(ScoreItem.objects.filter(score__person=people.unit).select_related("indicator"))
    with CaptureQueriesContext(connection) as queries:
        explained = explain(items, county_admin)
    # Only months_served has rows here (claims and evaluations none): one query, plus roles.
    assert len(queries) <= 2
    months = next(e for e in explained if e.indicator.code == "months_served")
    assert [row.pk for row in months.rows] == [a.pk for a in assessed.activities[:2]]
    assert months.missing == 0


def test_a_deleted_source_row_is_counted_not_shown(assessed, people, county_admin):
    from ledger.models import Activity

    item = ScoreItem.objects.select_related("indicator").get(
        score__person=people.unit, indicator__code="months_served")
    Activity.objects.filter(pk=assessed.activities[1].pk).delete()
    (explained,) = explain([item], county_admin)
    assert [row.pk for row in explained.rows] == [assessed.activities[0].pk]
    assert explained.missing == 1


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_score_detail_queries_do_not_grow_with_rows(login, assessed, tree, people):
    client = login(assessed.assessor)
    url = score_url(score_of(people.unit, assessed.run))
    client.get(url)
    before = _count(client, url)
    for day in (5, 6, 7, 8, 9, 11):
        make_activity(tree.village_a2, datetime.date(YEAR, 3, day), [people.unit])
    score_quarter(assessed.scheme, 1)
    url = score_url(score_of(people.unit, assessed.run))
    assert _count(client, url) == before
    assert before <= 12


def test_my_assessment_queries_do_not_grow_with_quarters(login, published, talent,
                                                         talent_person):
    client = login(talent)
    url = reverse("assessment:my_assessment")
    client.get(url)
    before = _count(client, url)
    for quarter in (2, 3):
        publish_run(score_quarter(published.scheme, quarter), actor=published.assessor)
    assert _count(client, url) == before


# --- annual grade -------------------------------------------------------------------------------

@pytest.fixture
def graded(published):
    for quarter in (2, 3, 4):
        publish_run(score_quarter(published.scheme, quarter), actor=published.assessor)
    published.grading = grade_year(published.scheme, actor=published.assessor)
    return published


def grade_url(grading, person):
    return reverse("assessment:grade_detail", args=[grading.grades.get(person=person).pk])


def test_a_preview_grade_is_not_shown_to_the_person(login, graded, talent, talent_person):
    assert login(talent).get(grade_url(graded.grading, talent_person)).status_code == 404
    body = login(talent).get(reverse("assessment:my_assessment")).content.decode()
    assert "年度等次报送县委组织部后在此显示" in body


def test_a_submitted_grade_shows_quarters_and_annual_items(login, graded, talent,
                                                           talent_person):
    submit_grading(graded.grading, actor=graded.assessor)
    client = login(talent)
    response = client.get(grade_url(graded.grading, talent_person))
    assert response.status_code == 200
    body = response.content.decode()
    assert "优秀" in body  # 陈农业 is first of four, within the 20% cap
    assert "综合性评价" in body and "加分事项" in body  # the annual indicators
    for quarter in QuarterScore.objects.filter(person=talent_person, run__scheme=graded.scheme):
        assert score_url(quarter) in body
    assert "本县规定" in body
    assert grade_url(graded.grading, talent_person) in client.get(
        reverse("assessment:my_assessment")).content.decode()


def test_another_persons_grade_is_not_found(login, graded, talent, talent_person):
    submit_grading(graded.grading, actor=graded.assessor)
    other = grade_url(graded.grading, graded.cadres["c1"])
    assert login(talent).get(other).status_code == 404


def test_grade_detail_for_viewers_in_scope(login, graded, people, leader, township_admin):
    url = grade_url(graded.grading, people.unit)
    assert login(leader).get(url).status_code == 200
    assert login(township_admin).get(url).status_code == 404


# --- 人才评价: the village rates the talents who served it -----------------------------------

def ratings_url(year=YEAR, quarter=1):
    return reverse("assessment:evaluation_list") + f"?year={year}&quarter={quarter}"


def rate(client, village, person, rating, **extra):
    return client.post(reverse("assessment:evaluation_rate"), {
        "village": village.pk, "person": person.pk, "year": YEAR, "quarter": 1,
        "rating": rating}, **extra)


def test_the_village_sees_the_talents_who_served_it(login, assessed, tree, people,
                                                    village_secretary):
    body = login(village_secretary).get(ratings_url()).content.decode()
    assert f'id="talent-{people.unit.pk}"' in body  # 陈农业
    assert f'id="talent-{assessed.cadres["c1"].pk}"' in body  # 周一
    # 吴二's only activity is a draft; 郑三 never came; the village's own people are no talents.
    assert f'id="talent-{assessed.cadres["c2"].pk}"' not in body
    assert f'id="talent-{assessed.cadres["c3"].pk}"' not in body
    assert f'id="talent-{people.a1.pk}"' not in body
    assert "本季度还没有城市人才" in login(village_secretary).get(
        ratings_url(quarter=2)).content.decode()


def test_one_tap_saves_the_rating(login, assessed, tree, people, village_secretary):
    from assessment.models import TalentEvaluation

    client = login(village_secretary)
    response = rate(client, tree.village_a1, people.unit, 5)
    assert response.status_code == 302
    evaluation = TalentEvaluation.objects.get()
    assert (evaluation.person, evaluation.rating, evaluation.rated_by) == (
        people.unit, 5, village_secretary)
    body = client.get(ratings_url()).content.decode()
    row = body[body.index(f'id="talent-{people.unit.pk}"'):]
    assert 'value="5" class="btn btn-sm btn-party"' in row[:row.index("</form>")]
    rate(client, tree.village_a1, people.unit, 4)
    assert TalentEvaluation.objects.get().rating == 4


def test_a_rating_is_saved_through_the_retry(login, assessed, tree, people, village_secretary,
                                             monkeypatch, always_busy):
    from assessment.models import TalentEvaluation

    monkeypatch.setattr(evaluation_views, "retrying", always_busy)
    response = rate(login(village_secretary), tree.village_a1, people.unit, 5)
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "未能保存评价：" + BUSY_MESSAGE]
    assert always_busy.called == [rate_talent]
    assert not TalentEvaluation.objects.exists()  # what the service wrote went with the conflict


def test_an_htmx_tap_returns_the_row(login, assessed, tree, people, village_secretary):
    response = rate(login(village_secretary), tree.village_a1, people.unit, 3,
                    HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.startswith(f'<div class="list-group-item" id="talent-{people.unit.pk}"')
    assert "已保存" in body


def test_a_talent_who_did_not_serve_cannot_be_rated(login, assessed, tree, village_secretary):
    from assessment.models import TalentEvaluation

    response = rate(login(village_secretary), tree.village_a1, assessed.cadres["c3"], 5)
    assert response.status_code == 302
    assert not TalentEvaluation.objects.exists()


def test_another_village_cannot_be_rated_for(login, assessed, tree, people,
                                             other_village_secretary):
    from assessment.models import TalentEvaluation

    rate(login(other_village_secretary), tree.village_a1, people.unit, 5)
    assert not TalentEvaluation.objects.exists()


def test_bad_input_is_a_message_not_an_error(login, assessed, tree, people, village_secretary):
    client = login(village_secretary)
    response = rate(client, tree.village_a1, people.unit, 9, follow=True)
    assert response.status_code == 200 and "请选择评价等次" in response.content.decode()
    assert client.get(reverse("assessment:evaluation_list") + "?year=x&quarter=9&village=y"
                      ).status_code == 200


@pytest.mark.parametrize("persona", ["county_admin", "township_admin", "talent", "outsider"])
def test_ratings_are_for_villages(request, login, tree, persona):
    user = request.getfixturevalue(persona)
    assert login(user).get(reverse("assessment:evaluation_list")).status_code == 403


def test_ratings_page_queries_are_flat(login, assessed, tree, people, village_secretary):
    client = login(village_secretary)
    client.get(ratings_url())
    with CaptureQueriesContext(connection) as small:
        client.get(ratings_url())
    from tests.factories import bulk_people

    more = bulk_people(**{f"t{i}": {"name": f"人才{i}", "home_org": tree.unit,
                                    "is_city_talent": True} for i in range(6)})
    make_activity(tree.village_a1, datetime.date(YEAR, 2, 2), list(more.values()))
    with CaptureQueriesContext(connection) as larger:
        body = client.get(ratings_url()).content.decode()
    assert "人才5" in body
    assert len(larger) == len(small) <= 8

"""Annual grading pages: the preview job and why it is refused, the grading page's figures (N,
quota, 差 with reasons, over quota, 优秀 本县规定), submit → file / return, grade changes held to
the 10% floor, the county overview, scope and query counts."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import AnnualGrade, Enrolment, Grading, GradingStatus
from assessment.services.grading import grade_year, submit_grading
from assessment.services.scoring import publish_run, score_quarter
from assessment.views import gradings as grading_views
from portal.models import Job
from tests.factories import add_org, bulk_people, grant, password_hash

pytestmark = pytest.mark.django_db


def publish_all(assessed):
    """Score and publish the quarters after the first (published by the fixture)."""
    for quarter in assessed.scheme.quarters()[1:]:
        publish_run(score_quarter(assessed.scheme, quarter), actor=assessed.assessor)


@pytest.fixture
def gradable(published):
    publish_all(published)
    return published


@pytest.fixture
def graded(gradable):
    gradable.grading = grade_year(gradable.scheme, actor=gradable.assessor)
    return gradable


@pytest.fixture
def submitted(graded):
    graded.grading = submit_grading(graded.grading, actor=graded.assessor)
    return graded


@pytest.fixture
def other_assessor(tree):
    body = add_org(tree.county, "工业园区", "park", code="P0091")
    user = get_user_model().objects.create(username="park_assessor", password=password_hash())
    grant(user, body, "assessor")
    return user


def follow_messages(client, response):
    return [str(m) for m in client.get(response["Location"]).context["messages"]][::-1]


def test_preview_is_disabled_with_the_reason_until_every_quarter_is_published(login, published):
    client = login(published.assessor)
    text = client.get(published.scheme.get_absolute_url()).content.decode()
    assert "评定等次（预览）" in text and "第2季度、第3季度、第4季度排位尚未发布" in text
    response = client.post(reverse("assessment:grading_start", args=[published.scheme.pk]))
    assert "尚未发布" in follow_messages(client, response)[0]
    assert not Job.objects.exists()


def test_preview_is_refused_without_an_excellent_rule(login, gradable):
    gradable.scheme.excellent_max_ratio = None
    gradable.scheme.save()
    client = login(gradable.assessor)
    assert "本县规定" in client.get(gradable.scheme.get_absolute_url()).content.decode()
    response = client.post(reverse("assessment:grading_start", args=[gradable.scheme.pk]))
    assert "未规定“优秀”等次" in follow_messages(client, response)[0]


def test_the_assessor_starts_the_preview_job(login, gradable,
                                             django_capture_on_commit_callbacks):
    client = login(gradable.assessor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("assessment:grading_start", args=[gradable.scheme.pk]))
    job = Job.objects.get(owner=gradable.assessor)
    assert response["Location"] == reverse("portal:job_detail", args=[job.uuid])
    grading = Grading.objects.get(scheme=gradable.scheme)
    assert grading.cohort_size == 4


def test_preview_needs_the_assessing_body(login, gradable, county_admin, other_assessor):
    url = reverse("assessment:grading_start", args=[gradable.scheme.pk])
    assert login(county_admin).post(url).status_code == 403
    assert login(other_assessor).post(url).status_code == 404


def test_grading_page_shows_quota_poor_reasons_and_over_quota(login, graded, county_admin):
    # 陈农业 leads; 周一 next; 吴二 and 郑三 tie at the bottom: quota ceil(0.4) = 1, the tie is
    # not split, so both are 差 and one is over the quota.
    grading = graded.grading
    assert (grading.poor_quota, grading.over_quota) == (1, 1)
    page = login(graded.assessor).get(grading.get_absolute_url())
    text = page.content.decode()
    assert page.status_code == 200
    assert "总人数（个数）N" in text and "本县规定" in text and "最多 0 人" in text
    poor = AnnualGrade.objects.filter(grading=grading, grade="poor")
    reasons = {g.person.name: g.get_poor_reason_display() for g in poor}
    for name, reason in reasons.items():
        assert name in text and reason in text
    assert sorted(reasons) == ["吴二", "郑三"]
    assert "因同分超出比例 1 人" in text
    assert reverse("assessment:grading_submit", args=[grading.pk]) in text
    assert reverse("assessment:grading_file", args=[grading.pk]) not in text
    assert login(county_admin).get(grading.get_absolute_url()).status_code == 200


def test_grading_page_searches_and_filters(login, graded):
    client = login(graded.assessor)
    url = graded.grading.get_absolute_url()
    text = client.get(url, {"q": "陈"}).content.decode().split('id="grade-table"')[1]
    assert "陈农业" in text and "周一" not in text
    text = client.get(url, {"grade": "poor"}).content.decode().split('id="grade-table"')[1]
    assert "陈农业" not in text
    assert client.get(url, {"grade": "bogus", "page": "x"}).status_code == 200


def test_grading_scope(login, graded, other_assessor, township_admin, talent):
    url = graded.grading.get_absolute_url()
    for user in (other_assessor, township_admin, talent):
        assert login(user).get(url).status_code == 404


def test_submit_then_file(login, graded, county_admin):
    submit = reverse("assessment:grading_submit", args=[graded.grading.pk])
    file = reverse("assessment:grading_file", args=[graded.grading.pk])
    assert login(county_admin).post(submit).status_code == 403  # 组织部 does not submit
    assert login(graded.assessor).post(submit).status_code == 302
    assert login(graded.assessor).post(file).status_code == 403  # nor the body file
    response = login(county_admin).post(file)
    assert response.status_code == 302
    graded.grading.refresh_from_db()
    assert graded.grading.status == GradingStatus.FILED and graded.grading.filed_by == county_admin


def test_return_needs_a_reason(login, submitted, county_admin, leader):
    url = reverse("assessment:grading_return", args=[submitted.grading.pk])
    assert login(leader).post(url, {"reason": "x"}).status_code == 403
    client = login(county_admin)
    refused = client.post(url, {"reason": ""})
    assert "请填写退回原因" in follow_messages(client, refused)[0]
    client.post(url, {"reason": "比例核对有误"})
    submitted.grading.refresh_from_db()
    assert submitted.grading.status == GradingStatus.PREVIEW
    assert submitted.grading.return_reason == "比例核对有误"
    assert "比例核对有误" in client.get(submitted.grading.get_absolute_url()).content.decode()


def test_change_grade_needs_a_reason_and_keeps_the_floor(login, graded, county_admin):
    client = login(county_admin)
    top = AnnualGrade.objects.filter(grading=graded.grading).order_by("rank").first()
    url = reverse("assessment:grade_change", args=[top.pk])
    refused = client.post(url, {"grade": "poor", "reason": ""})
    assert "调整等次须填写理由" in follow_messages(client, refused)[0]
    top.refresh_from_db()
    assert top.grade != "poor"
    assert client.post(url, {"grade": "poor", "reason": "违反纪律"}).status_code == 302
    top.refresh_from_db()
    assert top.grade == "poor" and top.change_reason == "违反纪律"
    # Raising every computed 差 to 良好 would leave fewer than the quota: refused, with why.
    poor = list(AnnualGrade.objects.filter(grading=graded.grading, grade="poor")
                .exclude(pk=top.pk))
    for grade in poor:
        client.post(reverse("assessment:grade_change", args=[grade.pk]),
                    {"grade": "good", "reason": "复核"})
    last = reverse("assessment:grade_change", args=[top.pk])
    refused = client.post(last, {"grade": "good", "reason": "复核"})
    assert "少于总人数的10%" in follow_messages(client, refused)[0]
    top.refresh_from_db()
    assert top.grade == "poor"


def test_change_grade_permissions(login, graded, leader, county_admin, other_assessor):
    grade = AnnualGrade.objects.filter(grading=graded.grading).first()
    url = reverse("assessment:grade_change", args=[grade.pk])
    assert login(leader).post(url, {"grade": "good", "reason": "x"}).status_code == 403
    assert login(other_assessor).post(url, {"grade": "good", "reason": "x"}).status_code == 404
    graded.grading.status = GradingStatus.FILED
    graded.grading.save()
    # After filing only 组织部 changes a grade.
    assert login(graded.assessor).post(url, {"grade": "good", "reason": "x"}).status_code == 403
    text = login(graded.assessor).get(graded.grading.get_absolute_url()).content.decode()
    assert "调整等次" not in text
    assert "调整等次" in login(county_admin).get(graded.grading.get_absolute_url()).content.decode()


def test_overview_lists_every_cohort_for_the_county(login, graded, county_admin, leader):
    url = reverse("assessment:grading_overview")
    page = login(county_admin).get(url, {"year": "2025"})
    text = page.content.decode()
    assert page.status_code == 200
    assert graded.scheme.name in text and "未报送 1 个" in text
    assert login(county_admin).get(url, {"year": "1900"}).status_code == 200
    assert login(leader).get(url).status_code == 403
    assert login(graded.assessor).get(url).status_code == 403


def test_overview_flags_gradings_not_filed_by_the_end_of_january(login, graded, county_admin):
    url = reverse("assessment:grading_overview")
    assert graded.scheme.filing_deadline == datetime.date(2026, 1, 31)
    text = login(county_admin).get(url, {"year": "2025"}).content.decode()
    assert "已过备案截止（2026年1月31日）" in text  # today is past it and nothing is filed


def test_grading_page_query_count_is_flat(login, graded, tree, monkeypatch):
    extra = bulk_people(**{f"x{i}": {"name": f"增{i}", "home_org": tree.unit, "is_cadre": True}
                           for i in range(12)})
    Enrolment.objects.bulk_create([
        Enrolment(action=graded.action, year=2025, person=p, org=tree.unit,
                  start_date=datetime.date(2025, 1, 1)) for p in extra.values()])
    grade_year(graded.scheme, actor=graded.assessor)
    client = login(graded.assessor)
    url = graded.grading.get_absolute_url()
    client.get(url)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    monkeypatch.setattr(grading_views, "GRADES_PAGE", 3)
    few = count()
    monkeypatch.setattr(grading_views, "GRADES_PAGE", 50)
    many = count()
    assert few == many <= 12, (few, many)

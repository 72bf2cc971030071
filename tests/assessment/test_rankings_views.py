"""考核排名: the page (cohorts × quarters, only what is published, the grade distribution, year
selector, empty states), the downloads (scope 404, capability 403, a job whose file downloads),
the leader's home panel and the navigation item; query counts flat as cohorts and people grow.
"""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Enrolment, Grading, GradingStatus
from assessment.services.grading import grade_year, submit_grading
from assessment.services.schemes import create_default_scheme
from assessment.services.scoring import publish_run, score_quarter
from portal.models import Job
from tests.assessment.conftest import YEAR
from tests.factories import bulk_people

PAGE = reverse("assessment:rankings")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Jobs are sent when the request's transaction commits: run them then."""
    return django_capture_on_commit_callbacks


@pytest.fixture
def submitted(published):
    for quarter in (2, 3, 4):
        publish_run(score_quarter(published.scheme, quarter), actor=published.assessor)
    published.grading = submit_grading(grade_year(published.scheme), actor=published.assessor)
    return published


def export_url(run):
    return reverse("assessment:ranking_export", args=[run.pk])


# ---------------------------------------------------------------- the page


def test_leader_sees_published_quarters_with_downloads(login, leader, published):
    response = login(leader).get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    scheme = published.scheme
    assert str(scheme) in html
    assert export_url(published.run) in html
    row = response.context["cohorts"][0]
    assert [cell.quarter for cell in row.quarters] == [1, 2, 3, 4]
    assert row.quarters[0].run == published.run
    assert all(cell.run is None for cell in row.quarters[1:])
    assert "未发布" in html and "尚未报送" in html
    assert not response.context["has_chart"]


def test_drafts_and_previews_are_not_shown(login, leader, assessed):
    grade_preview = Grading.objects.create(scheme=assessed.scheme, cohort_size=4)
    response = login(leader).get(PAGE)
    html = response.content.decode()
    assert export_url(assessed.run) not in html
    assert reverse("assessment:grades_export", args=[grade_preview.pk]) not in html
    assert "还没有发布的季度排名或报送的年度等次" in html


def test_grade_distribution_of_a_submitted_grading(login, leader, submitted):
    response = login(leader).get(PAGE)
    assert response.context["has_chart"]
    chart = json.loads(response.content.decode().split('id="grades-chart-data"')[1]
                       .split(">", 1)[1].split("</script>")[0])
    assert chart["cohorts"] == [f"{submitted.scheme.name}（县乡村振兴局）"]
    assert {s["name"]: s["data"] for s in chart["series"]} == {"优秀": [0], "良好": [2],
                                                                "差": [2]}
    html = response.content.decode()
    assert reverse("assessment:grades_export", args=[submitted.grading.pk]) in html
    assert "echarts.min.js" in html and "assessment-rankings.js" in html


def test_year_selector_and_bad_input(login, leader, published, county_admin):
    create_default_scheme(actor=county_admin, year=YEAR + 1, assessing_body=published.body,
                          target_kind="township")
    client = login(leader)
    newest = client.get(PAGE)
    assert newest.context["years"] == [YEAR + 1, YEAR]
    assert newest.context["year"] == YEAR + 1  # the latest year by default
    assert client.get(PAGE, {"year": YEAR}).context["year"] == YEAR
    for bad in ("abc", "99999", "-1", ""):
        response = client.get(PAGE, {"year": bad})
        assert response.status_code == 200 and response.context["year"] == YEAR + 1


def test_empty_state_without_schemes(login, leader, tree):
    response = login(leader).get(PAGE)
    assert response.status_code == 200
    assert "您的范围内没有考核方案" in response.content.decode()


def test_township_admin_sees_no_county_cohort(login, township_admin, published):
    response = login(township_admin).get(PAGE)
    assert response.status_code == 200 and response.context["cohorts"] == []


def test_assessor_sees_their_bodys_cohorts(login, published):
    response = login(published.assessor).get(PAGE)
    assert response.status_code == 200
    assert [c.scheme for c in response.context["cohorts"]] == [published.scheme]


@pytest.mark.parametrize("persona", ["village_secretary", "unit_contact", "talent", "outsider"])
def test_roles_without_assessment_view_get_403(login, request, persona, published):
    user = request.getfixturevalue(persona)
    assert login(user).get(PAGE).status_code == 403


def test_page_query_count_is_flat(login, leader, published, tree, county_admin):
    client = login(leader)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as small:
        client.get(PAGE)
    # More cohorts (three more schemes, two published quarters) and more people.
    extra = bulk_people(**{f"x{i}": {"name": f"新人{i}", "home_org": tree.unit, "is_cadre": True}
                           for i in range(15)})
    Enrolment.objects.bulk_create([
        Enrolment(action=published.action, year=YEAR, person=p, org=tree.unit,
                  start_date=datetime.date(YEAR, 1, 1)) for p in extra.values()])
    publish_run(score_quarter(published.scheme, 2), actor=published.assessor)
    for kind in ("village", "unit", "township"):
        scheme = create_default_scheme(actor=county_admin, year=YEAR,
                                       assessing_body=published.body, target_kind=kind)
        if kind != "township":
            publish_run(score_quarter(scheme, 1), actor=published.assessor)
    Grading.objects.create(scheme=published.scheme, status=GradingStatus.SUBMITTED)
    with CaptureQueriesContext(connection) as large:
        response = client.get(PAGE)
    assert len(response.context["cohorts"]) == 4
    assert len(large) == len(small) + 1  # + the grade counts, now that a grading is shown
    assert len(large) <= 12


# ---------------------------------------------------------------- downloads


def test_leader_downloads_a_quarterly_ranking(login, leader, published, media, run_jobs):
    client = login(leader)
    with run_jobs(execute=True):
        response = client.post(export_url(published.run), {"format": "xlsx"})
    job = Job.objects.get(owner=leader)
    assert response.status_code == 302
    assert response.url == reverse("portal:job_detail", kwargs={"job_uuid": job.uuid})
    job.refresh_from_db()
    assert job.succeeded, job.error
    assert job.kind == "assessment_ranking" and job.scope_org == published.body
    download = client.get(reverse("portal:download", args=[job.output.uuid]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    assert b"".join(download.streaming_content)[:2] == b"PK"


def test_grades_download_as_pdf(login, leader, submitted, media, run_jobs):
    with run_jobs(execute=True):
        response = login(leader).post(
            reverse("assessment:grades_export", args=[submitted.grading.pk]),
            {"format": "pdf"})
    assert response.status_code == 302
    job = Job.objects.get(owner=leader)
    assert job.succeeded and job.output.mimetype == "application/pdf"


def test_assessor_downloads_their_bodys_ranking(login, published, media, run_jobs):
    with run_jobs(execute=True):
        response = login(published.assessor).post(export_url(published.run),
                                                  {"format": "pdf"})
    assert response.status_code == 302
    assert Job.objects.get(owner=published.assessor).succeeded


def test_out_of_scope_unpublished_and_missing_are_404(login, leader, township_admin, assessed,
                                                      media):
    assert login(leader).post(export_url(assessed.run), {"format": "pdf"}).status_code == 404
    publish_run(assessed.run, actor=assessed.assessor)
    assert login(township_admin).post(export_url(assessed.run),
                                      {"format": "pdf"}).status_code == 404
    missing = reverse("assessment:ranking_export", args=[999999])
    assert login(leader).post(missing, {"format": "pdf"}).status_code == 404
    assert not Job.objects.exists()


def test_bad_format_goes_back_with_a_message(login, leader, published):
    response = login(leader).post(export_url(published.run), {"format": "doc"}, follow=True)
    assert response.redirect_chain[-1][0] == PAGE
    assert "请选择下载格式（PDF 或 Excel）" in response.content.decode()
    assert not Job.objects.exists()


def test_get_on_a_download_is_refused(login, leader, published):
    assert login(leader).get(export_url(published.run)).status_code == 405


# ---------------------------------------------------------------- panel and navigation


def test_leader_panel_lists_the_latest_rankings_and_distribution(login, leader, submitted):
    response = login(leader).get(reverse("portal:home"))
    html = response.content.decode()
    assert 'data-panel="assessment_rankings"' in html
    assert f"{YEAR}年第4季度" in html
    assert "良好 2" in html and "差 2" in html
    assert reverse("assessment:rankings") in html


def test_leader_panel_empty_state(login, leader, tree):
    html = login(leader).get(reverse("portal:home")).content.decode()
    assert 'data-panel="assessment_rankings"' in html
    assert "还没有发布的考核排名" in html


def test_panel_query_count_is_flat(login, leader, submitted, county_admin):
    client = login(leader)
    client.get(reverse("portal:home"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("portal:home"))
    for kind in ("village", "unit"):
        scheme = create_default_scheme(actor=county_admin, year=YEAR,
                                       assessing_body=submitted.body, target_kind=kind)
        publish_run(score_quarter(scheme, 1), actor=submitted.assessor)
    with CaptureQueriesContext(connection) as after:
        client.get(reverse("portal:home"))
    assert len(after) == len(before)


def test_navigation_item_for_those_who_may_view(login, leader, village_secretary, tree):
    assert "考核排名" in login(leader).get(reverse("portal:home")).content.decode()
    assert "考核排名" not in login(village_secretary).get(
        reverse("portal:home")).content.decode()

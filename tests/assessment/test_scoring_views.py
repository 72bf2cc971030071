"""Scheme, run and entries-grid pages: scope (404 outside it, 403 without the capability),
the happy paths of 组织部 and the assessing body, refusals shown as messages or row errors,
and query counts that do not follow the rows shown."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import (
    Enrolment,
    Indicator,
    RunStatus,
    Scheme,
    ScoreEntry,
    ScoringRun,
)
from assessment.services.entries import record_entry
from assessment.views import entries as entry_views
from assessment.views import runs as run_views
from portal.models import Job
from portal.transient import BUSY_MESSAGE
from tests.factories import add_org, bulk_people, grant, password_hash

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name="证明.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def other_assessor(tree):
    """The assessor of another body (工业园区): none of the 乡村振兴局's schemes are theirs."""
    body = add_org(tree.county, "工业园区", "park", code="P0090")
    user = get_user_model().objects.create(username="park_assessor", password=password_hash())
    grant(user, body, "assessor")
    return user


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client, response):
    """The messages shown on the page the response redirects to, newest first."""
    return [str(m) for m in client.get(response["Location"]).context["messages"]][::-1]


# --- Schemes


def test_scheme_list_filters_by_scope(login, assessed, county_admin, township_admin,
                                      other_assessor):
    url = reverse("assessment:scheme_list")
    assert assessed.scheme.name in login(county_admin).get(url).content.decode()
    assert assessed.scheme.name in login(assessed.assessor).get(url).content.decode()
    assert assessed.scheme.name not in login(other_assessor).get(url).content.decode()
    assert assessed.scheme.name not in login(township_admin).get(url).content.decode()
    filtered = login(county_admin).get(url, {"year": "2025", "target_kind": "unit"})
    assert assessed.scheme.name not in filtered.content.decode()
    assert login(county_admin).get(url, {"year": "abc", "assessing_body": "x"}).status_code == 200


def test_scheme_detail_shows_the_scoring_table_and_rules(login, assessed):
    page = login(assessed.assessor).get(assessed.scheme.get_absolute_url())
    text = page.content.decode()
    assert page.status_code == 200
    assert "考核明细表" in text and "每月参加村级服务活动" in text
    assert "每 1 计 10 分，最高 30 分" in text  # describe_rule
    assert "本县规定" in text and "不超过总人数的20%" in text
    assert "不低于总人数的10%" in text
    assert "每月参加村级服务活动 → 线上认领需求按期完成" in text  # tie-break by name
    assert "no-excellent-rule" not in text
    assert "第1季度" in text and "重新计分" in text and "发布排位" in text
    assert "第2季度、第3季度、第4季度排位尚未发布" in text  # why grading is disabled
    assert "disabled" in text


def test_scheme_without_excellent_rule_warns(login, assessed, county_admin):
    Scheme.objects.filter(pk=assessed.scheme.pk).update(excellent_max_ratio=None)
    text = login(county_admin).get(assessed.scheme.get_absolute_url()).content.decode()
    assert "no-excellent-rule" in text and "年度等次评定将被拒绝" in text


def test_scheme_detail_scope(login, assessed, township_admin, other_assessor, talent):
    url = assessed.scheme.get_absolute_url()
    for user in (township_admin, other_assessor, talent):
        assert login(user).get(url).status_code == 404


def test_county_admin_creates_a_scheme_from_the_default_table(login, assessed, county_admin):
    client = login(county_admin)
    url = reverse("assessment:scheme_create")
    assert client.get(url).status_code == 200
    response = client.post(url, {"year": "2025", "assessing_body": assessed.body.pk,
                                 "target_kind": "village", "start_date": "2025-09-01",
                                 "end_date": "2025-12-31"})
    scheme = Scheme.objects.get(target_kind="village")
    assert response.status_code == 302 and response["Location"] == scheme.get_absolute_url()
    assert scheme.indicators.count() == 4 and scheme.quarters() == [3, 4]
    # A person scheme needs its action; dates outside the year are refused on the form.
    refused = client.post(url, {"year": "2025", "assessing_body": assessed.body.pk,
                                "target_kind": "person", "start_date": "2024-12-01"})
    assert refused.status_code == 200
    assert "考核个人的方案须选择行动" in refused.content.decode()
    assert "考核期应在所选年度之内" in refused.content.decode()


def test_only_the_county_creates_schemes(login, assessed, leader):
    url = reverse("assessment:scheme_create")
    assert login(assessed.assessor).get(url).status_code == 403
    assert login(leader).post(url, {}).status_code == 403


def test_county_admin_edits_an_unlocked_scheme(login, assessed, county_admin):
    client = login(county_admin)
    url = reverse("assessment:scheme_edit", args=[assessed.scheme.pk])
    assert client.get(url).status_code == 200
    data = {"name": "新名称", "start_date": "2025-01-01", "end_date": "2025-12-31",
            "part_year_rule": "sum", "poor_min_ratio": "0.100", "excellent_max_ratio": "0.15",
            "excellent_min_score": "", "tie_break": "claims_on_time", "appeal_days": "5"}
    assert client.post(url, data).status_code == 302
    assessed.scheme.refresh_from_db()
    assert assessed.scheme.name == "新名称"
    assert assessed.scheme.excellent_max_ratio == Decimal("0.150")
    assert assessed.scheme.tie_break == ["claims_on_time"]
    bad = client.post(url, {**data, "poor_min_ratio": "0.05", "tie_break": "nothing"})
    assert bad.status_code == 200
    assert "本方案没有这些指标编码：nothing" in bad.content.decode()
    assessed.scheme.refresh_from_db()
    assert assessed.scheme.poor_min_ratio == Decimal("0.100")


def test_a_locked_scheme_is_not_edited_but_versioned(login, published, county_admin):
    client = login(county_admin)
    edit = client.get(reverse("assessment:scheme_edit", args=[published.scheme.pk]))
    assert edit.status_code == 302
    assert "新建版本" in follow_messages(client, edit)[0]
    text = client.get(published.scheme.get_absolute_url()).content.decode()
    assert "新建版本" in text and "修改方案" not in text
    response = client.post(reverse("assessment:scheme_new_version", args=[published.scheme.pk]))
    new = Scheme.objects.get(supersedes=published.scheme)
    assert response["Location"] == new.get_absolute_url()
    assert new.version == 2 and not new.is_locked
    assert new.indicators.count() == published.scheme.indicators.count()


def test_the_assessor_may_not_version_or_edit(login, published):
    client = login(published.assessor)
    assert client.post(reverse("assessment:scheme_new_version",
                               args=[published.scheme.pk])).status_code == 403
    assert client.get(reverse("assessment:scheme_edit",
                              args=[published.scheme.pk])).status_code == 403


def test_indicator_add_edit_delete(login, assessed, county_admin):
    client = login(county_admin)
    scheme = assessed.scheme
    create = reverse("assessment:indicator_create", args=[scheme.pk])
    assert client.get(create).status_code == 200
    response = client.post(create, {"code": "veto", "name": "一票否决事项", "kind": "veto",
                                    "period": "quarter", "metric": "", "rule": "",
                                    "max_points": "0", "order": "9"})
    assert response.status_code == 302
    veto = scheme.indicators.get(code="veto")
    bad = client.post(create, {"code": "auto2", "name": "自动", "kind": "auto",
                               "period": "quarter", "metric": "months_served",
                               "rule": "{\"type\": \"nothing\"}", "max_points": "5",
                               "order": "10"})
    assert bad.status_code == 200 and "计分规则类型应为" in bad.content.decode()
    not_json = client.post(create, {"code": "auto3", "name": "自动", "kind": "auto",
                                    "period": "quarter", "metric": "months_served",
                                    "rule": "{oops", "max_points": "5", "order": "10"})
    assert "计分规则应为 JSON" in not_json.content.decode()
    edit = reverse("assessment:indicator_edit", args=[scheme.pk, veto.pk])
    assert client.post(edit, {"code": "veto", "name": "违纪一票否决", "kind": "veto",
                              "period": "quarter", "max_points": "0",
                              "order": "9"}).status_code == 302
    veto.refresh_from_db()
    assert veto.name == "违纪一票否决"
    delete = reverse("assessment:indicator_delete", args=[scheme.pk, veto.pk])
    assert client.post(delete).status_code == 302
    assert not Indicator.objects.filter(pk=veto.pk).exists()
    # An indicator of another scheme is not found under this one.
    other = Indicator.objects.exclude(scheme=scheme).first()
    if other is not None:
        assert client.get(reverse("assessment:indicator_edit",
                                  args=[scheme.pk, other.pk])).status_code == 404


# --- Runs


def test_the_assessor_starts_scoring_a_quarter(login, assessed,
                                               django_capture_on_commit_callbacks):
    client = login(assessed.assessor)
    url = reverse("assessment:run_start", args=[assessed.scheme.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"quarter": "2"})
    job = Job.objects.get(owner=assessed.assessor)
    assert response["Location"] == reverse("portal:job_detail", args=[job.uuid])
    assert ScoringRun.objects.filter(scheme=assessed.scheme, quarter=2).exists()
    refused = client.post(url, {"quarter": "9"})
    assert "该季度不在考核期内" in follow_messages(client, refused)[0]


def test_a_published_quarter_is_not_scored_again(login, published):
    client = login(published.assessor)
    response = client.post(reverse("assessment:run_start", args=[published.scheme.pk]),
                           {"quarter": "1"})
    assert response["Location"] == published.scheme.get_absolute_url()
    assert "不能重新计分" in follow_messages(client, response)[0]
    assert not Job.objects.exists()


def test_scoring_and_publishing_need_the_assessing_body(login, assessed, county_admin, leader,
                                                        other_assessor):
    start = reverse("assessment:run_start", args=[assessed.scheme.pk])
    publish = reverse("assessment:run_publish", args=[assessed.run.pk])
    for user in (county_admin, leader):
        assert login(user).post(start, {"quarter": "1"}).status_code == 403
        assert login(user).post(publish).status_code == 403
    assert login(other_assessor).post(start, {"quarter": "1"}).status_code == 404
    assert login(other_assessor).post(publish).status_code == 404
    assessed.run.refresh_from_db()
    assert assessed.run.status == RunStatus.DRAFT


def test_the_assessor_publishes(login, assessed):
    client = login(assessed.assessor)
    response = client.post(reverse("assessment:run_publish", args=[assessed.run.pk]))
    assert response.status_code == 302
    assessed.run.refresh_from_db()
    assessed.scheme.refresh_from_db()
    assert assessed.run.status == RunStatus.PUBLISHED and assessed.scheme.is_locked
    again = client.post(reverse("assessment:run_publish", args=[assessed.run.pk]))
    assert "已发布" in follow_messages(client, again)[0]


def test_run_detail_ranks_and_searches(login, assessed, leader):
    client = login(leader)
    url = assessed.run.get_absolute_url()
    page = client.get(url)
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index("陈农业") < text.index("周一") < text.index("吴二")
    assert "20.00" in text and "县农业农村局" in text
    top = assessed.run.scores.get(rank=1)
    assert reverse("assessment:score_detail", args=[top.pk]) in text
    assert "发布排位" not in text  # the leader may not publish
    found = client.get(url, {"q": "周"}).content.decode()
    assert "周一" in found and "陈农业" not in found
    assert login(assessed.assessor).get(url).status_code == 200


def test_run_detail_scope(login, assessed, other_assessor, township_admin):
    url = assessed.run.get_absolute_url()
    assert login(other_assessor).get(url).status_code == 404
    assert login(township_admin).get(url).status_code == 404


def _enrol_more(assessed, tree, n):
    extra = bulk_people(**{f"x{i}": {"name": f"增{i}", "home_org": tree.unit, "is_cadre": True}
                           for i in range(n)})
    Enrolment.objects.bulk_create([
        Enrolment(action=assessed.action, year=2025, person=p, org=tree.unit,
                  start_date=datetime.date(2025, 1, 1)) for p in extra.values()])


def _count(client, url, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


def test_run_detail_query_count_is_flat(login, assessed, tree, monkeypatch):
    from assessment.services.scoring import score_quarter

    _enrol_more(assessed, tree, 12)
    score_quarter(assessed.scheme, 1)
    client = login(assessed.assessor)
    url = assessed.run.get_absolute_url()
    client.get(url)
    monkeypatch.setattr(run_views, "RANKING_PAGE", 3)
    few = _count(client, url)
    monkeypatch.setattr(run_views, "RANKING_PAGE", 50)
    many = _count(client, url)
    assert few == many <= 12, (few, many)


# --- Entries grid


def grid(scheme, **params):
    return reverse("assessment:entry_grid", args=[scheme.pk]), params


def test_grid_shows_the_annual_evaluation_missing(login, assessed):
    url, params = grid(assessed.scheme, period="year")
    page = login(assessed.assessor).get(url, params)
    text = page.content.decode()
    assert page.status_code == 200
    assert "综合性评价" in text and "未录入 4" in text
    assert text.count("missing-badge") == 4
    only = login(assessed.assessor).get(url, {**params, "missing": "1", "q": "周"})
    assert only.content.decode().count("missing-badge") == 1


def test_grid_scope_and_capability(login, assessed, county_admin, leader, other_assessor):
    url, params = grid(assessed.scheme)
    assert login(county_admin).get(url, params).status_code == 403
    assert login(leader).get(url, params).status_code == 403
    assert login(other_assessor).get(url, params).status_code == 404
    assert login(assessed.assessor).get(url, {"period": "bogus"}).status_code == 200


def save(client, scheme, indicator, target, period="year", htmx=True, **data):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("assessment:entry_save", args=[scheme.pk]),
                       {"indicator": indicator.pk, "period": period, "target": target.pk,
                        **data}, **headers)


def test_grid_saves_an_evaluation_row(login, assessed, people):
    client = login(assessed.assessor)
    overall = assessed.scheme.indicators.get(code="overall")
    response = save(client, assessed.scheme, overall, people.unit, points="18", reason="表现好")
    assert response.status_code == 200
    text = response.content.decode()
    assert "已保存" in text and "<html" not in text
    entry = ScoreEntry.objects.get(indicator=overall, person=people.unit)
    assert entry.points == Decimal("18") and entry.quarter is None
    too_many = save(client, assessed.scheme, overall, people.unit, points="25")
    assert "分值应在 0 至 20" in too_many.content.decode()
    # Without htmx the row is saved and the grid shown again.
    plain = save(client, assessed.scheme, overall, assessed.cadres["c1"], htmx=False,
                 points="15")
    assert plain.status_code == 302 and "indicator=" in plain["Location"]
    url, params = grid(assessed.scheme, period="year")
    assert "未录入 2" in client.get(url, params).content.decode()


def test_an_entry_is_saved_through_the_retry(login, assessed, people, monkeypatch,
                                             always_busy):
    monkeypatch.setattr(entry_views, "retrying", always_busy)
    overall = assessed.scheme.indicators.get(code="overall")
    response = save(login(assessed.assessor), assessed.scheme, overall, people.unit,
                    points="18", reason="表现好")
    text = response.content.decode()
    assert response.status_code == 200 and BUSY_MESSAGE in text
    assert 'value="18"' in text and "表现好" in text  # the row keeps what was typed
    assert always_busy.called == [record_entry]
    assert not ScoreEntry.objects.exists()  # what the service wrote went with the conflict


def test_deduction_needs_reason_and_evidence(login, assessed, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(assessed.assessor)
    deduction = assessed.scheme.indicators.get(code="deduction")
    refused = save(client, assessed.scheme, deduction, people.unit, period="1", points="2")
    text = refused.content.decode()
    assert "扣分须填写理由" in text
    refused = save(client, assessed.scheme, deduction, people.unit, period="1", points="2",
                   reason="未按时参加")
    assert "扣分须上传佐证材料" in refused.content.decode()
    assert not ScoreEntry.objects.exists()
    fake = save(client, assessed.scheme, deduction, people.unit, period="1", points="2",
                reason="未按时参加",
                evidence=SimpleUploadedFile("x.pdf", b"not a pdf", "application/pdf"))
    assert "不是有效的" in fake.content.decode()
    ok = save(client, assessed.scheme, deduction, people.unit, period="1", points="2",
              reason="未按时参加", evidence=pdf_upload())
    assert "已保存" in ok.content.decode()
    entry = ScoreEntry.objects.get(indicator=deduction, quarter=1)
    assert entry.evidence.name.endswith(".pdf")
    evidence = reverse("assessment:entry_evidence", args=[entry.pk])
    download = client.get(evidence)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_grid_refuses_a_veto_without_evidence(login, assessed, people):
    veto = Indicator.objects.create(scheme=assessed.scheme, code="veto", name="一票否决",
                                    kind="veto", period="quarter", max_points=0, order=9)
    client = login(assessed.assessor)
    refused = save(client, assessed.scheme, veto, people.unit, period="1", reason="违纪")
    assert "一票否决须上传佐证材料" in refused.content.decode()
    assert not ScoreEntry.objects.filter(indicator=veto).exists()


def test_grid_refuses_targets_outside_the_cohort_and_closed_periods(login, published, people):
    client = login(published.assessor)
    deduction = published.scheme.indicators.get(code="deduction")
    outside = save(client, published.scheme, deduction, people.a1, period="1", points="1")
    assert outside.status_code == 404
    closed = save(client, published.scheme, deduction, people.unit, period="1", points="1",
                  reason="x", evidence=pdf_upload())
    assert "该季度排位已发布" in closed.content.decode()
    url, params = grid(published.scheme, period="1")
    assert "period-closed" in client.get(url, params).content.decode()


def test_entry_save_needs_the_assessing_body(login, assessed, county_admin, other_assessor,
                                             people):
    overall = assessed.scheme.indicators.get(code="overall")
    assert save(login(county_admin), assessed.scheme, overall, people.unit,
                points="1").status_code == 403
    assert save(login(other_assessor), assessed.scheme, overall, people.unit,
                points="1").status_code == 404
    assert not ScoreEntry.objects.exists()


def test_grid_query_count_is_flat(login, assessed, tree, monkeypatch):
    _enrol_more(assessed, tree, 12)
    overall = assessed.scheme.indicators.get(code="overall")
    ScoreEntry.objects.bulk_create([ScoreEntry(indicator=overall, person=p, points=10)
                                    for p in assessed.members])
    client = login(assessed.assessor)
    url, params = grid(assessed.scheme, period="year")
    client.get(url, params)
    monkeypatch.setattr(entry_views, "GRID_PAGE", 3)
    few = _count(client, url, params)
    monkeypatch.setattr(entry_views, "GRID_PAGE", 30)
    many = _count(client, url, params)
    assert few == many <= 14, (few, many)


def test_assessor_panel_on_the_home_page(login, assessed):
    text = login(assessed.assessor).get(reverse("portal:home")).content.decode()
    assert "考核工作" in text and assessed.scheme.name in text
    assert "评价打分未录入 4 项" in text and "第1季度" in text

"""台账导出 form: choices narrowed to the user's scope, 404 / form error for another village,
403 without ledger.export, and the job it starts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.jobs import execute_job
from portal.models import AuditEvent, Job
from portal.models.jobs import JobStatus

URL = reverse("ledger:ledger_export")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _choices(response):
    return [org.name for org in response.context["form"].fields["org"].queryset]


@pytest.mark.parametrize(("persona", "expected", "initial"), [
    ("village_secretary", ["青山村"], "青山村"),
    ("township_admin", ["青山村", "石桥村"], None),
    ("unit_contact", ["县农业农村局"], "县农业农村局"),
    ("county_admin", ["青山村", "石桥村", "白水村", "柳林村", "县农业农村局"], None),
    ("leader", ["青山村", "石桥村", "白水村", "柳林村", "县农业农村局"], None),
])
def test_choices_are_narrowed_to_the_scope(request, login, tree, persona, expected, initial):
    response = login(request.getfixturevalue(persona)).get(URL)
    assert response.status_code == 200
    assert sorted(_choices(response)) == sorted(expected)
    form = response.context["form"]
    chosen = form.initial.get("org")
    assert (chosen and form.fields["org"].queryset.get(pk=chosen).name) == (initial or None)
    today = timezone.localdate()
    assert (form.initial["year"], form.initial["month"]) == (today.year, today.month)
    assert form.fields["format"].initial == "xlsx"
    assert form.fields["include_drafts"].initial is None  # unchecked: counted entries only


@pytest.mark.parametrize("persona", ["talent", "outsider"])
def test_forbidden_without_ledger_export(request, login, tree, persona):
    client = login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"org": tree.village_a1.pk, "year": 2026, "month": 10,
                             "format": "xlsx"}).status_code == 403
    assert not Job.objects.exists()


def test_another_villages_org_is_refused(login, tree, village_secretary):
    client = login(village_secretary)
    assert client.get(URL, {"org": tree.village_b1.pk}).status_code == 404
    assert client.get(URL, {"org": "abc"}).status_code == 404
    preselected = client.get(URL, {"org": tree.village_a1.pk})
    assert preselected.context["form"].initial["org"] == str(tree.village_a1.pk)
    response = client.post(URL, {"org": tree.village_b1.pk, "year": 2026, "month": 10,
                                 "format": "xlsx"})
    assert response.status_code == 200
    assert "org" in response.context["form"].errors
    assert not Job.objects.exists()


def test_bad_input_is_a_form_error(login, tree, village_secretary):
    client = login(village_secretary)
    today = timezone.localdate()
    future = (today.year, today.month + 1) if today.month < 12 else None
    cases = [{"org": tree.village_a1.pk, "year": 1999, "month": 1, "format": "xlsx"},
             {"org": tree.village_a1.pk, "year": today.year, "month": 13, "format": "xlsx"},
             {"org": tree.village_a1.pk, "year": today.year, "month": 1, "format": "doc"},
             {}]
    if future:
        cases.append({"org": tree.village_a1.pk, "year": future[0], "month": future[1],
                      "format": "xlsx"})
    for data in cases:
        response = client.post(URL, data)
        assert response.status_code == 200, data
        assert response.context["form"].errors, data
    if future:
        assert "不能导出尚未到来的月份。" in response.content.decode()
    assert not Job.objects.exists()


def test_post_starts_the_job_and_redirects(login, tree, theme, village_secretary):
    from ledger.models import Activity

    Activity.objects.create(org=tree.village_a1, date="2026-10-08", theme=theme, title="入户走访",
                            content="走访", status="draft")
    client = login(village_secretary)
    response = client.post(URL, {"org": tree.village_a1.pk, "year": 2026, "month": "",
                                 "format": "pdf", "include_drafts": "on"})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:job_detail", args=[job.uuid])
    assert job.scope_org == tree.village_a1 and job.owner == village_secretary
    assert job.kind == "ledger_export"
    assert job.params == {"year": 2026, "month": None, "format": "pdf", "include_drafts": True,
                          "capability": "ledger.export"}
    assert job.title == "青山村2026年活动台账（PDF 文档）"
    assert AuditEvent.objects.filter(action="export", summary__contains="青山村").exists()
    job = execute_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.output.filename == "青山村2026年活动台账.pdf"
    # The finished job is listed on the form page.
    page = client.get(URL).content.decode()
    assert "青山村2026年活动台账（PDF 文档）" in page and "已完成" in page


def test_the_file_is_downloadable_in_scope_only(login, tree, village_secretary, township_admin,
                                                other_village_secretary, talent):
    from ledger.exporters import EXPORT_KIND, LedgerPeriod, ledger_params
    from portal.exporting import start_export

    job = execute_job(start_export(EXPORT_KIND, tree.village_a1,
                                   ledger_params(LedgerPeriod(2026, 10), "xlsx", False),
                                   actor=village_secretary).pk)
    url = reverse("portal:download", args=[job.output.uuid])
    response = login(township_admin).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")
    assert login(other_village_secretary).get(url).status_code == 404
    assert login(talent).get(url).status_code == 404


def test_a_pdf_too_large_is_refused_with_the_reason(login, tree, theme, village_secretary,
                                                     monkeypatch):
    from ledger import exporters, forms
    from ledger.models import Activity

    monkeypatch.setattr(exporters, "PDF_MAX_ACTIVITIES", 2)
    monkeypatch.setattr(forms.exports, "PDF_MAX_ACTIVITIES", 2)
    for day in (1, 2, 3):
        Activity.objects.create(org=tree.village_a1, date=f"2026-10-0{day}", theme=theme,
                                title="走访", content="走访", status="confirmed")
    client = login(village_secretary)
    data = {"org": tree.village_a1.pk, "year": 2026, "month": 10, "format": "pdf"}
    response = client.post(URL, data)
    assert response.status_code == 200
    assert "该期间共有3项活动，PDF 最多收录2项" in response.content.decode()
    assert not Job.objects.exists()
    assert client.post(URL, {**data, "format": "xlsx"}).status_code == 302

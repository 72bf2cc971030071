"""The people import that updates, in Chromium on a 360 px phone: the county admin uploads an
exported-style file (a title row above the header), reads the counts and the changed fields
in the preview without sideways scrolling, and confirms. The preview and the commit are jobs:
without a broker they run eagerly, so the upload lands on the finished preview; with a worker
the page shows the job's progress and turns into the preview when the job is done."""

import pytest
from django.urls import reverse
from openpyxl import Workbook
from playwright.sync_api import expect

from portal.importers import PERSON_COLUMNS
from portal.jobs import execute_job
from portal.models import Job, Person
from portal.models.jobs import JobStatus
from tests.e2e.helpers import fits_width, sign_in
from tests.factories import unique_id_number

pytestmark = pytest.mark.browser


def test_update_preview_fits_a_phone_and_commits(live_server, transactional_db, settings,
                                                 tmp_path, tree, people, county_admin,
                                                 browser):
    settings.MEDIA_ROOT = tmp_path / "media"
    person = people.a1
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["人员名单　范围：示范县　截至 2026-11-28"])
    sheet.append([c.header for c in PERSON_COLUMNS])
    sheet.append([person.name, "男", person.id_number, "13912345678", "青山村（V0001）",
                  "党支部书记兼村委会主任", "是", "否", "否", "是"])  # two changed fields
    sheet.append([people.a2.name, "男", people.a2.id_number, people.a2.phone, "V0002", "",
                  "是", "否", "否", "是"])  # unchanged
    sheet.append(["新党员", "女", unique_id_number(), "", "石桥村", "", "是", "否", "否", "是"])
    path = tmp_path / "人员名单.xlsx"
    workbook.save(path)

    page = sign_in(browser, live_server, county_admin)
    page.goto(live_server.url + reverse("portal:transfer_index"))
    page.set_input_files("#id_people-file", str(path))
    page.locator("form[action$='/people/']").get_by_role("button", name="上传并预览").click()

    preview = Job.objects.get(kind="import_people_preview")
    assert page.url.endswith(f"/import/people/job/{preview.uuid}/")
    summary = page.locator("#import-summary")
    expect(summary).to_contain_text("1新增")
    expect(summary).to_contain_text("1更新")
    expect(summary).to_contain_text("1无变化")
    expect(summary).to_contain_text("0错误（行）")
    changes = page.locator("#import-changes")
    expect(changes).to_contain_text("第 3 行")
    expect(changes).to_contain_text(f"联系电话：{person.phone} → 13912345678")
    expect(changes).to_contain_text("职务：（空） → 党支部书记兼村委会主任")
    fits_width(page)

    page.get_by_role("button", name="确认导入（新增 1，更新 1）").click()
    expect(page.locator(".alert-success")).to_contain_text("新增 1 名人员，更新 1 名人员")
    person.refresh_from_db()
    assert (person.phone, person.position) == ("13912345678", "党支部书记兼村委会主任")
    assert Person.objects.get(name="新党员").home_org == tree.village_a2
    assert Job.objects.get(kind="import_people_commit").status == JobStatus.SUCCEEDED
    page.context.close()


def test_preview_page_follows_a_queued_job_until_done(live_server, transactional_db, settings,
                                                      tmp_path, tree, county_admin, browser,
                                                      monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr("portal.jobs.send_job", lambda job_id: None)  # a worker, not yet run
    workbook = Workbook()
    workbook.active.append([c.header for c in PERSON_COLUMNS])
    workbook.active.append(["新党员", "女", unique_id_number(), "", "V0001", "", "是", "否", "否",
                            "是"])
    path = tmp_path / "人员.xlsx"
    workbook.save(path)

    page = sign_in(browser, live_server, county_admin)
    page.goto(live_server.url + reverse("portal:transfer_index"))
    page.set_input_files("#id_people-file", str(path))
    page.locator("form[action$='/people/']").get_by_role("button", name="上传并预览").click()
    expect(page.locator("#import-job")).to_contain_text("排队中")
    fits_width(page)

    execute_job(Job.objects.get(kind="import_people_preview").pk)  # the worker runs it
    expect(page.locator("#import-summary")).to_contain_text("1新增", timeout=10_000)
    expect(page.get_by_role("button", name="确认导入（新增 1，更新 0）")).to_be_visible()
    page.context.close()

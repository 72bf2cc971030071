"""Excel import and export: validation, all-or-nothing commit, round trip, escaping, pages."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from portal import import_jobs, importers
from portal.exporting import start_export
from portal.importers import ORG_COLUMNS, PERSON_COLUMNS, import_orgs, import_people
from portal.jobs import execute_job
from portal.models import AuditEvent, GeneratedFile, Job, Organization, Person, RoleAssignment
from portal.models.audit import AuditAction
from portal.models.jobs import JobStatus
from portal.spreadsheets import (
    Column,
    UnreadableWorkbook,
    new_workbook,
    safe_cell,
    template_workbook,
    unescape_cell,
    workbook_bytes,
    write_sheet,
)
from portal.views.transfer import SESSION_KEY
from tests.factories import PersonFactory, UserFactory, grant, unique_id_number
from tests.portal.import_flow import post_through_jobs
from tests.spreadsheets import xlsx_file

ORG_HEADERS = [c.header for c in ORG_COLUMNS]
PERSON_HEADERS = [c.header for c in PERSON_COLUMNS]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def xlsx(headers, rows, name="upload.xlsx"):
    buffer = xlsx_file(headers, rows)
    buffer.name = name
    return buffer


def person_row(name="张三", id_number=None, org="V0001", phone="13800001111", **flags):
    return [name, flags.get("gender", "男"), id_number or unique_id_number(), phone, org,
            flags.get("position", "党员"), flags.get("member", "是"), flags.get("talent", "否"),
            flags.get("cadre", "否"), flags.get("active", "是")]


def org_row(code, name, parent, kind, party_type="党支部", tags="", address="", lat=None,
            lon=None, active="是"):
    return [code, name, parent, kind, party_type, tags, address, lat, lon, active]


def error_cells(report):
    return {(e.row, e.column) for e in report.errors}


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST through the import jobs (run eagerly) and follow to the page they lead to."""
    def run(client, url, data=None):
        return post_through_jobs(client, django_capture_on_commit_callbacks, url, data)
    return run


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


# --- spreadsheets helpers --------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=SUM(A1:A2)", "+86", "-1", "@cmd", "\tx", "\rx",
                                  "=HYPERLINK(\"http://evil\")"])
def test_formula_like_text_is_escaped_and_restored(text):
    escaped = safe_cell(text)
    assert escaped == "'" + text
    assert unescape_cell(escaped) == text


@pytest.mark.parametrize("value", ["普通文字", "'引号开头", "'", "a=b", 12, None, 3.5])
def test_ordinary_values_pass_through_unchanged(value):
    assert safe_cell(value) == value
    assert unescape_cell(value) == value


def test_write_sheet_stores_formulas_as_text_with_frozen_filtered_header():
    workbook = new_workbook()
    count = write_sheet(workbook, "表", [Column("甲", 20), Column("乙", 8)],
                        [["=1+1", "ok"], ["-2", 3]])
    sheet = load_workbook(io.BytesIO(workbook_bytes(workbook))).active
    assert count == 2
    assert sheet["A2"].data_type == "s" and sheet["A2"].value == "'=1+1"
    assert sheet["A3"].value == "'-2" and sheet["B3"].value == 3
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B3"
    assert sheet.column_dimensions["A"].width == 20


@pytest.mark.parametrize("columns, expected_lists", [
    (ORG_COLUMNS, {"组织类别": "县（区）", "党组织类型": "党总支", "是否启用": "是,否"}),
    (PERSON_COLUMNS, {"性别": "男,女", "是否党员": "是,否", "是否城市人才": "是,否",
                      "是否干部": "是,否", "是否在册": "是,否"}),
])
def test_templates_have_headers_and_drop_downs(columns, expected_lists):
    sheet = load_workbook(io.BytesIO(template_workbook("模板", columns))).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers == [c.header for c in columns]
    by_column = {}
    for validation in sheet.data_validations.dataValidation:
        letter = str(validation.sqref)[0]
        by_column[headers[ord(letter) - ord("A")]] = validation.formula1
    assert set(by_column) == set(expected_lists)
    for header, fragment in expected_lists.items():
        assert fragment in by_column[header]


# --- organizations ----------------------------------------------------------------------------


def test_org_parent_defined_later_in_file_is_created_first(tree, county_admin):
    upload = xlsx(ORG_HEADERS, [
        org_row("V0101", "新村", "T0101", "村", tags="茶叶、旅游", lat=30.5, lon=120.25),
        org_row("T0101", "新镇", "C0001", "乡镇（街道）", "党委"),
    ])
    report = import_orgs(upload, actor=county_admin, commit=True, filename="orgs.xlsx")
    assert report.ok and report.committed and report.created == 2
    village = Organization.objects.get(code="V0101")
    town = Organization.objects.get_parent(village)
    assert town.code == "T0101"
    assert Organization.objects.get_parent(town) == tree.county
    assert village.kind == "village" and village.tags == ["茶叶", "旅游"]
    assert str(village.latitude) == "30.500000"
    assert village.history.count() == 1
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    assert AuditEvent.objects.filter(action=AuditAction.IMPORT, actor=county_admin).count() == 1


def test_org_errors_name_row_and_column(tree, county_admin):
    upload = xlsx(ORG_HEADERS, [
        org_row("T0101", "新镇", "C0001", "乡镇（街道）"),   # row 2: valid
        org_row("T0102", "", "C0001", "乡镇（街道）"),       # row 3: missing name
        org_row("T0103", "乙镇", "NOPE", "乡镇（街道）"),    # row 4: unknown parent
        org_row("T0104", "丙镇", "C0001", "镇"),            # row 5: unknown kind
        org_row("V0105", "丁村", "C0001", "村"),            # row 6: village directly under county
        org_row("T0101", "重复镇", "C0001", "乡镇（街道）"),  # row 7: duplicate code in file
        org_row("V0001", "已有村", "T0002", "村"),          # row 8: an update moving the org
        org_row("V0108", "戊村", "T0001", "村", lat=30.1),  # row 9: latitude without longitude
    ])
    report = import_orgs(upload, actor=county_admin)
    assert error_cells(report) == {(3, "组织名称"), (4, "上级组织"), (5, "组织类别"),
                                   (6, "组织类别"), (7, "组织编码"), (8, "上级组织"),
                                   (9, "经度")}
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "不存在" in messages[(4, "上级组织")]
    assert "下不能设立" in messages[(6, "组织类别")]
    assert "第2行重复" in messages[(7, "组织编码")]
    assert "移动" in messages[(8, "上级组织")]
    before = Organization.objects.count()
    assert not import_orgs(upload, actor=county_admin, commit=True).committed
    assert Organization.objects.count() == before


def test_org_cycle_is_reported(tree, county_admin):
    upload = xlsx(ORG_HEADERS, [
        org_row("U0101", "甲局", "U0102", "县直单位"),
        org_row("U0102", "乙局", "U0101", "县直单位"),
        org_row("U0103", "丙局", "U0103", "县直单位"),
        org_row("U0104", "丁局", "U0102", "县直单位"),
    ])
    report = import_orgs(upload, actor=county_admin)
    messages = {e.row: e.message for e in report.errors if e.column == "上级组织"}
    assert "循环" in messages[2] and "循环" in messages[3]
    assert "自己" in messages[4]
    assert "循环" in messages[5]


def test_out_of_scope_parent_is_refused(tree):
    town_importer = UserFactory(username="town_importer")
    grant(town_importer, tree.town_a, "county_admin")  # data.import, but only in 青山镇
    upload = xlsx(ORG_HEADERS, [
        org_row("X0101", "村内小组", "V0001", "其他"),   # inside 青山镇
        org_row("X0102", "外村小组", "V0003", "其他"),   # 白水村 is in 白水乡
        org_row("X0103", "新县", "", "县（区）"),        # new roots need the whole install
    ])
    report = import_orgs(upload, actor=town_importer)
    assert error_cells(report) == {(3, "上级组织"), (4, "上级组织")}
    assert "管理范围" in report.errors[0].message


def test_township_admin_cannot_import_at_all(tree, township_admin):
    with pytest.raises(PermissionDenied):
        import_orgs(xlsx(ORG_HEADERS, []), actor=township_admin)


def test_missing_required_column_is_reported_on_header_row(tree, county_admin):
    upload = xlsx(["组织编码", "组织名称", "上级组织编码"], [["T0101", "新镇", "C0001"]])
    report = import_orgs(upload, actor=county_admin)
    assert error_cells(report) == {(1, "组织类别")}


# --- people -----------------------------------------------------------------------------------


def test_person_errors_name_row_and_column(tree, people, county_admin):
    valid = unique_id_number()
    bad_check = valid[:17] + ("0" if valid[17] != "0" else "1")
    numeric = next(n for n in iter(unique_id_number, None) if n[-1] != "X")
    upload = xlsx(PERSON_HEADERS, [
        person_row("甲", valid),                             # row 2: valid
        person_row("乙", bad_check),                         # row 3: check digit
        person_row("丙", phone="12345"),                     # row 4: phone
        person_row("丁", org="NOPE"),                        # row 5: unknown org
        person_row("戊", valid),                             # row 6: duplicate in file
        person_row("己", people.a1.id_number),               # row 7: updates 李青山
        person_row("", unique_id_number()),                  # row 8: missing name
        person_row("庚", gender="男性"),                     # row 9: bad gender
        person_row("辛", int(numeric)),                      # row 10: ID stored as a number
        person_row("壬", talent="也许"),                     # row 11: bad flag
    ])
    report = import_people(upload, actor=county_admin)
    assert error_cells(report) == {(3, "身份证号"), (4, "联系电话"), (5, "所在组织"),
                                   (6, "身份证号"), (8, "姓名"), (9, "性别"),
                                   (10, "身份证号"), (11, "是否城市人才")}
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert "校验位" in messages[(3, "身份证号")]
    assert "第2行重复" in messages[(6, "身份证号")]
    assert [change.row for change in report.changes] == [7]
    assert "文本格式" in messages[(10, "身份证号")]
    assert report.total == 10


def test_person_out_of_scope_org_is_refused(tree):
    town_importer = UserFactory(username="town_importer")
    grant(town_importer, tree.town_a, "county_admin")
    upload = xlsx(PERSON_HEADERS, [person_row(org="V0001"), person_row(org="V0003")])
    report = import_people(upload, actor=town_importer)
    assert error_cells(report) == {(3, "所在组织")}
    assert "管理范围" in report.errors[0].message


def test_one_bad_row_among_many_writes_nothing(tree, people, county_admin):
    rows = [person_row(f"人{i}", org="V0001" if i % 2 else "U0001") for i in range(2500)]
    rows.append(person_row("坏", people.b1.id_number, phone="12345"))  # row 2502, third batch
    upload = xlsx(PERSON_HEADERS, rows)
    before = Person.objects.count()
    report = import_people(upload, actor=county_admin, commit=True)
    assert not report.committed and report.created == 0
    assert error_cells(report) == {(2502, "联系电话")}
    assert Person.objects.count() == before
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT).exists()


def test_people_commit_creates_records_with_history(tree, county_admin):
    rows = [person_row(f"人{i}", org="V0002", talent="是" if i == 0 else "否")
            for i in range(1203)]
    report = import_people(xlsx(PERSON_HEADERS, rows), actor=county_admin, commit=True)
    assert report.committed and report.created == 1203
    created = Person.objects.filter(home_org=tree.village_a2)
    assert created.count() == 1203
    assert created.filter(is_city_talent=True).count() == 1
    assert Person.history.filter(history_type="+").count() == 1203
    assert Person.history.filter(history_user=county_admin).count() == 1203
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert event.data["count"] == 1203


def test_corrupt_file_raises_readable_error(county_admin):
    with pytest.raises(UnreadableWorkbook, match="xlsx"):
        import_people(io.BytesIO(b"name,id\n1,2\n"), actor=county_admin)


# --- export and round trip ----------------------------------------------------------------------


def run_export(what, org, user):
    job = start_export(f"export_{what}", org, actor=user)
    job = execute_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    with job.output.file.open("rb") as handle:
        return io.BytesIO(handle.read())


def test_export_then_import_into_empty_database_round_trips(tree, people, county_admin,
                                                            superuser):
    tree.village_a1.industry_tags = "茶叶、乡村旅游"
    tree.village_a1.address = "=cmd|' /C calc'!A0"  # a formula-injection attempt
    tree.village_a1.latitude, tree.village_a1.longitude = "30.123456", "120.654321"
    tree.village_a1.is_active = False
    tree.village_a1.save()
    people.a1.position = "+书记"
    people.a1.is_cadre = True
    people.a1.save()

    def org_snapshot():
        return sorted(
            (o.code, o.name, getattr(Organization.objects.get_parent(o), "code", ""), o.kind,
             o.party_org_type, o.industry_tags, o.address, o.latitude, o.longitude, o.is_active)
            for o in Organization.objects.all())

    def person_snapshot():
        return sorted(Person.objects.values_list(
            "name", "gender", "id_number", "phone", "home_org__code", "position",
            "is_party_member", "is_city_talent", "is_cadre", "is_active"))

    orgs_before, people_before = org_snapshot(), person_snapshot()
    org_file = run_export("orgs", tree.county, county_admin)
    people_file = run_export("people", tree.county, county_admin)
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 2
    sheet = load_workbook(org_file).worksheets[0]
    escaped = [c for c in sheet["G"] if c.value and c.value.startswith("'")]
    assert [c.data_type for c in escaped] == ["s"]  # stored as text, never as a formula

    Person.objects.all().delete()
    RoleAssignment.objects.all().delete()
    Job.objects.all().delete()
    GeneratedFile.objects.all().delete()
    Organization.objects.all().delete()

    assert import_orgs(org_file, actor=superuser, commit=True).created == 8
    assert import_people(people_file, actor=superuser, commit=True).created == 4
    assert org_snapshot() == orgs_before
    assert person_snapshot() == people_before


def test_export_is_limited_to_scope_and_masks_id_numbers(tree, people, township_admin):
    people_file = run_export("people", tree.town_a, township_admin)
    rows = list(load_workbook(people_file).worksheets[0].iter_rows(values_only=True))
    rows = rows[rows.index(tuple(PERSON_HEADERS)):]  # below the export's title
    assert {r[0] for r in rows[1:]} == {"李青山", "王石桥"}
    assert people.a1.id_number not in {r[2] for r in rows[1:]}
    assert people.a1.masked_id_number in {r[2] for r in rows[1:]}
    with pytest.raises(PermissionDenied):
        start_export("export_people", tree.county, actor=township_admin)


# --- pages ------------------------------------------------------------------------------------


def upload_file(content, name="people.xlsx"):
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize("persona", ["leader", "township_admin"])
def test_upload_and_templates_need_import_capability(persona, request, login):
    client = login(request.getfixturevalue(persona))
    url = reverse("portal:transfer_upload", args=["people"])
    data = {"people-file": upload_file(xlsx(PERSON_HEADERS, [person_row()]).getvalue())}
    assert client.post(url, data).status_code == 403
    assert client.get(reverse("portal:transfer_template", args=["orgs"])).status_code == 403
    assert Person.objects.count() == 0
    # They may still export, so the index opens with the export form only.
    page = client.get(reverse("portal:transfer_index"))
    assert page.status_code == 200
    assert page.context["can_export"] and not page.context["can_import"]


def test_index_refused_without_import_or_export(village_secretary, login):
    assert login(village_secretary).get(reverse("portal:transfer_index")).status_code == 403


def test_template_download(county_admin, login):
    response = login(county_admin).get(reverse("portal:transfer_template", args=["people"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == PERSON_HEADERS


def test_upload_preview_commit_flow(tree, county_admin, login, media_root, post):
    client = login(county_admin)
    rows = [person_row(f"人{i}", org="V0003") for i in range(60)]
    response = post(client, reverse("portal:transfer_upload", args=["people"]),
                    {"people-file": upload_file(xlsx(PERSON_HEADERS, rows).getvalue())})
    assert response.status_code == 200
    preview = Job.objects.get(kind="import_people_preview")
    assert response.context["job"] == preview and preview.status == JobStatus.SUCCEEDED
    assert response.context["report"].ok and response.context["report"].total == 60
    assert len(response.context["report"].new_rows) == 50
    token = response.context["token"]
    stored = client.session[SESSION_KEY][token]["name"]
    assert stored.startswith(f"imports/{county_admin.pk}/") and default_storage.exists(stored)
    assert Person.objects.count() == 0  # preview writes nothing
    assert "确认导入（新增 60，更新 0）" in response.content.decode()

    commit_url = reverse("portal:transfer_commit", args=["people", token])
    response = post(client, commit_url)
    assert response.redirect_chain[-1][0] == reverse("portal:transfer_index")
    assert "已成功导入：新增 60 名人员，更新 0 名人员" in response.content.decode()
    assert Person.objects.filter(home_org=tree.village_b1).count() == 60
    commit = Job.objects.get(kind="import_people_commit")
    assert commit.status == JobStatus.SUCCEEDED and commit.result["created"] == 60
    assert commit.owner == county_admin and commit.scope_org == tree.county
    # The job takes no request: the audit row's client is the one that confirmed.
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert (event.actor, event.ip_address) == (county_admin, "127.0.0.1")
    assert not default_storage.exists(stored)
    assert SESSION_KEY not in client.session or token not in client.session[SESSION_KEY]
    # A second post of the same token does nothing.
    post(client, commit_url)
    assert Person.objects.count() == 60
    assert Job.objects.filter(kind="import_people_commit").count() == 1


def test_upload_request_reads_no_rows_the_job_does(tree, county_admin, login, monkeypatch):
    """The upload request only keeps the file and queues the preview job: no row is read or
    validated in it, whatever the file's length."""
    calls = []
    real = importers._read_person
    monkeypatch.setattr(importers, "_read_person", lambda *a: calls.append(a[1]) or real(*a))
    client = login(county_admin)
    rows = [person_row(f"人{i}", org="V0003") for i in range(30)]
    response = client.post(reverse("portal:transfer_upload", args=["people"]),
                           {"people-file": upload_file(xlsx(PERSON_HEADERS, rows).getvalue())})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:transfer_job", args=["people", job.uuid])
    assert calls == [] and job.status == JobStatus.PENDING and job.kind == "import_people_preview"
    # Its page shows the progress, polled by htmx, until the job has run.
    page = client.get(response["Location"])
    assert page.status_code == 200 and "hx-get" in page.content.decode()
    assert "正在校验" in page.content.decode()

    job = execute_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED and len(calls) == 30
    assert (job.result["total"], job.result["new"], job.result["ok"]) == (30, 30, True)
    assert job.result["plan"] and Person.objects.count() == 0
    page = client.get(response["Location"])
    assert "确认导入（新增 30，更新 0）" in page.content.decode()
    # Once finished, the polled fragment asks for the whole page (with its forms) instead.
    assert client.get(response["Location"], headers={"HX-Request": "true"})["HX-Refresh"]


def test_preview_job_stores_a_capped_report(tree, people, county_admin, login, monkeypatch):
    monkeypatch.setattr("portal.importers.MAX_LISTED_ERRORS", 2)
    rows = [person_row("甲", org="ZZZ"), person_row("乙", org="ZZZ"), person_row("丙", org="ZZZ"),
            person_row("丁", org="V0001")]
    client = login(county_admin)
    client.post(reverse("portal:transfer_upload", args=["people"]),
                {"people-file": upload_file(xlsx(PERSON_HEADERS, rows).getvalue())})
    job = execute_job(Job.objects.get().pk)
    result = job.result
    assert (result["ok"], result["error_count"], len(result["errors"])) == (False, 3, 2)
    assert result["errors"][0][:2] == [2, "所在组织"] and "ZZZ" in result["errors"][0][2]
    assert (result["new"], result["plan"]) == (1, "")
    # Nothing to confirm: the file is not kept.
    assert not default_storage.exists(job.params["name"])
    page = client.get(reverse("portal:transfer_job", args=["people", job.uuid])).content.decode()
    assert "另有 1 处错误未列出" in page and "确认导入" not in page


def test_import_jobs_report_progress(tree, county_admin, login, monkeypatch):
    monkeypatch.setattr("portal.importers.PROGRESS_EVERY", 10)
    client = login(county_admin)
    rows = [person_row(f"人{i}", org="V0003") for i in range(45)]
    client.post(reverse("portal:transfer_upload", args=["people"]),
                {"people-file": upload_file(xlsx(PERSON_HEADERS, rows).getvalue())})
    job = Job.objects.get()
    seen = []
    import_jobs.run_import_preview(job, lambda percent, message="": seen.append(
        (percent, message)))
    percents = [percent for percent, _ in seen]
    assert percents == sorted(percents) and percents[-1] == 100 and len(set(percents)) >= 5
    assert ("已校验 40 行" in [message for _, message in seen])


def test_commit_job_is_all_or_nothing(tree, county_admin, login, post):
    client = login(county_admin)
    rows = [person_row(f"人{i}", org="V0001") for i in range(1500)]
    response = post(client, reverse("portal:transfer_upload", args=["people"]),
                    {"people-file": upload_file(xlsx(PERSON_HEADERS, rows).getvalue())})
    token = response.context["token"]
    # Someone else adds the last row's person meanwhile: the confirmed "new" row would now be
    # an update, found in the second batch after the first 1,000 rows were written.
    PersonFactory(id_number=rows[-1][2], name="乙", home_org=tree.village_a2)
    response = post(client, reverse("portal:transfer_commit", args=["people", token]))
    assert response.status_code == 200
    job = Job.objects.get(kind="import_people_commit")
    assert job.status == JobStatus.FAILED and "未导入任何数据" in job.failure_reason
    assert "未导入任何数据" in response.content.decode()
    assert "预览之后" in response.context["report"].errors[0].message
    assert Person.objects.get().name == "乙"
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT).exists()


def test_commit_job_refuses_when_the_import_right_was_lost(tree, county_admin, login, post):
    client = login(county_admin)
    response = post(client, reverse("portal:transfer_upload", args=["people"]),
                    {"people-file": upload_file(xlsx(PERSON_HEADERS,
                                                     [person_row(org="V0001")]).getvalue())})
    client.post(reverse("portal:transfer_commit", args=["people", response.context["token"]]))
    job = Job.objects.get(kind="import_people_commit")
    assert job.status == JobStatus.PENDING
    RoleAssignment.objects.filter(user=county_admin).delete()  # the role goes before it runs
    job = execute_job(job.pk)
    assert job.status == JobStatus.FAILED and "无权" in job.failure_reason
    assert Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT).exists()


def test_an_import_job_is_its_owners_alone(tree, county_admin, login, post):
    other = UserFactory(username="other_admin")
    grant(other, tree.county, "county_admin")
    response = post(login(county_admin), reverse("portal:transfer_upload", args=["people"]),
                    {"people-file": upload_file(xlsx(PERSON_HEADERS,
                                                     [person_row(org="V0001")]).getvalue())})
    job = response.context["job"]
    url = reverse("portal:transfer_job", args=["people", job.uuid])
    assert login(other).get(url).status_code == 404
    # Nor under the other kind's URL.
    assert login(county_admin).get(
        reverse("portal:transfer_job", args=["orgs", job.uuid])).status_code == 404


def test_commit_revalidates(tree, county_admin, login, post):
    client = login(county_admin)
    row = person_row("甲", org="V0001")
    response = post(client, reverse("portal:transfer_upload", args=["people"]),
                    {"people-file": upload_file(xlsx(PERSON_HEADERS, [row]).getvalue())})
    token = response.context["token"]
    # Someone else adds the person meanwhile: the confirmed "new" row would now be an update.
    PersonFactory(id_number=row[2], name="乙", home_org=tree.village_a2)
    response = post(client, reverse("portal:transfer_commit", args=["people", token]))
    assert response.status_code == 200
    report = response.context["report"]
    assert not report.committed and error_cells(report) == {(0, "")}
    assert "预览之后" in report.errors[0].message
    assert Person.objects.get().name == "乙"


def test_upload_with_errors_shows_error_table_and_no_confirm(tree, county_admin, login, post):
    rows = [person_row("甲", org="V0001"), person_row("乙", org="ZZZ")]
    response = post(login(county_admin), reverse("portal:transfer_upload", args=["people"]),
                    {"people-file": upload_file(xlsx(PERSON_HEADERS, rows).getvalue())})
    page = response.content.decode()
    assert response.status_code == 200 and response.context["token"] is None
    assert "import-errors" in page and "ZZZ" in page and "确认导入" not in page


def _zip_without_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize("name, content, message", [
    ("people.xlsx", b"\x00\x01 garbage", "不是 .xlsx"),
    ("people.xlsx", _zip_without_workbook(), "已损坏"),
    ("people.csv", b"a,b\n", "只支持 .xlsx"),
])
def test_bad_upload_gives_page_with_chinese_error(tree, county_admin, login, name, content,
                                                 message, post):
    # Not a zip file or not .xlsx: refused by the upload form; a zip that is no workbook: its
    # preview job fails saying so, and the page offers the upload form again.
    response = post(login(county_admin), reverse("portal:transfer_upload", args=["people"]),
                    {"people-file": upload_file(content, name)})
    assert response.status_code == 200
    assert message in response.content.decode()


def test_upload_over_size_limit_is_refused(tree, county_admin, login, settings):
    settings.IMPORT_MAX_BYTES = 1024
    content = xlsx(PERSON_HEADERS, [person_row() for _ in range(200)]).getvalue()
    assert len(content) > 1024
    response = login(county_admin).post(reverse("portal:transfer_upload", args=["people"]),
                                        {"people-file": upload_file(content)})
    assert response.status_code == 200 and "上限" in response.content.decode()


def test_export_start_redirects_to_job(tree, people, township_admin, login,
                                       django_capture_on_commit_callbacks):
    client = login(township_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:transfer_export", args=["orgs"]),
                               {"org": tree.town_a.pk})
    job = Job.objects.get(owner=township_admin)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:job_detail", args=[job.uuid])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.scope_org == tree.town_a
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, actor=township_admin).exists()


def test_export_of_org_outside_scope_is_refused(tree, township_admin, login):
    response = login(township_admin).post(reverse("portal:transfer_export", args=["people"]),
                                          {"org": tree.town_b.pk})
    assert response.status_code == 302 and not Job.objects.exists()


def test_the_export_scope_is_a_picker_when_there_are_many_orgs(client, tree, county_admin,
                                                               monkeypatch):
    """The transfer page is a function view: its export form gets the shared organization
    picker through `{% pickers %}` instead of a drop-down of every organization."""
    from portal import widgets

    monkeypatch.setattr(widgets, "PICKER_THRESHOLD", 2)
    client.force_login(county_admin)
    page = client.get(reverse("portal:transfer_index")).content.decode()
    assert reverse("portal:pick_org") in page
    assert '<select name="org"' not in page


def test_my_jobs_page_links_an_import_job_to_its_result(tree, county_admin, login, post):
    client = login(county_admin)
    response = post(client, reverse("portal:transfer_upload", args=["people"]),
                    {"people-file": upload_file(xlsx(PERSON_HEADERS,
                                                     [person_row(org="V0001")]).getvalue())})
    job = response.context["job"]
    page = client.get(reverse("portal:job_detail", args=[job.uuid])).content.decode()
    assert reverse("portal:transfer_job", args=["people", job.uuid]) in page
    assert "请重新导出" not in page


def test_import_job_page_queries_do_not_grow_with_the_file(tree, county_admin, login, post):
    client = login(county_admin)

    def queries_for(count):
        rows = [person_row(f"人{i}", org="V0003") for i in range(count)]
        response = post(client, reverse("portal:transfer_upload", args=["people"]),
                        {"people-file": upload_file(xlsx(PERSON_HEADERS, rows).getvalue())})
        url = reverse("portal:transfer_job", args=["people", response.context["job"].uuid])
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries_for(2) == queries_for(120)


def test_org_import_runs_through_the_jobs_too(tree, county_admin, login, post):
    client = login(county_admin)
    rows = [org_row("V0101", "新村", "T0001", "村"), org_row("V0001", "青山新村", "T0001", "村")]
    response = post(client, reverse("portal:transfer_upload", args=["orgs"]),
                    {"orgs-file": upload_file(xlsx(ORG_HEADERS, rows).getvalue())})
    assert response.context["job"].kind == "import_orgs_preview"
    assert "确认导入（新增 1，更新 1）" in response.content.decode()
    response = post(client, reverse("portal:transfer_commit",
                                    args=["orgs", response.context["token"]]))
    assert "已成功导入：新增 1 个组织，更新 1 个组织" in response.content.decode()
    assert Organization.objects.get_parent(Organization.objects.get(code="V0101")) == tree.town_a
    assert Organization.objects.get(code="V0001").name == "青山新村"

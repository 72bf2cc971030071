"""Imports that update: the header row found under a title row, people matched by ID number and
orgs by code (new / changed / unchanged), organizations named by name or code, scope, preview."""

import io
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from portal.exporting import start_export
from portal.importers import ORG_COLUMNS, PERSON_COLUMNS, import_orgs, import_people
from portal.jobs import execute_job
from portal.models import AuditEvent, Organization, Person
from portal.models.audit import AuditAction
from portal.models.jobs import JobStatus
from tests.factories import PersonFactory, UserFactory, grant, unique_id_number
from tests.portal.import_flow import post_through_jobs

ORG_HEADERS = [c.header for c in ORG_COLUMNS]
PERSON_HEADERS = [c.header for c in PERSON_COLUMNS]


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST through the import jobs (run eagerly) and follow to the page they lead to."""
    def run(client, url, data=None):
        return post_through_jobs(client, django_capture_on_commit_callbacks, url, data)
    return run


def workbook_file(rows, name="upload.xlsx"):
    """An .xlsx whose first sheet holds `rows` as given (title rows, blank rows, header...)."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer


def titled_file(headers, data, *, title_rows=(("人员名册 · 示范县 · 2026年11月28日生成",),)):
    """A file as exports write it: a title row (merged across the columns) above the header."""
    workbook = Workbook()
    sheet = workbook.active
    for row in title_rows:
        sheet.append(list(row))
    if title_rows:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(list(headers))
    for row in data:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "titled.xlsx"
    return buffer


def person_row(name="张三", id_number=None, org="V0001", phone="13800001111", **flags):
    return [name, flags.get("gender", "男"), id_number or unique_id_number(), phone, org,
            flags.get("position", "党员"), flags.get("member", "是"), flags.get("talent", "否"),
            flags.get("cadre", "否"), flags.get("active", "是")]


def error_cells(report):
    return {(e.row, e.column) for e in report.errors}


# --- the header row under a title ---------------------------------------------------------------


@pytest.mark.parametrize("title_rows", [
    (),
    (("人员名册 · 示范县 · 2026年11月28日生成",),),
    (("人员名册",), ("范围：示范县", None, "生成时间：2026-11-28"), ()),
])
def test_file_with_title_rows_imports_like_one_without(tree, county_admin, title_rows):
    rows = [person_row("甲", org="V0001"), person_row("乙", org="V0003")]
    report = import_people(titled_file(PERSON_HEADERS, rows, title_rows=title_rows),
                           actor=county_admin, commit=True)
    assert report.ok and report.committed and report.created == 2
    assert set(Person.objects.values_list("name", "home_org__code")) == {("甲", "V0001"),
                                                                         ("乙", "V0003")}


def test_row_numbers_under_a_title_stay_excel_row_numbers(tree, county_admin):
    # Title in row 1, header in row 2: the data rows are Excel rows 3, 4 and 5.
    rows = [person_row("甲"), person_row("乙", phone="12345"), person_row("丙", org="NOPE")]
    report = import_people(titled_file(PERSON_HEADERS, rows), actor=county_admin)
    assert error_cells(report) == {(4, "联系电话"), (5, "所在组织")}


def test_missing_column_under_a_title_is_reported_on_the_header_row(tree, county_admin):
    # Even the first column may be the missing one: the header is recognised by the others.
    headers = [h for h in ORG_HEADERS if h != "组织编码"]
    report = import_orgs(titled_file(headers, [["新镇", "C0001", "乡镇（街道）"]]),
                         actor=county_admin)
    assert error_cells(report) == {(2, "组织编码")}


def test_no_header_in_the_first_rows_is_a_chinese_error(tree, county_admin):
    rows = [("标题",)] * 5 + [PERSON_HEADERS, person_row()]
    report = import_people(workbook_file(rows), actor=county_admin)
    assert not report.ok and report.total == 0
    assert "未找到表头" in report.errors[0].message


# --- people: matched by ID number ----------------------------------------------------------------


def row_of(person, **changes):
    """A person's row as an export writes it, with some cells changed (None leaves it blank)."""
    cells = dict(zip(PERSON_HEADERS, [
        person.name, "男" if person.gender == "M" else "女", person.id_number, person.phone,
        person.home_org.code, person.position,
        *[("是" if flag else "否") for flag in (person.is_party_member, person.is_city_talent,
                                                person.is_cadre, person.is_active)]],
        strict=True))
    cells.update(changes)
    return [cells[header] for header in PERSON_HEADERS]


def file_of(rows, headers=PERSON_HEADERS):
    return workbook_file([headers, *rows])


def test_update_by_id_number_changes_only_the_fields_given(tree, people, county_admin):
    person = people.a1
    Person.objects.filter(pk=person.pk).update(is_party_member=False, position="村民")
    person.refresh_from_db()
    history_before = person.history.count()
    # A new phone; blank 职务 and 是否党员 keep what is stored (no erasing by empty cells).
    upload = file_of([row_of(person, 联系电话="13912345678", 职务=None, 是否党员=None)])

    report = import_people(upload, actor=county_admin)
    assert (report.new, report.changed, report.unchanged) == (0, 1, 0)
    change = report.changes[0]
    assert change.row == 2 and "李青山" in change.label and person.id_number not in change.label
    assert [(f.header, f.old, f.new) for f in change.fields] == [
        ("联系电话", person.phone, "13912345678")]
    assert Person.objects.get(pk=person.pk).phone == person.phone  # the preview writes nothing

    report = import_people(upload, actor=county_admin, commit=True, filename="people.xlsx")
    assert report.committed and (report.created, report.updated) == (0, 1)
    stored = Person.objects.get(pk=person.pk)
    assert stored.phone == "13912345678"
    assert (stored.name, stored.position, stored.is_party_member) == ("李青山", "村民", False)
    assert stored.history.count() == history_before + 1
    latest = stored.history.first()
    assert latest.history_type == "~" and latest.history_user == county_admin
    event = AuditEvent.objects.get(action=AuditAction.IMPORT)
    assert "新增 0 名，更新 1 名" in event.summary and event.data["updated"] == 1


def test_update_can_move_a_person_and_rename_them(tree, people, county_admin):
    upload = file_of([row_of(people.a1, 姓名="李青", 所在组织="石桥村")])
    report = import_people(upload, actor=county_admin, commit=True)
    assert report.committed and report.updated == 1
    assert {(f.header, f.old, f.new) for f in report.changes[0].fields} == {
        ("姓名", "李青山", "李青"), ("所在组织", "青山村（V0001）", "石桥村（V0002）")}
    stored = Person.objects.get(pk=people.a1.pk)
    assert (stored.name, stored.home_org, stored.search_key) == (
        "李青", tree.village_a2, Person(name="李青").search_key or stored.search_key)
    assert Person.objects.search("李青").filter(pk=stored.pk).exists()


def test_a_masked_id_number_is_refused_with_a_reason(tree, people, county_admin):
    upload = file_of([row_of(people.a1, 身份证号=people.a1.masked_id_number)])
    report = import_people(upload, actor=county_admin)
    assert error_cells(report) == {(2, "身份证号")}
    assert "部分隐藏" in report.errors[0].message


def test_unchanged_rows_are_not_written_and_get_no_history(tree, people, county_admin):
    history_before = Person.history.count()
    upload = file_of([row_of(people.a1), row_of(people.b1), person_row("新人", org="V0002")])
    report = import_people(upload, actor=county_admin, commit=True)
    assert report.committed
    assert (report.new, report.changed, report.unchanged) == (1, 0, 2)
    assert (report.created, report.updated) == (1, 0)
    assert Person.history.count() == history_before + 1
    assert not Person.history.filter(history_type="~").exists()


def test_a_file_of_unchanged_rows_offers_nothing_to_confirm(tree, people, county_admin, login,
                                                            post):
    upload = file_of([row_of(people.a1), row_of(people.a2)])
    response = post(
        login(county_admin), reverse("portal:transfer_upload", args=["people"]),
        {"people-file": SimpleUploadedFile("p.xlsx", upload.getvalue())})
    page = response.content.decode()
    assert response.status_code == 200 and response.context["token"] is None
    assert "没有需要导入的新增或更新" in page and "确认导入" not in page


# --- organizations named by name or code --------------------------------------------------------


@pytest.mark.parametrize("cell, code", [
    ("V0002", "V0002"), ("v0002", "V0002"), ("石桥村", "V0002"), ("石桥村（V0002）", "V0002"),
    ("石桥村(V0002)", "V0002"), ("县农业农村局", "U0001"),
])
def test_home_org_by_name_or_code(tree, county_admin, cell, code):
    report = import_people(file_of([person_row("甲", org=cell)]), actor=county_admin,
                           commit=True)
    assert report.committed, report.errors
    assert Person.objects.get(name="甲").home_org.code == code


def test_ambiguous_name_is_an_error_naming_the_candidates(tree, county_admin):
    Organization.objects.add_child(tree.town_b, dict(name="青山村", code="V0009", kind="village"))
    report = import_people(file_of([person_row("甲", org="青山村")]), actor=county_admin)
    assert error_cells(report) == {(2, "所在组织")}
    message = report.errors[0].message
    assert "不唯一" in message and "V0001（青山镇）" in message and "V0009（白水乡）" in message
    assert "组织编码" in message
    # The code, or name and code, settles it.
    for cell in ("V0009", "青山村（V0009）"):
        assert import_people(file_of([person_row("甲", org=cell)]), actor=county_admin).ok


def test_names_resolve_only_within_what_the_importer_may_see(tree):
    town_importer = UserFactory(username="town_importer")
    grant(town_importer, tree.town_a, "county_admin")  # imports, and sees, only 青山镇
    Organization.objects.add_child(tree.town_b, dict(name="青山村", code="V0009", kind="village"))
    report = import_people(file_of([
        person_row("甲", org="青山村"),   # the other 青山村 is out of sight: not ambiguous
        person_row("乙", org="白水村"),   # out of sight: not found, and not named
    ]), actor=town_importer, commit=True)
    assert error_cells(report) == {(3, "所在组织")}
    assert "不存在" in report.errors[0].message
    assert not report.committed
    report = import_people(file_of([person_row("甲", org="青山村")]), actor=town_importer,
                           commit=True)
    assert report.committed and Person.objects.get(name="甲").home_org == tree.village_a1


def test_new_org_parent_by_name_from_database_or_file(tree, county_admin):
    upload = workbook_file([ORG_HEADERS,
                            ["X0101", "茶园组", "新茶村", "其他"],
                            ["V0101", "新茶村", "青山镇", "村"],
                            ["X0102", "竹园组", "石桥村（V0002）", "其他"]])
    report = import_orgs(upload, actor=county_admin, commit=True)
    assert report.committed, report.errors
    assert (report.created, report.updated) == (3, 0)
    get = Organization.objects.get
    assert Organization.objects.get_parent(get(code="V0101")) == tree.town_a
    assert Organization.objects.get_parent(get(code="X0101")).code == "V0101"
    assert Organization.objects.get_parent(get(code="X0102")) == tree.village_a2


def test_ambiguous_parent_name_lists_file_rows_and_database_orgs(tree, county_admin):
    upload = workbook_file([ORG_HEADERS,
                            ["V0101", "青山村", "青山镇", "村"],   # a second 青山村, new
                            ["X0101", "茶园组", "青山村", "其他"]])
    report = import_orgs(upload, actor=county_admin)
    assert error_cells(report) == {(3, "上级组织")}
    message = report.errors[0].message
    assert "V0101（本文件第2行）" in message and "V0001（青山镇）" in message


# --- organizations matched by code ----------------------------------------------------------------


def org_file(*rows):
    return workbook_file([ORG_HEADERS, *rows])


def test_org_update_by_code_changes_only_the_fields_given(tree, county_admin):
    village = tree.village_a1
    Organization.objects.filter(pk=village.pk).update(address="老地址", industry_tags="茶叶")
    history_before = village.history.count()
    upload = org_file(
        ["V0001", "青山新村", "T0001", "村", None, None, None, None, None, "否"],  # renamed, off
        ["V0002", "石桥村", "青山镇", "村", "党支部"],                             # unchanged
        ["T0002", "白水乡", "", "乡镇（街道）"],                                    # blank parent
    )
    report = import_orgs(upload, actor=county_admin)
    assert (report.new, report.changed, report.unchanged) == (0, 1, 2), report.errors
    assert {(f.header, f.old, f.new) for f in report.changes[0].fields} == {
        ("组织名称", "青山村", "青山新村"), ("是否启用", "是", "否")}
    assert report.changes[0].label == "青山村（V0001）"

    report = import_orgs(upload, actor=county_admin, commit=True)
    assert report.committed and (report.created, report.updated) == (0, 1)
    village.refresh_from_db()
    assert (village.name, village.is_active, village.address, village.industry_tags) == (
        "青山新村", False, "老地址", "茶叶")
    assert village.history.count() == history_before + 1
    assert village.history.first().history_user == county_admin
    assert tree.village_a2.history.count() == 1  # unchanged: no history row
    assert Organization.objects.search("青山新村").filter(pk=village.pk).exists()
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_org_update_cannot_move_or_break_placement(tree, county_admin):
    report = import_orgs(org_file(
        ["V0001", "青山村", "白水乡", "村"],        # another parent: moving is the org page's
        ["T0001", "青山镇", "C0001", "村"],        # a village directly under the county
        ["T0002", "白水乡", "C0001", "工业园区"],   # a park may sit there, its villages not
        ["V0003", "白水村", "T0002", "村"],         # unchanged itself: row 4 says why
        ["V0004", "柳林村", "", "城市社区"],            # under the file's new kind of T0002
    ), actor=county_admin)
    messages = {(e.row, e.column): e.message for e in report.errors}
    assert set(messages) == {(2, "上级组织"), (3, "组织类别"), (4, "组织类别"), (6, "组织类别")}
    assert "移动" in messages[(2, "上级组织")] and "青山镇（T0001）" in messages[(2, "上级组织")]
    assert "下不能设立" in messages[(3, "组织类别")]
    assert "下级组织V0003" in messages[(4, "组织类别")]
    assert "“工业园区”下不能设立“城市社区”" in messages[(6, "组织类别")]
    # Alone, under the township it is, a community is fine.
    assert import_orgs(org_file(["V0004", "柳林村", "", "城市社区"]), actor=county_admin,
                       commit=True).updated == 1
    assert Organization.objects.get(code="V0004").kind == "community"


# --- scope --------------------------------------------------------------------------------------


def test_updating_a_record_outside_the_scope_is_refused(tree, people):
    town_importer = UserFactory(username="town_importer")
    grant(town_importer, tree.town_a, "county_admin")
    people_report = import_people(file_of([
        row_of(people.a1, 联系电话="13900000001"),                    # inside 青山镇
        row_of(people.b1, 所在组织="V0001", 联系电话="13900000002"),  # 白水村's person
    ]), actor=town_importer, commit=True)
    assert error_cells(people_report) == {(3, "身份证号")}
    assert "不在您的管理范围内，不能更新" in people_report.errors[0].message
    assert not people_report.committed
    assert Person.objects.get(pk=people.b1.pk).home_org == tree.village_b1
    assert Person.objects.get(pk=people.a1.pk).phone == people.a1.phone

    org_report = import_orgs(org_file(["V0003", "白水新村", "T0002", "村"]),
                             actor=town_importer, commit=True)
    assert error_cells(org_report) == {(2, "组织编码")}
    assert "不能更新" in org_report.errors[0].message
    assert Organization.objects.get(code="V0003").name == "白水村"


# --- the preview's counts, all or nothing -----------------------------------------------------


def test_preview_counts_new_changed_unchanged_and_errors(tree, people, county_admin, login,
                                                        post):
    rows = [person_row("新一", org="V0001"), person_row("新二", org="青山村"),
            row_of(people.a1, 职务="支部书记"), row_of(people.a2),
            person_row("坏一", phone="123"), person_row("坏二", org="没有这个村", gender="男性")]
    report = import_people(file_of(rows), actor=county_admin)
    assert (report.new, report.changed, report.unchanged) == (2, 1, 1)
    assert report.error_row_count == 2 and report.error_count == 3

    client = login(county_admin)
    response = post(client, reverse("portal:transfer_upload", args=["people"]),
                    {"people-file": SimpleUploadedFile("p.xlsx", file_of(rows).getvalue())})
    summary = _text(response, "import-summary")
    assert summary == ["2", "新增", "1", "更新", "1", "无变化", "2", "错误（行）"]
    assert response.context["token"] is None

    rows = rows[:4]
    response = post(client, reverse("portal:transfer_upload", args=["people"]),
                    {"people-file": SimpleUploadedFile("p.xlsx", file_of(rows).getvalue())})
    page = response.content.decode()
    assert _text(response, "import-summary")[::2] == ["2", "1", "1", "0"]
    assert "确认导入（新增 2，更新 1）" in page
    assert "职务：" in page and "支部书记" in page
    changes = _text(response, "import-changes")
    assert any("第 4 行" in line for line in changes)
    new_rows = _text(response, "import-new")
    assert "青山村（V0001）" in new_rows

    response = post(client, reverse("portal:transfer_commit",
                                    args=["people", response.context["token"]]))
    assert "已成功导入：新增 2 名人员，更新 1 名人员" in response.content.decode()
    assert Person.objects.get(pk=people.a1.pk).position == "支部书记"


class _TextOf(HTMLParser):
    """The text pieces inside the element with a given id."""

    VOID = {"br", "img", "input", "hr", "meta", "link"}

    def __init__(self, element_id):
        super().__init__()
        self.element_id, self.depth, self.pieces = element_id, 0, []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.depth or dict(attrs).get("id") == self.element_id:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth and data.strip():
            self.pieces.append(data.strip())


def _text(response, element_id):
    """The non-blank text pieces of the page's element with `element_id`."""
    parser = _TextOf(element_id)
    parser.feed(response.content.decode())
    assert parser.pieces, f"#{element_id} not found or empty"
    return parser.pieces


def test_changes_listed_are_capped_with_a_count(tree, county_admin, login, monkeypatch, post):
    monkeypatch.setattr("portal.importers.MAX_LISTED_CHANGES", 3)
    people = [PersonFactory(home_org=tree.village_a1) for _ in range(5)]
    rows = [row_of(person, 职务="组长") for person in people]
    response = post(
        login(county_admin), reverse("portal:transfer_upload", args=["people"]),
        {"people-file": SimpleUploadedFile("p.xlsx", file_of(rows).getvalue())})
    report = response.context["report"]
    assert report.changed == 5 and len(report.changes) == 3 and report.unlisted_changes == 2
    assert "另有 2 条更新未列出" in response.content.decode()


def test_error_in_the_last_row_writes_nothing(tree, people, county_admin):
    rows = [row_of(people.a1, 职务="支部书记"), row_of(people.b1, 所在组织="V0004")]
    rows += [person_row(f"人{i}", org="V0002") for i in range(1500)]
    rows.append(person_row("坏", gender="男性"))  # the last row, in the second batch
    history_before = Person.history.count()
    report = import_people(file_of(rows), actor=county_admin, commit=True)
    assert not report.committed and (report.created, report.updated) == (0, 0)
    assert error_cells(report) == {(len(rows) + 1, "性别")}
    assert Person.objects.count() == 4 and Person.history.count() == history_before
    assert Person.objects.get(pk=people.a1.pk).position == ""
    assert Person.objects.get(pk=people.b1.pk).home_org == tree.village_b1
    assert not AuditEvent.objects.filter(action=AuditAction.IMPORT).exists()


def test_org_error_in_the_last_row_writes_nothing(tree, county_admin):
    report = import_orgs(org_file(["V0001", "青山新村", "T0001", "村"],
                                  ["V0101", "新村", "T0001", "村"],
                                  ["V0102", "", "T0001", "村"]),
                         actor=county_admin, commit=True)
    assert not report.committed and error_cells(report) == {(4, "组织名称")}
    assert Organization.objects.get(code="V0001").name == "青山村"
    assert not Organization.objects.filter(code="V0101").exists()


def test_commit_refuses_when_an_update_became_unneeded_since_the_preview(tree, people,
                                                                        county_admin, login,
                                                                        post):
    client = login(county_admin)
    upload = file_of([row_of(people.a1, 联系电话="13900000001")])
    response = post(client, reverse("portal:transfer_upload", args=["people"]),
                    {"people-file": SimpleUploadedFile("p.xlsx", upload.getvalue())})
    token = response.context["token"]
    Person.objects.filter(pk=people.a1.pk).update(phone="13900000001")  # someone else did it
    response = post(client, reverse("portal:transfer_commit", args=["people", token]))
    assert response.status_code == 200 and not response.context["report"].committed
    assert "预览之后" in response.content.decode()


def test_matching_takes_a_query_per_batch_not_per_row(tree, county_admin):
    def queries_for(count):
        people = [PersonFactory(home_org=tree.village_a1) for _ in range(count)]
        rows = [row_of(p, 职务="组长") for p in people] + [person_row(org="V0002")
                                                         for _ in range(count)]
        with CaptureQueriesContext(connection) as captured:
            report = import_people(file_of(rows), actor=county_admin)
        assert report.changed == count and report.new == count
        return len(captured)

    queries_for(1)  # the importer's roles are looked up once and kept on the user
    assert queries_for(3) == queries_for(60) == 2  # the orgs; the people of the batch


def test_templates_and_index_explain_updates(tree, county_admin, login):
    client = login(county_admin)
    response = client.get(reverse("portal:transfer_template", args=["people"]))
    guide = load_workbook(io.BytesIO(response.content))["填写说明"]
    text = "".join(str(cell.value or "") for row in guide.iter_rows() for cell in row)
    assert "更新该记录" in text and "保持原值" in text and "标题行" in text
    assert "编码或名称" in client.get(reverse("portal:transfer_index")).content.decode()


def _export(what, org, user):
    job = execute_job(start_export(f"export_{what}", org, actor=user).pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    with job.output.file.open("rb") as handle:
        return io.BytesIO(handle.read())


def test_an_export_imports_back_unchanged_and_edited_it_updates(tree, people, county_admin,
                                                                 settings, tmp_path):
    """The journey the update is for: export, edit some cells in Excel, import."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    orgs = import_orgs(_export("orgs", tree.county, county_admin), actor=county_admin)
    assert orgs.ok and (orgs.new, orgs.changed, orgs.unchanged) == (0, 0, 8), orgs.errors

    workbook = load_workbook(_export("people", tree.county, county_admin))
    sheet = workbook.worksheets[0]
    header = next(row for row in sheet.iter_rows() if row[0].value == "姓名")
    column = {cell.value: cell.column for cell in header}
    for row in sheet.iter_rows(min_row=header[0].row + 1):
        if row[column["身份证号"] - 1].value == people.b1.id_number:
            row[column["职务"] - 1].value = "妇联主席"
    edited = io.BytesIO()
    workbook.save(edited)
    report = import_people(edited, actor=county_admin, commit=True)
    assert report.committed and (report.new, report.changed, report.unchanged) == (0, 1, 3)
    assert Person.objects.get(pk=people.b1.pk).position == "妇联主席"


def test_updated_people_are_locked_by_id_before_the_bulk_update(tree, people, county_admin):
    """The bulk UPDATE locks rows in PostgreSQL's read order; an activity being saved share-
    locks its participants by id (ledger/tallies.py): the import locks them by id first, so the
    two wait for each other instead of deadlocking."""
    upload = file_of([row_of(people.a2, 姓名="王石"), row_of(people.a1, 姓名="李青")])
    with CaptureQueriesContext(connection) as captured:
        assert import_people(upload, actor=county_admin, commit=True).committed
    statements = [q["sql"] for q in captured]
    update = next(n for n, sql in enumerate(statements)
                  if sql.startswith('UPDATE "portal_person"'))
    lock = next(n for n, sql in enumerate(statements)
                if sql.startswith('SELECT "portal_person"."id" AS "pk" FROM "portal_person"')
                and "ORDER BY 1 ASC" in sql)
    assert lock < update
    if connection.vendor == "postgresql":
        assert statements[lock].endswith("FOR UPDATE")

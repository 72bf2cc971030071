"""Excel import of enrolments: every row validated, all or nothing, through the shared flow."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from assessment.importers import ENROLMENT_COLUMNS, import_enrolments
from assessment.models import Enrolment
from portal.models import AuditEvent
from tests.factories import PersonFactory
from tests.spreadsheets import xlsx_file

pytestmark = pytest.mark.django_db
HEADERS = [column.header for column in ENROLMENT_COLUMNS]


def xlsx(*rows):
    return xlsx_file(HEADERS, rows)


@pytest.fixture
def cadres(assessed, tree):
    Enrolment.objects.all().delete()
    return assessed.cadres


def test_good_file_commits_all_rows(cadres, assessed, county_admin):
    data = xlsx([cadres["c1"].id_number, "周一", "乡村振兴行动", 2025, "2025-03-01"],
                [cadres["c2"].id_number, "", "RURAL", "2025", datetime.datetime(2025, 2, 1)],
                [cadres["c3"].id_number, None, "rural", 2025, None])
    preview = import_enrolments(data, actor=county_admin)
    assert preview.ok and preview.total == 3 and not Enrolment.objects.exists()
    report = import_enrolments(data, actor=county_admin, commit=True, filename="报名.xlsx")
    assert report.committed and report.created == 3
    starts = dict(Enrolment.objects.values_list("person__name", "start_date"))
    assert starts == {"周一": datetime.date(2025, 3, 1), "吴二": datetime.date(2025, 2, 1),
                      "郑三": datetime.date(2025, 1, 1)}
    assert AuditEvent.objects.filter(action="import", summary__contains="行动报名 3 条").exists()


def test_one_bad_row_writes_nothing_and_names_row_and_column(cadres, assessed, county_admin,
                                                             tree, people):
    non_cadre = PersonFactory(home_org=tree.unit, name="非干部", is_cadre=False)
    villager = PersonFactory(home_org=tree.village_a1, name="村民", is_cadre=True)
    data = xlsx([cadres["c1"].id_number, "周一", "乡村振兴行动", 2025, ""],
                [cadres["c1"].id_number, "周一", "乡村振兴行动", 2025, ""],
                [cadres["c2"].id_number, "王五", "乡村振兴行动", 2025, ""],
                [non_cadre.id_number, "", "乡村振兴行动", 2025, ""],
                [villager.id_number, "", "乡村振兴行动", 2025, ""],
                ["110101199003070000", "", "乡村振兴行动", 2025, ""],
                [cadres["c3"].id_number, "", "不存在的行动", "二〇二五", "2024-12-01"],
                [cadres["c3"].id_number, "", "乡村振兴行动", 2025, "2024-12-01"])
    report = import_enrolments(data, actor=county_admin, commit=True)
    assert not report.committed and not Enrolment.objects.exists()
    errors = {(e.row, e.column) for e in report.errors}
    assert {(3, "行动"), (4, "姓名"), (5, "身份证号"), (6, "身份证号"), (7, "身份证号"),
            (8, "行动"), (8, "年度"), (9, "参加日期")} <= errors


def test_already_enrolled_is_an_error_not_an_update(cadres, assessed, county_admin):
    Enrolment.objects.create(action=assessed.action, year=2025, person=cadres["c1"],
                             org=cadres["c1"].home_org, start_date=datetime.date(2025, 1, 1))
    report = import_enrolments(xlsx([cadres["c1"].id_number, "", "乡村振兴行动", 2025, ""]),
                               actor=county_admin)
    assert [e.message for e in report.errors] == ["“周一”已报名2025年乡村振兴行动。"]


def test_pages_upload_preview_and_commit(cadres, county_admin, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(county_admin)
    assert client.get(reverse("assessment:enrolment_import")).status_code == 200
    template = client.get(reverse("assessment:enrolment_import_template"))
    assert load_workbook(io.BytesIO(template.content)).active["A1"].value.startswith("身份证号")
    upload = SimpleUploadedFile("报名.xlsx", xlsx(
        [cadres["c1"].id_number, "", "乡村振兴行动", 2025, ""]).getvalue())
    preview = client.post(reverse("assessment:enrolment_import_upload"),
                          {"enrolments-file": upload})
    token = preview.context["token"]
    assert token and not Enrolment.objects.exists()
    done = client.post(reverse("assessment:enrolment_import_commit", args=[token]))
    assert done.status_code == 302 and Enrolment.objects.count() == 1

"""Excel import of pairings: every row validated, all or nothing, errors name row and column."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from pairing.importers import PAIRING_COLUMNS, import_pairings
from pairing.models import Pairing
from portal.models import AuditEvent
from tests.factories import PersonFactory, add_org
from tests.spreadsheets import xlsx_file

HEADERS = [column.header for column in PAIRING_COLUMNS]

@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]



def xlsx(*rows, headers=HEADERS):
    return xlsx_file(headers, rows)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def enterprise(tree):
    return add_org(tree.county, "青山茶业公司", "enterprise", code="E0001")


def test_good_file_commits(tree, county_admin, people, enterprise):
    head = people.unit
    liaison = PersonFactory(home_org=tree.unit, name="刘联络")
    data = xlsx(
        ["U0001", "V0001", datetime.datetime(2026, 1, 5), "地域相邻、优势互补", head.id_number,
         liaison.id_number],
        ["u0001", "V0002", "2026年3月1日", "产业相近", "", ""],
        ["E0001", "V0003", "", "", None, None],
    )
    preview = import_pairings(data, actor=county_admin)
    assert preview.ok and preview.total == 3 and not Pairing.objects.exists()
    report = import_pairings(data, actor=county_admin, commit=True, filename="结对.xlsx")
    assert report.committed and report.created == 3
    first = Pairing.objects.get(village_org=tree.village_a1)
    assert (first.since, first.principles, first.honorary_head, first.liaison) == (
        datetime.date(2026, 1, 5), ["near", "complement"], head, liaison)
    assert Pairing.objects.get(village_org=tree.village_a2).since == datetime.date(2026, 3, 1)
    assert Pairing.objects.get(village_org=tree.village_b1).city_org == enterprise
    assert AuditEvent.objects.filter(summary__startswith="导入结对关系 3 条").exists()


def test_one_bad_row_writes_nothing(tree, county_admin, people):
    Pairing.objects.create(city_org=tree.unit, village_org=tree.village_b2,
                           since=datetime.date(2025, 1, 1))
    data = xlsx(
        ["U0001", "V0001", "2026-01-01", "地域相邻", "", ""],       # row 2: fine
        ["U0001", "T0001", "2026-01-01", "", "", ""],                # 3: a township
        ["V0002", "V0001", "2026-01-01", "", "", ""],                # 4: a village as unit
        ["U0001", "V0001", "2026-01-01", "", "", ""],                # 5: same pair as row 2
        ["U0001", "V0004", "2026-01-01", "", "", ""],                # 6: already paired
        ["U0001", "V0002", "2026-02-30", "", "", ""],                # 7: bad date
        ["U0001", "V0003", "", "门当户对", "", ""],                  # 8: unknown principle
        ["U0001", "V0003", "", "", people.a1.id_number, ""],         # 9: head not in unit
        ["U0001", "V0002", "", "", "", "110101199003077777"],        # 10: unknown person
        ["X9999", "", "", "", "", ""],                               # 11: unknown, missing
    )
    report = import_pairings(data, actor=county_admin, commit=True)
    assert not report.committed and report.created == 0
    assert Pairing.objects.count() == 1  # only the pre-existing one
    errors = {(e.row, e.column): e.message for e in report.errors}
    assert "结对对象应为村党组织" in errors[(3, "村编码")]
    assert "结对单位应为" in errors[(4, "单位编码")]
    assert "与第2行重复" in errors[(5, "村编码")]
    assert "已有生效的结对关系" in errors[(6, "村编码")]
    assert "不是有效日期" in errors[(7, "结对日期")]
    assert "门当户对" in errors[(8, "结对原则")]
    assert "不是“县农业农村局”的人员" in errors[(9, "名誉村长身份证号")]
    assert "不存在" in errors[(10, "联络员身份证号")]
    assert "X9999" in errors[(11, "单位编码")] and "不能为空" in errors[(11, "村编码")]
    assert (2, "村编码") not in errors


def test_missing_column_and_non_excel(county_admin, tree):
    report = import_pairings(xlsx(["U0001"], headers=["单位编码"]), actor=county_admin)
    assert [(e.row, e.column) for e in report.errors] == [(1, "村编码")]
    from portal.spreadsheets import UnreadableWorkbook

    with pytest.raises(UnreadableWorkbook):
        import_pairings(io.BytesIO(b"MZ\x90\x00not a workbook"), actor=county_admin)


def test_import_pages(login, county_admin, tree, media):
    client = login(county_admin)
    template = client.get(reverse("pairing:pairing_import_template"))
    sheet = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in sheet[1]] == HEADERS

    upload = reverse("pairing:pairing_import_upload")
    bad = SimpleUploadedFile("结对.xlsx", xlsx(["U0001", "V0009", "", "", "", ""]).read())
    response = client.post(upload, {"pairings-file": bad})
    assert response.status_code == 200 and response.context["token"] is None
    assert "组织编码“V0009”不存在" in response.content.decode()

    good = SimpleUploadedFile("结对.xlsx", xlsx(["U0001", "V0001", "", "", "", ""]).read())
    response = client.post(upload, {"pairings-file": good})
    token = response.context["token"]
    assert token and not Pairing.objects.exists()
    response = client.post(reverse("pairing:pairing_import_commit", args=[token]))
    assert response.status_code == 302
    assert Pairing.objects.get().village_org == tree.village_a1
    # The token is spent: a second commit changes nothing.
    response = client.post(reverse("pairing:pairing_import_commit", args=[token]))
    assert response.status_code == 302 and Pairing.objects.count() == 1


def test_import_needs_the_capability(township_admin, tree):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_pairings(xlsx(["U0001", "V0001", "", "", "", ""]), actor=township_admin)

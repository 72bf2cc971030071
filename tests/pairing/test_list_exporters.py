"""List exports of the pairing pages (pairing/list_exporters.py): the pairing list and the
needs board as filtered on screen, within the user's scope, names not codes, print-ready."""

import datetime
import io
import subprocess
from types import SimpleNamespace

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pairing.list_exporters import NeedListExporter, PairingListExporter
from pairing.models import Pairing, Principle
from pairing.services import needs as need_services
from portal.exporting import get_exporter
from portal.list_exports import PersonListExporter
from portal.models import Job
from tests.factories import add_org


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def pairings(tree):
    bureau = add_org(tree.county, "县教育局", "unit", code="U0002")
    return SimpleNamespace(
        a1=Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                  since=datetime.date(2026, 1, 1), principles=["near"]),
        b1=Pairing.objects.create(city_org=bureau, village_org=tree.village_b1,
                                  since=datetime.date(2026, 2, 1)),
    )


@pytest.fixture
def needs(tree, pairings, village_secretary, other_village_secretary, soon):
    return [need_services.do_publish_need(org, actor=user, title=title, description="-",
                                          deadline=soon, places=2)
            for org, user, title in [(tree.village_a1, village_secretary, "电商培训"),
                                     (tree.village_b1, other_village_secretary, "白水义诊")]]


def render(exporter, user, scope_org, query):
    job = SimpleNamespace(owner=user, scope_org=scope_org, params={"query": query})
    file = exporter.render(job, lambda *args: None)
    return file, load_workbook(io.BytesIO(file.content)).active


def sheet_rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_pairing_list_file_follows_the_filters(tree, pairings, county_admin):
    file, sheet = render(PairingListExporter(), county_admin, tree.county,
                         f"township={tree.town_a.pk}")
    rows = sheet_rows(sheet)
    assert rows[0][0].startswith("结对共建名单\u3000范围：示范县\u3000筛选：乡镇：青山镇")
    assert rows[1][:3] == ["结对村", "乡镇", "结对单位"]
    assert rows[2][:3] == ["青山村", "青山镇", "县农业农村局"]  # names, not V0001 / U0001
    assert rows[2][5] == Principle("near").label  # principles by label
    assert len(rows) == 3
    assert file.filename.startswith("结对共建名单_") and file.filename.endswith(".xlsx")
    _, sheet = render(PairingListExporter(), county_admin, tree.county, "q=白水")
    assert [row[0] for row in sheet_rows(sheet)[2:]] == ["白水村"]
    _, sheet = render(PairingListExporter(), county_admin, tree.county, "")
    assert [row[0] for row in sheet_rows(sheet)[2:]] == ["青山村", "白水村"]


def test_the_pairing_list_file_keeps_to_the_users_scope(tree, pairings, township_admin):
    # 青山镇's admin asks for 白水乡 by id: the list's filter offers no such township.
    _, sheet = render(PairingListExporter(), township_admin, tree.town_a,
                      f"township={tree.town_b.pk}")
    assert [row[0] for row in sheet_rows(sheet)[2:]] == ["青山村"]


def test_the_needs_file_is_the_board_as_filtered(tree, needs, county_admin, township_admin):
    _, sheet = render(NeedListExporter(), county_admin, tree.county, "")
    rows = sheet_rows(sheet)
    assert rows[1][:4] == ["事项", "类别", "村", "乡镇"]
    assert sorted(row[0] for row in rows[2:]) == ["电商培训", "白水义诊"]
    _, sheet = render(NeedListExporter(), county_admin, tree.county, "q=义诊")
    rows = sheet_rows(sheet)
    assert [row[:4] for row in rows[2:]] == [["白水义诊", needs[1].get_kind_display(),
                                              "白水村", "白水乡"]]
    assert "筛选：搜索：义诊" in rows[0][0]
    _, sheet = render(NeedListExporter(), township_admin, tree.town_a, "")
    assert [row[0] for row in sheet_rows(sheet)[2:]] == ["电商培训"]


def test_the_filter_bars_post_their_filters_to_the_export(tree, pairings, needs, county_admin,
                                                          login):
    client = login(county_admin)
    html = client.get(reverse("pairing:pairing_list"), {"q": "青山"}).content.decode()
    assert f'action="{reverse("portal:list_export", args=["pairing_list"])}"' in html
    assert 'name="query" value="q=%E9%9D%92%E5%B1%B1"' in html
    html = client.get(reverse("pairing:need_board"), {"q": "义诊"}).content.decode()
    assert f'action="{reverse("portal:list_export", args=["need_list"])}"' in html
    response = client.post(reverse("portal:list_export", args=["need_list"]),
                           {"query": "q=义诊"})
    job = Job.objects.get(kind="need_list")
    assert response.status_code == 302 and job.params["query"] == "q=%E4%B9%89%E8%AF%8A"
    assert job.scope_org == tree.county


def test_a_list_export_without_the_capability_is_refused(tree, pairings, village_secretary,
                                                         login):
    response = login(village_secretary).post(
        reverse("portal:list_export", args=["pairing_list"]), {"query": ""})
    assert response.status_code == 403
    assert not Job.objects.exists()


@pytest.mark.parametrize("identifier", ["pairing_list", "need_list", "person_list"])
def test_libreoffice_prints_the_title_and_every_column_on_the_first_page(
        identifier, tree, people, needs, county_admin, tmp_path, libreoffice):
    exporter = get_exporter(identifier)
    assert isinstance(exporter, PairingListExporter | NeedListExporter | PersonListExporter)
    file, _ = render(exporter, county_admin, tree.county, "")
    source = tmp_path / "list.xlsx"
    source.write_bytes(file.content)
    subprocess.run([libreoffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
                   check=True, timeout=180, capture_output=True)
    first_page = subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-layout",
                                 str(tmp_path / "list.pdf"), "-"],
                                check=True, capture_output=True, text=True).stdout
    assert exporter.verbose_name in first_page
    for column in exporter.columns:
        assert column.header in first_page, column.header

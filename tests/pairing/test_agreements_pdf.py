"""The agreement PDF: Chinese title and lists extract back, the CJK font is embedded."""

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from pairing.models import AgreementStatus, AnnualAgreement, NeedItem, ProjectItem, ResourceItem
from pairing.services import agreements as services
from portal.pdf import render_pdf
from tests.conftest import need_service

TITLE = "《县农业农村局与青山村 2026年度结对共建协议》"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Cached PDFs go to a temporary media folder."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def poppler():
    need_service(bool(shutil.which("pdffonts") and shutil.which("pdftotext")),
                 "poppler-utils (pdffonts, pdftotext) not installed")


@pytest.fixture
def agreement(pairing):
    agreement = AnnualAgreement.objects.create(pairing=pairing, year=2026,
                                               terms="双方每月至少联系一次。\n每半年召开联席会议。")
    resource = ResourceItem.objects.create(agreement=agreement, category="technology",
                                           description="茶叶种植技术指导",
                                           estimated_amount=1234)
    need = NeedItem.objects.create(agreement=agreement, title="修缮村级活动场所",
                                   description="屋顶漏雨")
    project = ProjectItem.objects.create(agreement=agreement, name="活动场所改造",
                                         budget="56789.5", progress=30)
    project.needs.add(need)
    project.resources.add(resource)
    return agreement


def _tool(tmp_path, pdf, *command):
    path = tmp_path / "agreement.pdf"
    path.write_bytes(pdf)
    return subprocess.run([*command, str(path), *(["-"] if command[0] == "pdftotext" else [])],
                          capture_output=True, text=True, check=True, timeout=60).stdout


def test_agreement_pdf_embeds_the_font_and_text_extracts(client, tmp_path, poppler, agreement,
                                                         village_secretary):
    client.force_login(village_secretary)
    response = client.get(reverse("pairing:agreement_pdf", args=[agreement.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"]
    pdf = b"".join(response.streaming_content)
    assert pdf.startswith(b"%PDF-")

    fonts = _tool(tmp_path, pdf, "pdffonts").splitlines()[2:]
    assert fonts, "no fonts in the PDF"
    for line in fonts:  # every font, also the page-number one, is the embedded WenQuanYi
        columns = line.split()
        assert "WenQuanYi" in columns[0], line
        assert columns[-5] == "yes", f"font not embedded: {line}"

    text = "".join(_tool(tmp_path, pdf, "pdftotext", "-enc", "UTF-8").split())
    for expected in (TITLE, "附件1资源清单", "附件2需求清单", "附件3项目清单", "茶叶种植技术指导",
                     "修缮村级活动场所", "活动场所改造", "¥1,234.00", "¥56,789.50",
                     "单位党组织（盖章）", "村党组织（盖章）", "负责人签字", "第1页/共2页",
                     "每半年召开联席会议"):
        assert "".join(expected.split()) in text, expected


def test_render_pdf_helper_uses_the_print_base(tmp_path, poppler, agreement):
    pdf = render_pdf("pdf/agreement.html", {
        "agreement": agreement, "pairing": agreement.pairing, "resources": [], "needs": [],
        "projects": []})
    text = _tool(tmp_path, pdf, "pdftotext", "-enc", "UTF-8")
    assert "（无）" in text and "第 1 页" in text.replace("第1页", "第 1 页")


# ---------------------------------------------------------------- the cached PDF


def _cached_files(settings, agreement):
    folder = Path(settings.MEDIA_ROOT) / "pdf-cache" / "pairing" / "agreement" / str(agreement.pk)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _download(client, agreement):
    response = client.get(reverse("pairing:agreement_pdf", args=[agreement.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def test_agreement_pdf_is_rendered_once_per_version(client, tmp_path, poppler, agreement,
                                                    village_secretary, renders, settings):
    client.force_login(village_secretary)
    first = _download(client, agreement)
    again = _download(client, agreement)
    assert len(renders) == 1, "the second download rendered again"
    assert again == first and first.startswith(b"%PDF-")
    assert len(_cached_files(settings, agreement)) == 1

    # Editing the terms is a new version of what the PDF shows: rendered again, once.
    services.do_update_terms(agreement, actor=village_secretary, terms="双方每季度走访一次。")
    edited = _download(client, agreement)
    _download(client, agreement)
    assert len(renders) == 2
    text = "".join(_tool(tmp_path, edited, "pdftotext", "-enc", "UTF-8").split())
    assert "双方每季度走访一次。" in text and "每半年召开联席会议" not in text
    assert len(_cached_files(settings, agreement)) == 1, "the superseded version was kept"

    # A new item in a list, too.
    ResourceItem.objects.create(agreement=agreement, category="technology",
                                description="电商直播培训", estimated_amount=800)
    assert "电商直播培训" in _tool(tmp_path, _download(client, agreement), "pdftotext",
                                  "-enc", "UTF-8")
    assert len(renders) == 3 and len(_cached_files(settings, agreement)) == 1


def test_filing_renders_the_agreement_pdf_again(client, tmp_path, poppler, agreement,
                                               village_secretary, renders, settings):
    client.force_login(village_secretary)
    draft = _download(client, agreement)
    assert "草稿" in _tool(tmp_path, draft, "pdftotext", "-enc", "UTF-8")
    filed_at = timezone.make_aware(datetime.datetime(2026, 3, 9, 10))
    AnnualAgreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.FILED,
                                                           filed_at=filed_at)
    filed = _download(client, agreement)
    assert len(renders) == 2
    text = "".join(_tool(tmp_path, filed, "pdftotext", "-enc", "UTF-8").split())
    assert "2026年3月9日备案" in text
    assert len(_cached_files(settings, agreement)) == 1


def test_cached_agreement_pdf_stays_scope_checked(client, agreement, village_secretary,
                                                  other_village_secretary, renders):
    client.force_login(village_secretary)
    _download(client, agreement)
    client.force_login(other_village_secretary)
    assert client.get(reverse("pairing:agreement_pdf", args=[agreement.pk])).status_code == 404
    assert len(renders) == 1

"""The agreement PDF: Chinese title and lists extract back, the CJK font is embedded."""

import shutil
import subprocess

import pytest
from django.urls import reverse

from pairing.models import AnnualAgreement, NeedItem, ProjectItem, ResourceItem
from portal.pdf import render_pdf
from tests.conftest import need_service

TITLE = "《县农业农村局与青山村 2026年度结对共建协议》"


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
    pdf = response.content
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

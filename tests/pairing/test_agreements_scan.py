"""Signed scan of an agreement: content-checked, size-limited, stored under our own name and
served only through the scope-checked view."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from pairing.models import AgreementStatus, AnnualAgreement
from pairing.services import agreements as services
from portal.uploads import MB

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def agreement(pairing):
    return AnnualAgreement.objects.create(pairing=pairing, year=2026,
                                          status=AgreementStatus.FILED)


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(client, agreement, name, content, content_type="application/pdf"):
    return client.post(reverse("pairing:agreement_scan_upload", args=[agreement.pk]),
                       {"scan": SimpleUploadedFile(name, content, content_type=content_type)})


def test_renamed_executable_is_refused_and_nothing_stored(client, agreement, village_secretary,
                                                          media_root):
    client.force_login(village_secretary)
    response = upload(client, agreement, "签字协议.pdf", b"MZ\x90\x00\x03" + b"\x00" * 4000)
    assert response.status_code == 200
    assert response.context["form"].errors["scan"] == [
        "文件内容不是有效的 PDF、JPEG、PNG 文件，请检查后重新上传。"]
    assert "文件内容不是有效的 PDF、JPEG、PNG 文件" in response.content.decode()
    agreement.refresh_from_db()
    assert not agreement.signed_scan and stored_files(media_root) == []


def test_file_over_ten_megabytes_is_refused(client, agreement, unit_contact, media_root):
    client.force_login(unit_contact)
    response = upload(client, agreement, "scan.pdf", PDF[:-7] + b"\0" * (11 * MB) + b"%%EOF\n")
    assert response.status_code == 200
    assert response.context["form"].errors["scan"] == ["文件大小为 11.0 MB，超过上限 10 MB。"]
    agreement.refresh_from_db()
    assert not agreement.signed_scan and stored_files(media_root) == []


def test_valid_scan_is_stored_under_a_safe_name_and_downloaded_through_the_view(
        client, agreement, village_secretary, other_village_secretary, media_root,
        django_capture_on_commit_callbacks):
    client.force_login(village_secretary)
    response = upload(client, agreement, "../../etc/协议.exe", PDF, "application/x-msdownload")
    assert response.status_code == 302
    agreement.refresh_from_db()
    name = agreement.signed_scan.name
    assert name.startswith("agreements/") and name.endswith(".pdf")
    assert f"agreement-{agreement.pk}-v1" in name and ".." not in name
    assert len(stored_files(media_root)) == 1

    page = client.get(reverse("pairing:agreement_detail", args=[agreement.pk])).content.decode()
    scan_url = reverse("pairing:agreement_scan", args=[agreement.pk])
    assert scan_url in page and agreement.signed_scan.url not in page  # never the media URL
    response = client.get(scan_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    client.force_login(other_village_secretary)
    assert client.get(scan_url).status_code == 404

    # A PNG replaces the PDF; the old file goes once the row is committed.
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    client.force_login(village_secretary)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, agreement, "scan.jpg", buffer.getvalue(), "image/jpeg")
    agreement.refresh_from_db()
    assert agreement.signed_scan.name.endswith(".png")
    assert [p.suffix for p in stored_files(media_root)] == [".png"]
    assert client.get(scan_url)["Content-Type"] == "image/png"


def test_scan_service_rules(agreement, village_secretary, leader, media_root):
    draft = AnnualAgreement.objects.create(pairing=agreement.pairing, year=2025)
    with pytest.raises(ValidationError, match="双方提交协议后才能上传"):
        services.do_upload_scan(draft, SimpleUploadedFile("a.pdf", PDF),
                                actor=village_secretary)
    with pytest.raises(PermissionDenied):
        services.do_upload_scan(agreement, SimpleUploadedFile("a.pdf", PDF), actor=leader)
    assert stored_files(media_root) == []

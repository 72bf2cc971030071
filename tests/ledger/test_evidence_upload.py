"""Evidence upload and deletion: checked by content and size, photos stripped of GPS and
thumbnailed, all-or-nothing, only while the activity is editable and its month open."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from ledger.models import Activity, ActivityStatus, Evidence
from ledger.services.evidence import do_add_evidence, do_delete_evidence
from tests.ledger.test_evidence_images import jpeg_with_gps

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def activity(tree, theme, today):
    return Activity.objects.create(org=tree.village_a1, date=today, theme=theme, title="义诊",
                                   content="村卫生室义诊")


def upload(name, content, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root):
    return sorted(p.name for p in Path(root).rglob("*") if p.is_file())


def post_files(client, activity, *files):
    return client.post(reverse("ledger:evidence_upload", args=[activity.pk]),
                       {"files": list(files)}, follow=True)


def test_photo_and_pdf_uploaded_through_the_page(login, media, activity, village_secretary):
    response = post_files(login(village_secretary), activity,
                          upload("IMG_0001.jpg", jpeg_with_gps((2400, 1200))),
                          upload("签到表.pdf", PDF, "application/pdf"))
    assert "已上传 2 个佐证材料" in response.content.decode()
    photo, pdf = Evidence.objects.order_by("id")
    assert (photo.kind, photo.original_name, photo.uploaded_by) == ("photo", "IMG_0001.jpg",
                                                                   village_secretary)
    assert photo.file.name.endswith(".jpg") and "IMG_0001" not in photo.file.name
    with Image.open(photo.file.path) as image:
        assert max(image.size) == 1920
        assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    with Image.open(photo.thumbnail.path) as thumb:
        assert max(thumb.size) == 320
    assert (pdf.kind, pdf.size, bool(pdf.thumbnail)) == ("file", len(PDF), False)
    assert pdf.file.name.endswith(".pdf")
    # The gallery links to the scope-checked views, never to /media/.
    page = response.content.decode()
    assert reverse("ledger:evidence_thumbnail", args=[photo.pk]) in page
    assert reverse("ledger:evidence_file", args=[photo.pk]) in page
    assert "/media/" not in page
    full = login(village_secretary).get(reverse("ledger:evidence_file", args=[photo.pk]))
    assert full["Content-Type"] == "image/jpeg"
    assert full["Content-Disposition"].startswith("inline")
    assert b"".join(full.streaming_content).startswith(b"\xff\xd8")
    full.close()


def test_non_image_renamed_jpg_is_refused(login, media, activity, village_secretary):
    response = post_files(login(village_secretary), activity,
                          upload("照片.jpg", b"MZ\x90\x00 this is an exe" * 20))
    page = response.content.decode()
    assert "上传失败，没有保存任何文件" in page
    assert "“照片.jpg”：文件内容不是有效的 PDF、JPEG、PNG 文件" in page
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_20_mb_photo_is_refused_with_the_limit(login, media, activity, village_secretary,
                                               settings):
    big = jpeg_with_gps() + b"\0" * (20 * 1024 * 1024)
    response = post_files(login(village_secretary), activity, upload("大照片.jpg", big))
    page = response.content.decode()
    assert "超过上限 10 MB" in page
    assert "文件大小为 20.0 MB" in page
    assert not Evidence.objects.exists()


def test_one_bad_file_saves_none(media, activity, village_secretary):
    with pytest.raises(ValidationError, match="坏.png"):
        do_add_evidence(activity, [upload("好.jpg", jpeg_with_gps()),
                                   upload("坏.png", b"\x89PNG\r\n\x1a\n" + b"x" * 50)],
                        actor=village_secretary)
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_refused_when_not_editable_locked_or_not_allowed(media, tree, theme, closed_day,
                                                         activity, village_secretary,
                                                         township_admin):
    with pytest.raises(PermissionDenied):
        do_add_evidence(activity, [upload("a.jpg", jpeg_with_gps())], actor=township_admin)
    Activity.objects.filter(pk=activity.pk).update(status=ActivityStatus.SUBMITTED)
    with pytest.raises(ValidationError, match="不能修改佐证材料"):
        do_add_evidence(activity, [upload("a.jpg", jpeg_with_gps())], actor=village_secretary)
    old = Activity.objects.create(org=tree.village_a1, date=closed_day, theme=theme, title="旧",
                                  content="旧")
    with pytest.raises(ValidationError, match="已于.*关闭"):
        do_add_evidence(old, [upload("a.jpg", jpeg_with_gps())], actor=village_secretary)
    assert stored_files(media) == []


def test_delete_removes_files_on_commit(login, media, activity, village_secretary,
                                        django_capture_on_commit_callbacks):
    (evidence,) = do_add_evidence(activity, [upload("a.jpg", jpeg_with_gps())],
                                  actor=village_secretary)
    assert len(stored_files(media)) == 2
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = login(village_secretary).post(
            reverse("ledger:evidence_delete", args=[evidence.pk]))
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert len(stored_files(media)) == 2  # still there until the deletion commits
    for callback in callbacks:
        callback()
    assert stored_files(media) == []


def test_delete_refused_once_submitted(media, activity, village_secretary):
    (evidence,) = do_add_evidence(activity, [upload("a.jpg", jpeg_with_gps())],
                                  actor=village_secretary)
    Activity.objects.filter(pk=activity.pk).update(status=ActivityStatus.CONFIRMED)
    with pytest.raises(ValidationError):
        do_delete_evidence(evidence, actor=village_secretary)
    assert Evidence.objects.count() == 1


def test_thumbnail_and_file_are_scope_checked(login, media, activity, village_secretary,
                                              other_village_secretary):
    (evidence,) = do_add_evidence(activity, [upload("a.jpg", jpeg_with_gps())],
                                  actor=village_secretary)
    served = []
    for name in ("ledger:evidence_file", "ledger:evidence_thumbnail"):
        url = reverse(name, args=[evidence.pk])
        assert login(other_village_secretary).get(url).status_code == 404
        served.append(login(village_secretary).get(url))
    assert [r.status_code for r in served] == [200, 200]
    # Closing ends the "request", which closes the database connection: do it last.
    for response in served:
        response.close()


def test_empty_upload_says_so(login, media, activity, village_secretary):
    response = post_files(login(village_secretary), activity)
    assert "请选择要上传的照片或文件" in response.content.decode()


def test_png_upload_keeps_png(media, activity, village_secretary):
    buffer = io.BytesIO()
    Image.new("RGB", (30, 20), (1, 2, 3)).save(buffer, format="PNG")
    (evidence,) = do_add_evidence(activity, [upload("x.png", buffer.getvalue(), "image/png")],
                                  actor=village_secretary)
    assert evidence.file.name.endswith(".png") and evidence.thumbnail.name.endswith(".jpg")

"""Evidence at first save (issue 11, item 4): photos chosen on the new-activity form are saved
with the activity in one step, all or nothing; 保存并提交 without any evidence asks once; a
locked month on the form points to 申请补录."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ledger.models import Activity, ActivityStatus, Evidence
from ledger.services import evidence as evidence_services
from ledger.services.evidence import do_save_activity_with_evidence
from ledger.views.activities import NO_EVIDENCE_QUESTION
from portal.models import AuditEvent
from tests.ledger.test_activities_views import post_data
from tests.ledger.test_evidence_images import jpeg_with_gps
from tests.ledger.test_evidence_upload import PDF, stored_files, upload

BAD = b"MZ\x90\x00 this is an exe" * 20


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def new_activity(org, theme, day):
    return Activity(org=org, date=day, theme=theme, title="主题党日", content="学习党章")


def test_service_saves_submits_and_attaches_in_one_step(media, tree, theme, today,
                                                        village_secretary):
    activity = do_save_activity_with_evidence(
        new_activity(tree.village_a1, theme, today),
        uploads=[upload("现场.jpg", jpeg_with_gps((1200, 800))),
                 upload("签到表.pdf", PDF, "application/pdf")],
        submit=True, actor=village_secretary)
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED
    photo, pdf = activity.evidence.order_by("id")
    assert (photo.kind, bool(photo.thumbnail), pdf.kind) == ("photo", True, "file")
    assert AuditEvent.objects.filter(summary__contains="上传 2 个佐证材料").exists()


def test_service_with_a_bad_file_creates_nothing(media, tree, theme, today, village_secretary):
    with pytest.raises(ValidationError) as refused:
        do_save_activity_with_evidence(
            new_activity(tree.village_a1, theme, today),
            uploads=[upload("现场.jpg", jpeg_with_gps((1200, 800))), upload("照片.jpg", BAD)],
            submit=True, actor=village_secretary)
    assert list(refused.value.message_dict) == ["files"]
    assert "“照片.jpg”：文件内容不是有效的" in refused.value.message_dict["files"][0]
    assert not Activity.objects.exists()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_service_removes_stored_files_when_submitting_fails(media, tree, theme, today,
                                                            village_secretary, monkeypatch):
    def refuse(activity, *, actor):
        raise ValidationError("提交失败。", code="state")

    monkeypatch.setattr(evidence_services, "do_submit_activity", refuse)
    with pytest.raises(ValidationError):
        do_save_activity_with_evidence(
            new_activity(tree.village_a1, theme, today),
            uploads=[upload("现场.jpg", jpeg_with_gps((1200, 800)))], submit=True,
            actor=village_secretary)
    assert not Activity.objects.exists()
    assert stored_files(media) == []


def test_one_post_creates_the_activity_with_its_photos(login, media, tree, theme, today,
                                                       village_secretary):
    client = login(village_secretary)
    form = client.get(reverse("ledger:activity_create"))
    page = form.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="files"' in page and "multiple" in page
    assert f'data-confirm="{NO_EVIDENCE_QUESTION}"' in page
    data = post_data(tree.village_a1, theme, today, action="submit",
                     files=[upload("现场1.jpg", jpeg_with_gps((1200, 800))),
                            upload("现场2.jpg", jpeg_with_gps((800, 600)))])
    response = client.post(reverse("ledger:activity_create"), data, follow=True)
    activity = Activity.objects.get()
    assert response.redirect_chain[-1][0] == reverse("ledger:activity_detail",
                                                     args=[activity.pk])
    assert "已提交“主题党日”和 2 个佐证材料，等待乡镇确认。" in response.content.decode()
    assert activity.status == ActivityStatus.SUBMITTED
    assert activity.evidence.filter(kind="photo").count() == 2
    assert len(stored_files(media)) == 4  # two photos and their thumbnails


def test_a_draft_keeps_its_photos_too(login, media, tree, theme, today, village_secretary):
    response = login(village_secretary).post(
        reverse("ledger:activity_create"),
        post_data(tree.village_a1, theme, today, files=[upload("签到表.pdf", PDF,
                                                                "application/pdf")]),
        follow=True)
    activity = Activity.objects.get()
    assert activity.status == ActivityStatus.DRAFT
    assert activity.evidence.get().original_name == "签到表.pdf"
    assert "已保存“主题党日”（草稿）和 1 个佐证材料。" in response.content.decode()


def test_a_bad_file_on_the_form_creates_nothing(login, media, tree, theme, today,
                                                village_secretary):
    data = post_data(tree.village_a1, theme, today, action="submit",
                     files=[upload("现场.jpg", jpeg_with_gps((1200, 800))),
                            upload("照片.jpg", BAD)])
    response = login(village_secretary).post(reverse("ledger:activity_create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "“照片.jpg”：文件内容不是有效的 PDF、JPEG、PNG 文件" in form.errors["files"][0]
    assert form.instance.pk is None
    page = response.content.decode()
    assert "所选的照片或文件没有保存，请重新选择。" in page
    assert 'value="主题党日"' in page  # what was typed is kept
    assert not Activity.objects.exists()
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_submit_without_evidence_asks_once(login, media, tree, theme, today,
                                           village_secretary):
    client = login(village_secretary)
    data = post_data(tree.village_a1, theme, today, action="submit")
    asked = client.post(reverse("ledger:activity_create"), data)
    assert asked.status_code == 200
    assert asked.context["ask_no_evidence"]
    page = asked.content.decode()
    assert 'id="no-evidence-question"' in page
    assert '<input type="hidden" name="no_evidence" value="1">' in page
    assert f'data-confirm="{NO_EVIDENCE_QUESTION}"' not in page  # not asked a second time
    assert not Activity.objects.exists()
    # The answer (the hidden flag, or the dialog's): submitted without evidence.
    response = client.post(reverse("ledger:activity_create"), {**data, "no_evidence": "1"})
    assert response.status_code == 302
    assert Activity.objects.get().status == ActivityStatus.SUBMITTED


def test_edit_of_a_draft_with_evidence_submits_without_asking(login, media, tree, theme, today,
                                                              village_secretary):
    client = login(village_secretary)
    client.post(reverse("ledger:activity_create"),
                post_data(tree.village_a1, theme, today,
                          files=[upload("签到表.pdf", PDF, "application/pdf")]))
    activity = Activity.objects.get()
    url = reverse("ledger:activity_edit", args=[activity.pk])
    page = client.get(url).content.decode()
    assert "已有 1 个佐证材料" in page
    assert "data-confirm=" not in page.split('id="save-and-submit"')[1].split(">")[0]
    response = client.post(url, post_data(tree.village_a1, theme, today, action="submit"))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.SUBMITTED


def test_locked_month_on_the_form_links_to_the_reopen_request(login, media, tree, theme,
                                                              closed_day, village_secretary):
    client = login(village_secretary)
    response = client.post(reverse("ledger:activity_create"),
                           post_data(tree.village_a1, theme, closed_day))
    link = (f"{reverse('ledger:reopen_request_create')}?org={tree.village_a1.pk}"
            f"&year={closed_day.year}&month={closed_day.month}")
    assert response.context["reopen_request_link"] == link
    problem = response.content.decode().split('id="lock-problem"')[1].split("</div>")[0]
    assert "请提交“申请补录”，乡镇管理员同意后该月开放。" in problem
    assert "。。" not in problem
    assert f'href="{link.replace("&", "&amp;")}">申请补录</a>' in problem
    form = client.get(link).context["form"]
    assert (form["org"].value(), form["year"].value(), form["month"].value()) == (
        str(tree.village_a1.pk), str(closed_day.year), str(closed_day.month))

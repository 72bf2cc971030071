"""portal.cleanup: import uploads no job needs and cached PDFs of deleted documents are deleted
once past their grace period; nothing else in the media folder is ever touched."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from ledger.models import TownshipReport
from pairing.models import AnnualAgreement
from portal import cleanup, pdf_cache
from portal.import_jobs import COMMIT, KINDS, PREVIEW
from portal.models import Job, Organization
from portal.models.jobs import JobStatus
from portal.tasks import clean_media_task

OLD = time.time() - 48 * 3600  # past the 24-hour grace period


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.IMPORT_UPLOAD_KEEP_HOURS = 24
    settings.PDF_CACHE_ORPHAN_KEEP_HOURS = 24
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def org_slots(monkeypatch):
    """A slot kind whose documents are organizations: a test can delete one cheaply."""
    kind = pdf_cache.SlotKind("test/org", Organization)
    monkeypatch.setitem(pdf_cache._slot_kinds, "test/org", kind)
    return kind


def _file(media, name, *, old=True, content=b"x" * 100):
    path = media / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    if old:
        os.utime(path, (OLD, OLD))
    return path


def _job(owner, tree, name, *, step=PREVIEW, status=JobStatus.PENDING, result=None):
    return Job.objects.create(
        owner=owner, scope_org=tree.county, kind=KINDS["orgs", step], title="导入组织",
        params={"what": "orgs", "step": step, "name": name}, status=status,
        result=result or {},
        finished_at=None if status in (JobStatus.PENDING, JobStatus.RUNNING) else timezone.now())


def test_orphaned_upload_removed_and_pending_jobs_upload_kept(media, tree, county_admin):
    orphan = _file(media, f"imports/{county_admin.pk}/aaa.xlsx")
    failed = _file(media, f"imports/{county_admin.pk}/bbb.xlsx")
    pending = _file(media, f"imports/{county_admin.pk}/ccc.xlsx")
    running = _file(media, f"imports/{county_admin.pk}/ddd.xlsx")
    _job(county_admin, tree, f"imports/{county_admin.pk}/bbb.xlsx", status=JobStatus.FAILED)
    _job(county_admin, tree, f"imports/{county_admin.pk}/ccc.xlsx")
    _job(county_admin, tree, f"imports/{county_admin.pk}/ddd.xlsx", step=COMMIT,
         status=JobStatus.RUNNING)

    sweep = cleanup.clean_import_uploads()

    assert not orphan.exists() and not failed.exists()
    assert pending.exists() and running.exists()
    assert sweep.count == 2 and sweep.bytes == 200 and sweep.kept == 2


def test_a_preview_that_can_still_be_confirmed_keeps_its_upload(media, tree, county_admin):
    ready = _file(media, f"imports/{county_admin.pk}/ready.xlsx")
    nothing_to_do = _file(media, f"imports/{county_admin.pk}/empty.xlsx")
    _job(county_admin, tree, f"imports/{county_admin.pk}/ready.xlsx",
         status=JobStatus.SUCCEEDED, result={"ok": True, "has_work": True})
    _job(county_admin, tree, f"imports/{county_admin.pk}/empty.xlsx",
         status=JobStatus.SUCCEEDED, result={"ok": True, "has_work": False})
    abandoned = _file(media, f"imports/{county_admin.pk}/abandoned.xlsx")
    old_preview = _job(county_admin, tree, f"imports/{county_admin.pk}/abandoned.xlsx",
                       status=JobStatus.SUCCEEDED, result={"ok": True, "has_work": True})
    Job.objects.filter(pk=old_preview.pk).update(
        finished_at=timezone.now() - timedelta(hours=30))

    cleanup.clean_import_uploads()

    assert ready.exists()
    assert not nothing_to_do.exists() and not abandoned.exists()


def test_a_fresh_upload_is_kept(media, db):
    fresh = _file(media, "imports/7/fresh.xlsx", old=False)
    sweep = cleanup.clean_import_uploads()
    assert fresh.exists() and sweep.count == 0 and sweep.kept == 1


def test_orphaned_pdf_removed_and_live_pdf_kept(media, tree):
    live = _file(media, f"pdf-cache/test/org/{tree.village_a1.pk}/v1.pdf")
    orphan = _file(media, "pdf-cache/test/org/999999/v1.pdf")
    fresh_orphan = _file(media, "pdf-cache/test/org/999998/v1.pdf", old=False)
    unknown = _file(media, "pdf-cache/other/thing/1/v1.pdf")

    sweep = cleanup.clean_pdf_cache()

    assert live.exists() and fresh_orphan.exists() and unknown.exists()
    assert not orphan.exists() and not orphan.parent.exists()  # its slot folder goes too
    assert sweep.count == 1 and sweep.bytes == 100 and sweep.kept == 3
    assert sweep.unknown == ["pdf-cache/other/thing/1/v1.pdf"]


def test_a_deleted_documents_pdf_is_removed(media, tree, org_slots):
    unit = tree.unit
    cached = _file(media, f"pdf-cache/{org_slots.slot(unit.pk)}/v1.pdf")
    assert cleanup.clean_pdf_cache().count == 0 and cached.exists()
    unit.delete()
    assert cleanup.clean_pdf_cache().count == 1 and not cached.exists()


def test_the_apps_declare_their_slot_kinds(db):
    kinds = cleanup._declared_kinds()
    assert kinds["pairing/agreement"].model is AnnualAgreement
    assert kinds["ledger/township_report"].model is TownshipReport


def test_dry_run_deletes_nothing(media, tree):
    upload = _file(media, "imports/7/old.xlsx")
    pdf = _file(media, "pdf-cache/test/org/999999/v1.pdf")

    sweeps = cleanup.clean_media(dry_run=True)

    assert upload.exists() and pdf.exists()
    assert [(s.folder, s.count, s.bytes) for s in sweeps] == [("imports", 1, 100),
                                                              ("pdf-cache", 1, 100)]


def test_files_outside_the_two_folders_are_untouched(media, tree):
    others = [_file(media, name) for name in (
        "exports/2026/old.xlsx", "ledger/photos/1.jpg", "orphan.xlsx", "imports.xlsx",
        "pdf-cache.pdf", "generated/imports/7/x.xlsx", "generated/pdf-cache/test/org/999/v.pdf")]
    cleanup.clean_media()
    assert all(path.exists() for path in others)


def test_nothing_to_clean_on_an_empty_media_folder(media, db):
    assert [(s.count, s.kept) for s in cleanup.clean_media()] == [(0, 0), (0, 0)]


def test_command_lists_what_it_removes_in_chinese(media, tree, capsys):
    _file(media, "imports/7/old.xlsx")
    _file(media, "pdf-cache/test/org/999999/v1.pdf", content=b"x" * 2048)
    call_command("media_cleanup", "--dry-run")
    out = capsys.readouterr().out
    assert "将删除 imports/7/old.xlsx" in out and "演练：共将删除 2 个文件" in out
    assert (media / "imports/7/old.xlsx").exists()

    call_command("media_cleanup")
    out = capsys.readouterr().out
    assert "已删除 pdf-cache/test/org/999999/v1.pdf（2.0 KB）" in out
    assert "共删除 2 个文件" in out and not (media / "imports/7/old.xlsx").exists()


def test_beat_task_runs_the_cleanup(media, db, settings):
    _file(media, "imports/7/old.xlsx")
    assert clean_media_task() == {"imports": {"files": 1, "bytes": 100},
                                  "pdf-cache": {"files": 0, "bytes": 0}}
    assert settings.CELERY_BEAT_SCHEDULE["clean-media"]["task"] == "portal.tasks.clean_media"

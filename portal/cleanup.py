"""Deleting media files nothing refers to any more: Excel uploads of imports no longer
pending, and cached PDFs whose document was deleted. Run daily by Celery beat
(`portal.tasks.clean_media`) and by `manage.py media_cleanup [--dry-run]`.

Only two folders are ever looked at: `imports/` (portal.views.transfer keeps an upload there
until its commit) and `pdf-cache/` (portal.pdf_cache). A file younger than its grace period is
always kept, so a request that is writing or about to use one never loses it.

- An upload is kept while an import job that reads it is pending or running, or while its
  preview can still be confirmed (a preview with rows to write, finished within the grace
  period); the apps' own imports, which keep the file only in the session, by the grace period.
  A confirmation later than that gets "暂存的文件已失效，请重新上传。", not an error.
- A cached PDF is kept while its slot's document exists, asked of the kind the serving app
  declared (portal.pdf_cache.slot_kind); a file of an undeclared kind is never deleted.
  Superseded versions need no sweep: cached_pdf deletes them when it stores a new one.
"""

import logging
import os
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.urls import get_resolver
from django.utils import timezone

from portal import import_jobs
from portal.models import Job
from portal.models.jobs import JobStatus
from portal.pdf_cache import CACHE_DIR, slot_kinds

log = logging.getLogger(__name__)

IMPORTS_DIR = "imports"


@dataclass
class Sweep:
    """What one sweep of a folder removed (or, in a dry run, would remove)."""

    folder: str
    removed: list[tuple[str, int]] = field(default_factory=list)  # (name, bytes)
    kept: int = 0
    unknown: list[str] = field(default_factory=list)  # kept: no declared owner to ask

    @property
    def count(self):
        return len(self.removed)

    @property
    def bytes(self):
        return sum(size for _name, size in self.removed)


def _walk(storage, folder):
    """Every file name under `folder` (recursively); none when the folder does not exist."""
    try:
        dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in sorted(files):
        yield f"{folder}/{name}"
    for name in sorted(dirs):
        yield from _walk(storage, f"{folder}/{name}")


def _inside(name, folder):
    parts = name.split("/")
    return parts[0] == folder and len(parts) > 1 and not {"", ".", ".."} & set(parts)


def _older_than(storage, name, cutoff):
    try:
        return storage.get_modified_time(name) < cutoff
    except (FileNotFoundError, OSError):  # gone meanwhile: nothing to do
        return False


def _remove(storage, sweep, name, *, dry_run):
    if not _inside(name, sweep.folder):  # never anything outside the swept folder
        raise ValueError(f"{name!r} is outside {sweep.folder}/")
    try:
        size = storage.size(name)
        if not dry_run:
            storage.delete(name)
    except (FileNotFoundError, OSError):
        log.warning("media cleanup: %s not removed", name, exc_info=True)
        return
    sweep.removed.append((name, size))


def _remove_emptied_slots(storage, sweep):
    """On the local disk, drop the slot folders of removed PDFs once empty; a user's imports
    folder stays, as an upload may be stored into it at any moment."""
    if not isinstance(storage, FileSystemStorage):
        return  # an object store has no folders
    for folder in {name.rpartition("/")[0] for name, _size in sweep.removed}:
        try:
            os.rmdir(storage.path(folder))  # only succeeds when empty
        except OSError:
            pass


def _grace_cutoff(now, hours):
    return (now or timezone.now()) - timedelta(hours=hours)


def uploads_in_use(now=None) -> set[str]:
    """Stored names of the uploads an import job still needs."""
    kinds = list(import_jobs.KINDS.values())
    names = set()
    for params in Job.objects.filter(kind__in=kinds, status__in=[
            JobStatus.PENDING, JobStatus.RUNNING]).values_list("params", flat=True):
        names.add(params.get("name"))
    previews = [import_jobs.KINDS[what, import_jobs.PREVIEW] for what in import_jobs.TITLES]
    cutoff = _grace_cutoff(now, settings.IMPORT_UPLOAD_KEEP_HOURS)
    for job in Job.objects.filter(kind__in=previews, status=JobStatus.SUCCEEDED,
                                  finished_at__gte=cutoff).only("params", "result", "status"):
        if import_jobs.preview_ready(job):
            names.add(job.params.get("name"))
    names.discard(None)
    return names


def clean_import_uploads(*, now=None, dry_run=False) -> Sweep:
    """Delete the uploads under imports/ older than IMPORT_UPLOAD_KEEP_HOURS that no pending
    or running import job reads and no preview can still confirm."""
    storage = default_storage
    sweep = Sweep(IMPORTS_DIR)
    cutoff = _grace_cutoff(now, settings.IMPORT_UPLOAD_KEEP_HOURS)
    in_use = uploads_in_use(now)
    for name in _walk(storage, IMPORTS_DIR):
        if name in in_use or not _older_than(storage, name, cutoff):
            sweep.kept += 1
        else:
            _remove(storage, sweep, name, dry_run=dry_run)
    return sweep


def _declared_kinds():
    """The declared slot kinds. The views that serve the PDFs declare them, and a worker or
    a command never loads the URLconf otherwise: loading it imports them all."""
    get_resolver().url_patterns  # noqa: B018  (imports every view module)
    return slot_kinds()


def clean_pdf_cache(*, now=None, dry_run=False) -> Sweep:
    """Delete the cached PDFs under pdf-cache/ older than PDF_CACHE_ORPHAN_KEEP_HOURS whose
    slot's document no longer exists; files of undeclared kinds are kept and listed."""
    storage = default_storage
    sweep = Sweep(CACHE_DIR)
    cutoff = _grace_cutoff(now, settings.PDF_CACHE_ORPHAN_KEEP_HOURS)
    kinds = _declared_kinds()
    by_slot = {}  # slot -> its files old enough to go
    for name in _walk(storage, CACHE_DIR):
        slot = name[len(CACHE_DIR) + 1:].rpartition("/")[0]
        kind, _sep, key = slot.rpartition("/")
        if kind not in kinds or not key:
            sweep.unknown.append(name)
        elif _older_than(storage, name, cutoff):
            by_slot.setdefault((kind, key), []).append(name)
            continue
        sweep.kept += 1
    for kind_name, kind in kinds.items():
        keys = {key for kind_of, key in by_slot if kind_of == kind_name}
        live = kind.live_keys(keys) if keys else set()
        for key in keys:
            names = by_slot[kind_name, key]
            if key in live:
                sweep.kept += len(names)
            else:
                for name in names:
                    _remove(storage, sweep, name, dry_run=dry_run)
    if not dry_run:
        _remove_emptied_slots(storage, sweep)
    return sweep


def clean_media(*, now=None, dry_run=False) -> list[Sweep]:
    """Both sweeps; what each removed (or would remove)."""
    sweeps = [clean_import_uploads(now=now, dry_run=dry_run),
              clean_pdf_cache(now=now, dry_run=dry_run)]
    for sweep in sweeps:
        if sweep.count and not dry_run:
            log.info("media cleanup: %s files (%s bytes) removed from %s/", sweep.count,
                     sweep.bytes, sweep.folder)
    return sweeps

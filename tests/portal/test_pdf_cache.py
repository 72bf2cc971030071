"""portal.pdf_cache: one stored file per slot, rendered again only for a new version; a store
that fails costs a render, never the download."""

from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from portal import pdf_cache

TEMPLATE = "pdf/ledger_page_numbers.html"  # a cheap print template: numbered blank pages


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


def _files(media, slot):
    folder = media / "pdf-cache" / slot
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_one_file_per_slot_and_a_render_per_version(media, renders):
    one = pdf_cache.cached_pdf("test/doc/1", TEMPLATE, {"pages": range(1)}).read()
    assert pdf_cache.cached_pdf("test/doc/1", TEMPLATE, {"pages": range(1)}).read() == one
    assert len(renders) == 1 and one.startswith(b"%PDF-")
    (first,) = _files(media, "test/doc/1")

    two = pdf_cache.cached_pdf("test/doc/1", TEMPLATE, {"pages": range(2)}).read()
    assert len(renders) == 2 and two != one
    assert _files(media, "test/doc/1") != [first] and len(_files(media, "test/doc/1")) == 1

    # Another document's slot is its own: neither pruned nor shared.
    pdf_cache.cached_pdf("test/doc/2", TEMPLATE, {"pages": range(1)})
    assert len(renders) == 3
    assert len(_files(media, "test/doc/1")) == 1 and len(_files(media, "test/doc/2")) == 1
    assert pdf_cache.prune("test/doc/2") == 1 and _files(media, "test/doc/2") == []


def test_a_copy_stored_meanwhile_is_not_kept_twice(media, renders, monkeypatch):
    """Two requests render the same new version at once: the second one's copy goes."""
    real_save = default_storage.save

    def save_twice(name, content, **kwargs):
        real_save(name, content, **kwargs)  # the other request got there first
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(default_storage, "save", save_twice)
    pdf = pdf_cache.cached_pdf("test/doc/3", TEMPLATE, {"pages": range(1)}).read()
    assert pdf.startswith(b"%PDF-") and len(_files(media, "test/doc/3")) == 1


def test_a_store_that_fails_still_gives_the_pdf(media, renders, monkeypatch):
    def full(name, content, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(default_storage, "save", full)
    pdf = pdf_cache.cached_pdf("test/doc/4", TEMPLATE, {"pages": range(1)}).read()
    assert pdf.startswith(b"%PDF-") and _files(media, "test/doc/4") == []

"""PDFs of documents that change rarely (an agreement, a township report), kept in the media
storage and rendered again only when what they show changes.

The version of a cached PDF is a hash of the print template's HTML: rendering the template is
cheap (milliseconds), WeasyPrint's layout is what costs (0.7–1.0 s and about 50 MiB a render).
Any change to what the PDF shows — a field, an item of a list, a figure, the template itself,
the font — changes the HTML and so the version, with no list of fields to keep in step.

Each document has a slot, a folder `pdf-cache/<slot>/` holding one file `<version>.pdf`:
the first request for a new version renders it once in the request and stores it, then deletes
the files of superseded versions in that slot, so the cache holds one file per document.
The caller checks permission before asking; the files are never linked directly.

A slot is named `<kind>/<key>` ("pairing/agreement/12"): the app that serves the PDF declares
the kind once with `slot_kind(kind, model)`, the key being the document's primary key, so
portal.cleanup can ask which slots still have their document without importing the apps.
"""

import hashlib
import logging

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from portal.pdf import html_to_pdf, render_print_html

log = logging.getLogger(__name__)

CACHE_DIR = "pdf-cache"


class SlotKind:
    """A kind of cached document: its slots are `<name>/<primary key of model>`."""

    def __init__(self, name: str, model):
        self.name, self.model = name, model

    def slot(self, pk) -> str:
        return f"{self.name}/{pk}"

    def live_keys(self, keys) -> set[str]:
        """Those of `keys` (strings) whose document still exists; the base manager, so a row
        a default manager hides still keeps its PDF."""
        pk_field = self.model._meta.pk
        parsed = {}
        for key in keys:
            try:
                parsed[pk_field.to_python(key)] = key
            except ValidationError:  # no document can have this key
                continue
        pks, live = list(parsed), set()
        for start in range(0, len(pks), 500):  # within SQLite's limit of query parameters
            found = self.model._base_manager.filter(pk__in=pks[start:start + 500])
            live.update(parsed[pk] for pk in found.values_list("pk", flat=True))
        return live


_slot_kinds: dict[str, SlotKind] = {}


def slot_kind(name: str, model) -> SlotKind:
    """Declare the kind of slot `name` whose key is a primary key of `model`."""
    kind = _slot_kinds[name] = SlotKind(name, model)
    return kind


def slot_kinds() -> dict[str, SlotKind]:
    return dict(_slot_kinds)


def slot_dir(slot: str) -> str:
    return f"{CACHE_DIR}/{slot}"


def cached_pdf(slot: str, template_name: str, context: dict):
    """An open file with the PDF of `template_name` rendered with `context`, from the cache of
    `slot` (for example "pairing/agreement/12") when the stored version is current; otherwise
    rendered now, stored, and superseded versions of the slot deleted."""
    html = render_print_html(template_name, context)
    version = hashlib.sha256(html.encode("utf-8")).hexdigest()[:40]
    name = f"{slot_dir(slot)}/{version}.pdf"
    storage = default_storage
    if storage.exists(name):
        try:
            return storage.open(name, "rb")
        except OSError:  # pruned by a concurrent request for a newer version: render it
            pass
    pdf = html_to_pdf(html)
    try:
        storage.save(name, ContentFile(pdf))
        # Also removes our copy if another request stored this version first (the store
        # then gave ours another name).
        prune(slot, keep=name)
    except OSError:  # a full or unreachable store costs a render, never the download
        log.warning("PDF %s rendered but not cached", name, exc_info=True)
    return ContentFile(pdf, name=name)


def prune(slot: str, keep: str | None = None) -> int:
    """Delete the slot's cached files other than `keep` (all of them when None)."""
    storage = default_storage
    folder = slot_dir(slot)
    try:
        _dirs, files = storage.listdir(folder)
    except (FileNotFoundError, OSError):
        return 0
    deleted = 0
    for filename in files:
        path = f"{folder}/{filename}"
        if path != keep:
            storage.delete(path)
            deleted += 1
    return deleted

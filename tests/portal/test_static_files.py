"""Static files as `make demo` and production serve them: collectstatic's hashed, compressed
copies, sent by whitenoise compressed and cached for good (a phone's first load stays small)."""

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from portal.settings import base

MANIFEST = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
LINKED_BY_EVERY_PAGE = ["vendor/bootstrap/bootstrap.min", "vendor/bootstrap/bootstrap.bundle.min",
                        "vendor/bootstrap-icons/bootstrap-icons.min", "vendor/htmx/htmx.min",
                        "css/portal", "js/portal", "img/favicon"]
# Not linked by the login page; left out to keep the compression step short.
NOT_ON_THE_LOGIN_PAGE = ["admin", "treebeard", "echarts", "js/assessment-*", "js/pairing-*",
                         "js/ledger-*"]


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {**settings.STORAGES, "staticfiles": MANIFEST}
    call_command("collectstatic", interactive=False, verbosity=0,
                 ignore_patterns=NOT_ON_THE_LOGIN_PAGE)
    return tmp_path


def test_every_mode_uses_the_compressed_manifest_storage():
    assert base.STORAGES["staticfiles"] == MANIFEST


def test_a_page_links_hashed_files_served_compressed_and_cached_for_good(collected, db):
    client = Client()  # its whitenoise reads the STATIC_ROOT just collected
    page = client.get(reverse("login")).content.decode()
    linked = re.findall(r'(?:href|src)="/static/([^"]+)"', page)
    for stem in LINKED_BY_EVERY_PAGE:
        assert any(re.fullmatch(rf"{re.escape(stem)}\.[0-9a-f]{{12}}\.\w+", name)
                   for name in linked), (stem, linked)
    icons_css = next(name for name in linked if name.startswith("vendor/bootstrap-icons/"))
    assert re.search(r"url\(\"?fonts/bootstrap-icons\.[0-9a-f]{12}\.woff2",
                     (collected / icons_css).read_text()), "the font's url() is hashed too"
    for name in linked:
        response = client.get(f"/static/{name}", HTTP_ACCEPT_ENCODING="gzip, br")
        assert response.status_code == 200, name
        assert "immutable" in response["Cache-Control"], name
        assert int(re.search(r"max-age=(\d+)", response["Cache-Control"])[1]) >= 365 * 86400
        if name.endswith((".css", ".js", ".svg")):
            assert response["Content-Encoding"] == "br", name
            assert int(response["Content-Length"]) < (collected / name).stat().st_size, name

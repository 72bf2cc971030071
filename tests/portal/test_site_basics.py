"""Site-wide basics: the CSP forbids plugins, and every page names its favicon."""

from django.contrib.staticfiles import finders
from django.urls import reverse


def test_csp_forbids_plugins_and_foreign_base_urls(client, db):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "object-src 'none'" in policy and "base-uri 'self'" in policy


def test_pages_link_a_favicon_that_exists(client, db):
    page = client.get(reverse("login")).content.decode()
    assert 'rel="icon"' in page and "img/favicon" in page
    assert finders.find("img/favicon.svg")

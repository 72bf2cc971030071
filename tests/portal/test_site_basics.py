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


def test_an_upload_request_over_the_limit_is_refused_before_it_is_read(client, settings,
                                                                        db):
    from tests.factories import UserFactory

    settings.UPLOAD_MAX_REQUEST_BYTES = 1024 * 1024
    client.force_login(UserFactory())
    response = client.generic("POST", reverse("portal:home"), b"x" * 10,
                              content_type="multipart/form-data; boundary=x",
                              CONTENT_LENGTH=str(5 * 1024 * 1024))
    assert response.status_code == 413
    page = response.content.decode()
    assert "上传内容过大" in page and "单次提交的文件合计不超过 1 MB" in page


def test_the_evidence_form_states_the_total_limit():
    from ledger.forms.activities import EvidenceUploadForm

    assert "单次提交的文件合计不超过 100 MB" in EvidenceUploadForm().fields["files"].help_text

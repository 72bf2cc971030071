"""Login through the real form: audit rows and django-axes lockout."""

from django.urls import reverse

from portal.models import AuditEvent
from tests.conftest import PASSWORD


def test_login_lands_on_home_and_is_audited(village_secretary, client):
    response = client.post(reverse("login"), {"username": "village_secretary",
                                              "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:home")
    assert "村党组织书记工作台" in response.content.decode()
    assert AuditEvent.objects.filter(action="login", actor=village_secretary).exists()


def test_repeated_failures_lock_the_account(village_secretary, client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "village_secretary", "password": "wrong"})
    assert AuditEvent.objects.filter(action="login_failed").count() == settings.AXES_FAILURE_LIMIT
    response = client.post(reverse("login"), {"username": "village_secretary",
                                              "password": PASSWORD})
    assert response.status_code == 429
    assert "已暂时锁定" in response.content.decode()


def test_security_headers(client, db):
    response = client.get(reverse("login"))
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"

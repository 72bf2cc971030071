"""Capabilities are declared once; an undeclared name is a bug that raises, not a silent no."""

import pytest

from portal import audit
from portal.models import AuditEvent
from portal.models.audit import AuditAction
from portal.scope import (
    CAPABILITIES,
    ROLE_CAPABILITIES,
    UnknownCapability,
    has_capability,
    register_capabilities,
)
from tests.conftest import PASSWORD


def test_every_granted_capability_is_declared_with_a_chinese_label():
    for role, capabilities in ROLE_CAPABILITIES.items():
        for name in capabilities:
            assert CAPABILITIES.get(name), f"{role} holds undeclared {name}"


@pytest.mark.django_db
def test_an_unknown_capability_name_raises(county_admin):
    with pytest.raises(UnknownCapability):
        has_capability(county_admin, "ledger.veiw")


def test_granting_an_undeclared_capability_raises():
    with pytest.raises(UnknownCapability):
        register_capabilities("talent", {"need.clam"})


@pytest.mark.django_db
def test_the_request_client_reaches_audit_rows_without_passing_the_request(client, county_admin):
    county_admin.set_password(PASSWORD)
    county_admin.save()
    client.post("/accounts/login/", {"username": "county_admin", "password": PASSWORD},
                HTTP_USER_AGENT="Mozilla/5.0 (测试手机)", REMOTE_ADDR="10.1.2.3")
    event = AuditEvent.objects.get(action=AuditAction.LOGIN)
    assert (event.actor, event.ip_address, event.user_agent) == (
        county_admin, "10.1.2.3", "Mozilla/5.0 (测试手机)")


@pytest.mark.django_db
def test_outside_a_request_audit_rows_carry_no_client(county_admin):
    event = audit.record(AuditAction.OTHER, "命令行操作", actor=county_admin)
    assert (event.ip_address, event.user_agent) == (None, "")

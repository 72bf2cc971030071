"""Shared fixtures: a small county tree and personas (healthchecks-style alice/bob)."""

import os
from types import SimpleNamespace

import pytest

from tests.factories import PersonFactory, UserFactory, add_org, grant

PASSWORD = "portal-test-pass"


def need_service(available: bool, reason: str):
    """Skip when a service is absent; under CI (PORTAL_REQUIRE_SERVICES=1) fail instead."""
    if available:
        return
    if os.environ.get("PORTAL_REQUIRE_SERVICES"):
        pytest.fail(f"required service missing under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """PBKDF2 for every persona would dominate the suite's run time; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tree(db):
    """County 示范县 with two townships, two villages each, and a county unit."""
    county = add_org(None, "示范县", "county", code="C0001", party_org_type="committee")
    town_a = add_org(county, "青山镇", "township", code="T0001", party_org_type="committee")
    town_b = add_org(county, "白水乡", "township", code="T0002", party_org_type="committee")
    village_a1 = add_org(town_a, "青山村", "village", code="V0001")
    village_a2 = add_org(town_a, "石桥村", "village", code="V0002")
    village_b1 = add_org(town_b, "白水村", "village", code="V0003")
    village_b2 = add_org(town_b, "柳林村", "village", code="V0004")
    unit = add_org(county, "县农业农村局", "unit", code="U0001")
    return SimpleNamespace(county=county, town_a=town_a, town_b=town_b, village_a1=village_a1,
                           village_a2=village_a2, village_b1=village_b1, village_b2=village_b2,
                           unit=unit)


def _persona(username, org, role):
    user = UserFactory(username=username)
    if role:
        grant(user, org, role)
    return user


@pytest.fixture
def county_admin(tree):
    return _persona("county_admin", tree.county, "county_admin")


@pytest.fixture
def leader(tree):
    return _persona("leader", tree.county, "leader")


@pytest.fixture
def township_admin(tree):
    return _persona("township_admin", tree.town_a, "township_admin")


@pytest.fixture
def village_secretary(tree):
    return _persona("village_secretary", tree.village_a1, "village_secretary")


@pytest.fixture
def other_village_secretary(tree):
    return _persona("other_village_secretary", tree.village_b1, "village_secretary")


@pytest.fixture
def unit_contact(tree):
    return _persona("unit_contact", tree.unit, "unit_contact")


@pytest.fixture
def talent(tree):
    return _persona("talent", tree.unit, "talent")


@pytest.fixture
def outsider(tree):
    return _persona("outsider", tree.county, None)


@pytest.fixture
def people(tree):
    """One person in each village and in the unit."""
    return SimpleNamespace(
        a1=PersonFactory(name="李青山", home_org=tree.village_a1),
        a2=PersonFactory(name="王石桥", home_org=tree.village_a2),
        b1=PersonFactory(name="赵白水", home_org=tree.village_b1),
        unit=PersonFactory(name="陈农业", home_org=tree.unit, is_city_talent=True),
    )


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user


@pytest.fixture
def libreoffice():
    """Path of LibreOffice (the Excel exports must open in it); CI installs it."""
    import shutil

    office = shutil.which("libreoffice") or shutil.which("soffice")
    need_service(office is not None, "LibreOffice is not installed (apt-get install "
                                     "libreoffice-calc-nogui)")
    return office

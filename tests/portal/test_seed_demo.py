"""seed_demo: sizes from DESIGN.md, determinism, valid ID numbers, idempotence, demo logins.

The command seeds the small county once for the module (`seeded`, rolled back at the end);
each test runs in a savepoint inside it, so a test's own reseeding or reset is undone too.
"""

import re
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from portal import demo
from portal.idnumber import gender_from_id, id_number_problem, phone_problem
from portal.models import Organization, Person, RoleAssignment
from tests.seeding import demo_seeded_for_module

SMALL = {"county": 1, "township": 8, "village": 60, "unit": 30}
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    """Logging in nine accounts with PBKDF2 would take seconds; the hasher is not under test."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


def run_seed(*args):
    out = StringIO()
    call_command("seed_demo", "--scale", "small", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """`seed_demo --scale small` run once for the module (its output), rolled back afterwards."""
    with demo_seeded_for_module(django_db_blocker, tmp_path_factory.mktemp("media"),
                                run_seed) as output:
        yield output


@pytest.fixture
def output(seeded, db):
    return seeded


def test_same_seed_gives_the_same_county_and_another_seed_a_different_one():
    first, again, other = (demo.build_plan("small", 1), demo.build_plan("small", 1),
                           demo.build_plan("small", 2))
    assert first == again
    assert [p.id_number for p in first.people] != [p.id_number for p in other.people]
    assert [p.name for p in first.people] != [p.name for p in other.people]
    assert [o.name for o in first.orgs] != [o.name for o in other.orgs]


def test_plan_people_have_valid_unique_numbers_and_gender_matches_id():
    plan = demo.build_plan("small", 7)
    ids = [p.id_number for p in plan.people]
    assert len(set(ids)) == len(ids)
    assert len({p.phone for p in plan.people}) == len(plan.people)
    for person in plan.people:
        assert id_number_problem(person.id_number) is None, person
        assert gender_from_id(person.id_number) == person.gender
        assert phone_problem(person.phone) is None and len(person.phone) == 11
        assert "1960" <= person.id_number[6:10] <= "2000"
    assert len({o.code for o in plan.orgs}) == len(plan.orgs)


def party_members():
    """Party members of the design's size: the people the alliances admitted this year
    (吸收入党, alliances.demo) joined the party on top of them."""
    from alliances.models import CandidateStage, DevelopmentCandidate

    admitted = DevelopmentCandidate.objects.filter(stage=CandidateStage.ADMITTED).count()
    assert admitted
    return Person.objects.filter(is_party_member=True).count() - admitted


def test_small_scale_has_the_design_sizes(output):
    kinds = Counter(Organization.objects.values_list("kind", flat=True))
    assert {k: kinds[k] for k in SMALL} == SMALL
    assert kinds["community"] and kinds["enterprise"] and kinds["park"] and kinds["association"]
    assert Person.objects.filter(is_city_talent=True).count() == 300
    assert party_members() == 2000
    assert Person.objects.filter(is_cadre=True).exists()
    # Talents live in city organizations only.
    assert not Person.objects.filter(is_city_talent=True).exclude(
        home_org__kind__in=["unit", "community", "enterprise", "park", "association"]).exists()
    assert "乡镇 8，村 60，县直单位 30" in output


def test_seeded_tree_is_consistent_and_secretaries_belong_to_their_org(output):
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    for org in Organization.objects.filter(kind__in=["township", "village"]).select_related(
            "secretary"):
        assert org.secretary is not None and org.secretary.home_org_id == org.pk, org
        assert org.party_org_type in (("committee",) if org.kind == "township"
                                      else ("branch", "general_branch"))
    village = Organization.objects.filter(kind="village").first()
    assert village.tags and village.name.endswith("村")
    assert all(o.name.endswith(("镇", "乡")) for o in Organization.objects.filter(kind="township"))
    # The tree API works on the bulk-built paths: a child added later lands after the others.
    township = Organization.objects.filter(kind="township").first()
    before = Organization.objects.get_children_count(township)
    added = Organization.objects.add_child(township, dict(name="新建村", code="TEST-NEW",
                                                          kind="village"))
    assert Organization.objects.get_children(township).last() == added
    assert Organization.objects.get(pk=township.pk).numchild == before + 1


def test_database_holds_exactly_the_plan(output):
    plan = demo.build_plan("small", 1)
    stored = list(Person.objects.order_by("id").values_list("name", "id_number", "gender"))
    assert stored == [(p.name, p.id_number, p.gender) for p in plan.people]
    assert all(id_number_problem(n) is None for _, n, _ in stored)


def test_second_run_is_refused_and_if_empty_exits_cleanly(output):
    people = Person.objects.count()
    with pytest.raises(CommandError, match="--reset"):
        run_seed()
    assert "已有数据" in run_seed("--if-empty")
    assert Person.objects.count() == people


def test_reset_replaces_everything(output):
    first_ids = set(Person.objects.values_list("id_number", flat=True))
    run_seed("--seed", "2", "--reset")
    assert party_members() == 2000
    assert Organization.objects.filter(kind="village").count() == 60
    assert not first_ids & set(Person.objects.values_list("id_number", flat=True))
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    assert get_user_model().objects.filter(username="county_admin").count() == 1
    assert RoleAssignment.objects.filter(user__username="county_admin").count() == 1
    assert not Person.history.exists()


def test_demo_accounts_log_in_with_the_printed_password_and_land_on_home(client, output):
    password = re.search(r"密码：(\S+)", output).group(1)
    usernames = ["admin", "county_admin", "leader", "township_admin", "village_secretary",
                 "unit_contact", "talent"]
    for username in usernames:
        assert username in output
        response = client.post(reverse("login"), {"username": username, "password": password})
        assert response.status_code == 302, username
        assert client.get(response["Location"]).status_code == 200
        assert client.get(reverse("portal:home")).status_code == 200
        client.logout()


def test_demo_accounts_hold_the_documented_roles(output):
    roles = {(a.user.username, a.role, a.org.kind) for a in
             RoleAssignment.objects.select_related("user", "org")}
    assert {("county_admin", "county_admin", "county"), ("leader", "leader", "county"),
            ("township_admin", "township_admin", "township"),
            ("village_secretary", "village_secretary", "village"),
            ("unit_contact", "unit_contact", "unit"), ("talent", "talent", "unit")} <= roles
    users = get_user_model().objects
    assert users.get(username="admin").is_superuser
    assert users.get(username="county_admin").is_staff
    talent = Person.objects.select_related("home_org").get(user__username="talent")
    assert talent.is_city_talent and talent.home_org.name == "县农业农村局"
    secretary = Person.objects.get(user__username="village_secretary")
    assert secretary.home_org.secretary_id == secretary.pk
    township = RoleAssignment.objects.get(user__username="township_admin").org
    village = RoleAssignment.objects.get(user__username="village_secretary").org
    assert Organization.objects.get_parent(village) == township
    assert township == Organization.objects.filter(kind="township").first()


def test_apps_can_add_demo_data_and_remove_it_on_reset(output, monkeypatch):
    demo.reset_demo_data()  # start from an empty database, without the module's county
    calls = []

    def seed_app(context):
        calls.append(("seed", len(context.orgs), len(context.people), "talent" in context.users))
        assert all(org.pk for org in context.orgs) and all(p.pk for p in context.people)

    monkeypatch.setattr(demo, "_extensions", [(seed_app, lambda: calls.append(("reset",)))])
    run_seed()
    run_seed("--reset")
    plan = demo.build_plan("small", 1)
    seeded = ("seed", len(plan.orgs), len(plan.people), True)
    assert calls == [seeded, ("reset",), seeded]


def test_the_seed_runs_analyze_after_its_load(monkeypatch, db):
    """seed_demo runs ANALYZE after its bulk load, so the first pages are planned on real row
    counts (the seed itself is stubbed out here: only the command's order is under test)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.management.commands import seed_demo

    monkeypatch.setattr(seed_demo.demo, "seed", lambda *args, **kwargs: {})
    monkeypatch.setattr(seed_demo.Command, "_report", lambda self, summary: None)
    with CaptureQueriesContext(connection) as queries:
        call_command("seed_demo", "--scale", "small")
    assert [q["sql"] for q in queries.captured_queries][-1:] == ["ANALYZE"]


def test_reset_removes_the_extra_township_admins_of_a_city(output):
    """A city has 250 townships: its extra admins run to township_admin_250, and a reset to a
    smaller scale removes them too (they are demo accounts, not kept without a role)."""
    get_user_model().objects.create_user("township_admin_250")
    run_seed("--reset")
    assert not get_user_model().objects.filter(username="township_admin_250").exists()
    assert demo.EXTRA_TOWNSHIP_ADMIN.match("township_admin_100")
    assert not demo.EXTRA_TOWNSHIP_ADMIN.match("township_admin")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ANALYZE is PostgreSQL's")
def test_statistics_can_be_refreshed_for_some_tables(db):
    """Within an app's bulk load (the pairing demo: its project, need and claim triggers
    recount villages from the rows just written, which took minutes at city scale when
    planned on "empty" tables), only the tables named are analysed."""
    from django.test.utils import CaptureQueriesContext

    from pairing.models import Need, Pairing

    # As outside a test's transaction, for the call only: the test's own atomic blocks must
    # find their savepoints again when they close.
    savepoints, connection.savepoint_ids = connection.savepoint_ids, []
    try:
        with CaptureQueriesContext(connection) as queries:
            demo.refresh_statistics(Pairing, Need)
    finally:
        connection.savepoint_ids = savepoints
    assert [q["sql"] for q in queries.captured_queries] == [
        'ANALYZE "pairing_pairing", "pairing_need"']

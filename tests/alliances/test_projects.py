"""Project lists (项目清单): who may add and edit the common and individual lists, the project
rules (member, dates, 书记领办), quarterly updates (one per quarter, no silent fall, evidence,
progress and status), and the pages (scope 404 / capability 403, flat query counts, late
projects, 书记党建任务清单 showing only the user's own secretary-led projects)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alliances.models import Membership, Project, ProjectStatus, ProjectUpdate
from alliances.services import projects as services
from portal.models import AuditEvent
from tests.factories import bulk_orgs, bulk_people

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 1, 1)
END = datetime.date(2026, 12, 31)
TODAY = datetime.date(2026, 8, 15)  # the third quarter
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def new_project(alliance, actor, member=None, **fields):
    values = {"name": "茶园提质", "goal": "改造茶园100亩", "start_date": START, "end_date": END}
    values.update(fields)
    return services.create_project(alliance, actor=actor, member=member, **values)


def code_of(exc_info, field=None):
    error = exc_info.value
    if field is not None:
        return error.error_dict[field][0].code
    return error.code


def make_project(alliance, member=None, **fields):
    values = {"name": "茶园提质", "goal": "目标", "start_date": START, "end_date": END}
    values.update(fields)
    return Project.objects.create(alliance=alliance, member=member, **values)


# --- services: creating and editing ------------------------------------------------------


def test_township_admin_adds_to_the_common_list_with_an_audit_row(alliances_world,
                                                                   township_admin):
    project = new_project(alliances_world.core, township_admin, budget=12)
    assert project.member is None and project.created_by == township_admin
    assert AuditEvent.objects.filter(data__project=project.pk, action="create").exists()


def test_village_secretary_adds_to_own_list_only(alliances_world, tree, village_secretary):
    project = new_project(alliances_world.core, village_secretary, member=tree.village_a1)
    assert project.member == tree.village_a1
    with pytest.raises(PermissionDenied):
        new_project(alliances_world.core, village_secretary, member=tree.village_a2)
    with pytest.raises(PermissionDenied):
        new_project(alliances_world.core, village_secretary)  # the common list


def test_leader_and_outsiders_may_not_add(alliances_world, tree, leader,
                                          other_village_secretary):
    with pytest.raises(PermissionDenied):
        new_project(alliances_world.core, leader, member=tree.village_a1)
    with pytest.raises(PermissionDenied):
        new_project(alliances_world.core, other_village_secretary, member=tree.village_b1)
    assert not Project.objects.exists()


def test_member_must_be_current(alliances_world, tree, township_admin):
    with pytest.raises(ValidationError) as exc:
        new_project(alliances_world.core, township_admin, member=tree.village_b1)
    assert code_of(exc, "member") == "member"
    Membership.objects.filter(alliance=alliances_world.core, org=tree.village_a2).update(
        left_on=datetime.date(2026, 2, 1))
    with pytest.raises(ValidationError) as exc:
        new_project(alliances_world.core, township_admin, member=tree.village_a2)
    assert code_of(exc, "member") == "member"


def test_end_before_start_is_refused(alliances_world, township_admin):
    with pytest.raises(ValidationError) as exc:
        new_project(alliances_world.core, township_admin, end_date=START - datetime.timedelta(1))
    assert code_of(exc, "end_date") == "order"


def test_secretary_led_needs_a_secretary_of_the_member(alliances_world, tree, people,
                                                       township_admin):
    core = alliances_world.core
    with pytest.raises(ValidationError) as exc:
        new_project(core, township_admin, member=tree.village_a1, secretary_led=True)
    assert code_of(exc, "secretary") == "secretary"
    with pytest.raises(ValidationError) as exc:
        new_project(core, township_admin, member=tree.village_a1, secretary_led=True,
                    secretary=people.a2)
    assert code_of(exc, "secretary") == "secretary"
    project = new_project(core, township_admin, member=tree.village_a1, secretary_led=True,
                          secretary=people.a1)
    assert project.secretary == people.a1


def test_common_secretary_comes_from_the_lead_org(alliances_world, people, township_admin):
    core = alliances_world.core  # lead org: 青山村
    project = new_project(core, township_admin, secretary_led=True, secretary=people.a1)
    assert project.secretary_led
    with pytest.raises(ValidationError) as exc:
        new_project(core, township_admin, secretary_led=True, secretary=people.a2)
    assert code_of(exc, "secretary") == "secretary"
    with pytest.raises(ValidationError) as exc:  # no lead organization
        new_project(alliances_world.area_2, township_admin, secretary_led=True,
                    secretary=people.a2)
    assert code_of(exc, "secretary") == "secretary"


def test_not_secretary_led_drops_the_secretary(alliances_world, tree, people, township_admin):
    project = new_project(alliances_world.core, township_admin, member=tree.village_a1,
                          secretary=people.a1)
    assert project.secretary is None


def test_closed_alliance_takes_no_projects(alliances_world, township_admin):
    alliances_world.core.closed_at = datetime.date(2026, 6, 1)
    alliances_world.core.save()
    with pytest.raises(ValidationError) as exc:
        new_project(alliances_world.core, township_admin)
    assert code_of(exc) == "closed"


def test_edit_project_rules(alliances_world, tree, village_secretary, unit_contact):
    project = make_project(alliances_world.core, tree.village_a1)
    edited = services.edit_project(project, actor=village_secretary, name="茶园提质二期",
                                   status=ProjectStatus.ONGOING)
    assert edited.name == "茶园提质二期" and edited.status == ProjectStatus.ONGOING
    with pytest.raises(ValidationError) as exc:
        services.edit_project(project, actor=village_secretary, status=ProjectStatus.DONE)
    assert code_of(exc, "status") == "state"
    with pytest.raises(PermissionDenied):  # the unit is not a member of this alliance
        services.edit_project(project, actor=unit_contact, name="x")
    assert AuditEvent.objects.filter(data__project=project.pk, action="update").count() == 1


# --- services: quarterly updates ---------------------------------------------------------


def record(project, actor, quarter=3, progress=40, **kwargs):
    kwargs.setdefault("note", "完成茶园规划")
    return services.record_update(project, actor=actor, year=2026, quarter=quarter,
                                  progress=progress, today=TODAY, **kwargs)


def test_update_sets_progress_and_status(alliances_world, tree, village_secretary):
    project = make_project(alliances_world.core, tree.village_a1)
    record(project, village_secretary, quarter=1, progress=40)
    project.refresh_from_db()
    assert (project.progress, project.status) == (40, ProjectStatus.ONGOING)
    record(project, village_secretary, quarter=2, progress=100)
    project.refresh_from_db()
    assert (project.progress, project.status) == (100, ProjectStatus.DONE)
    assert AuditEvent.objects.filter(data__project=project.pk, action="create").count() == 2


def test_one_update_per_quarter(alliances_world, tree, village_secretary):
    project = make_project(alliances_world.core, tree.village_a1)
    record(project, village_secretary)
    with pytest.raises(ValidationError) as exc:
        record(project, village_secretary, progress=50)
    assert code_of(exc, "quarter") == "duplicate"


def test_progress_falls_only_when_confirmed(alliances_world, tree, village_secretary):
    project = make_project(alliances_world.core, tree.village_a1)
    record(project, village_secretary, quarter=1, progress=60)
    with pytest.raises(ValidationError) as exc:
        record(project, village_secretary, quarter=2, progress=50)
    assert code_of(exc, "progress") == "regress"
    record(project, village_secretary, quarter=2, progress=50, lowered=True,
           note="受台风影响，部分茶苗需补种")
    project.refresh_from_db()
    assert project.progress == 50


def test_an_earlier_quarter_does_not_overwrite_progress(alliances_world, tree,
                                                        village_secretary):
    project = make_project(alliances_world.core, tree.village_a1)
    record(project, village_secretary, quarter=2, progress=70)
    record(project, village_secretary, quarter=1, progress=30)
    project.refresh_from_db()
    assert project.progress == 70


def test_future_quarter_and_stopped_project_are_refused(alliances_world, tree,
                                                        village_secretary):
    project = make_project(alliances_world.core, tree.village_a1)
    with pytest.raises(ValidationError) as exc:
        record(project, village_secretary, quarter=4)
    assert code_of(exc, "quarter") == "future"
    project.status = ProjectStatus.STOPPED
    project.save()
    with pytest.raises(ValidationError) as exc:
        record(project, village_secretary)
    assert code_of(exc) == "state"


def test_update_permission(alliances_world, tree, people, leader, village_secretary):
    individual = make_project(alliances_world.core, tree.village_a2)
    with pytest.raises(PermissionDenied):
        record(individual, village_secretary)
    with pytest.raises(PermissionDenied):
        record(individual, leader)
    # The leading secretary records on a common project from the task list.
    people.a1.user = village_secretary
    people.a1.save()
    common = make_project(alliances_world.core, secretary_led=True, secretary=people.a1)
    assert record(common, village_secretary).progress == 40


def test_evidence_is_checked_and_stored(alliances_world, tree, village_secretary, media):
    project = make_project(alliances_world.core, tree.village_a1)
    with pytest.raises(ValidationError) as exc:
        record(project, village_secretary,
               evidence=SimpleUploadedFile("a.pdf", b"not a pdf at all"))
    assert "evidence" in exc.value.error_dict
    update = record(project, village_secretary,
                    evidence=SimpleUploadedFile("scan.exe", PDF))
    assert update.evidence.name.endswith(".pdf")


# --- pages -------------------------------------------------------------------------------


def test_pages_scope_and_capability(alliances_world, tree, login, other_village_secretary,
                                    leader):
    project = make_project(alliances_world.core, tree.village_a1)
    client = login(other_village_secretary)
    assert client.get(reverse("alliances:project_detail", args=[project.pk])).status_code == 404
    assert client.get(reverse("alliances:alliance_projects",
                              args=[alliances_world.core.pk])).status_code == 404
    client = login(leader)
    assert client.get(reverse("alliances:project_detail", args=[project.pk])).status_code == 200
    assert client.get(reverse("alliances:project_edit", args=[project.pk])).status_code == 403


def test_village_secretary_creates_through_the_form(alliances_world, tree, login,
                                                    village_secretary):
    url = reverse("alliances:project_create", args=[alliances_world.core.pk])
    response = login(village_secretary).post(url, {
        "member": tree.village_a1.pk, "name": "村庄美化", "goal": "整治环境",
        "start_date": "2026-01-01", "end_date": "2026-06-30", "budget": "3"})
    project = Project.objects.get(name="村庄美化")
    assert response.status_code == 302 and project.member == tree.village_a1
    response = login(village_secretary).post(url, {
        "member": tree.village_a2.pk, "name": "越权", "goal": "x",
        "start_date": "2026-01-01", "end_date": "2026-06-30", "budget": "0"})
    assert response.status_code == 200 and not Project.objects.filter(name="越权").exists()


def test_update_form_with_evidence(alliances_world, tree, login, village_secretary, media):
    project = make_project(alliances_world.core, tree.village_a1)
    year, quarter = services.quarter_of(timezone.localdate())
    response = login(village_secretary).post(
        reverse("alliances:project_update_create", args=[project.pk]),
        {"year": year, "quarter": quarter, "progress": 100, "note": "已完成",
         "evidence": SimpleUploadedFile("scan.pdf", PDF)})
    assert response.status_code == 302
    update = ProjectUpdate.objects.get(project=project)
    project.refresh_from_db()
    assert project.status == ProjectStatus.DONE
    page = login(village_secretary).get(project.get_absolute_url()).content.decode()
    evidence_url = reverse("alliances:project_update_evidence", args=[update.pk])
    assert evidence_url in page
    assert login(village_secretary).get(evidence_url).status_code == 200


def test_list_highlights_late_projects_and_survives_bad_input(alliances_world, tree, login,
                                                              township_admin):
    today = timezone.localdate()
    make_project(alliances_world.core, tree.village_a1, name="逾期项目",
                 start_date=today - datetime.timedelta(days=90),
                 end_date=today - datetime.timedelta(days=1))
    make_project(alliances_world.core, name="共性项目", end_date=today + datetime.timedelta(30),
                 start_date=today)
    url = reverse("alliances:alliance_projects", args=[alliances_world.core.pk])
    page = login(township_admin).get(url).content.decode()
    assert "逾期项目" in page and "已逾期" in page and "共性化项目清单" in page
    for query in ("?list=abc", "?list=common&page=zz", f"?list={tree.village_b1.pk}"):
        assert login(township_admin).get(url + query).status_code == 200
    common = login(township_admin).get(url + "?list=common").content.decode()
    assert "共性项目" in common and "逾期项目" not in common


def _count(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_list_query_count_is_flat(alliances_world, tree, login, people, township_admin):
    core = alliances_world.core
    client = login(township_admin)
    url = reverse("alliances:alliance_projects", args=[core.pk])
    make_project(core, tree.village_a1, owner=people.a1)
    few = _count(client, url)
    extra = bulk_orgs([(f"v{i}", tree.town_a, f"新村{i}", "village", {}) for i in range(8)])
    Membership.objects.bulk_create([Membership(alliance=core, org=org, joined_on=START)
                                    for org in extra.values()])
    for i, org in enumerate(extra.values()):
        make_project(core, org, name=f"项目{i}", owner=people.a1, secretary_led=True,
                     secretary=people.a1)
        make_project(core, name=f"共性{i}")
    assert _count(client, url) == few


def test_task_list_shows_only_own_secretary_led_projects(alliances_world, tree, people, login,
                                                         village_secretary):
    people.a1.user = village_secretary
    people.a1.save()
    core = alliances_world.core
    make_project(core, tree.village_a1, name="我领办的项目", secretary_led=True,
                 secretary=people.a1)
    make_project(core, tree.village_a2, name="别人领办的项目", secretary_led=True,
                 secretary=people.a2)
    make_project(core, tree.village_a1, name="未领办的项目", secretary=people.a1)
    page = login(village_secretary).get(reverse("alliances:my_tasks")).content.decode()
    assert "我领办的项目" in page
    assert "别人领办的项目" not in page and "未领办的项目" not in page


def test_task_list_without_a_person_and_query_count(alliances_world, tree, login,
                                                    village_secretary, unit_contact):
    url = reverse("alliances:my_tasks")
    assert "尚未关联人员信息" in login(unit_contact).get(url).content.decode()
    person = bulk_people(me={"name": "孙书记", "home_org": tree.village_a1})["me"]
    person.user = village_secretary
    person.save()
    client = login(village_secretary)
    make_project(alliances_world.core, tree.village_a1, secretary_led=True, secretary=person)
    few = _count(client, url)
    for i in range(10):
        make_project(alliances_world.core, tree.village_a1, name=f"任务{i}",
                     secretary_led=True, secretary=person)
    assert _count(client, url) == few

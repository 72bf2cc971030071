"""Permission-matrix cases of the project lists (项目清单) and 书记党建任务清单.

The world: 青山镇's core alliance (owner town_a) with members 青山村 (village_a1) and
县农业农村局 (unit); 青山村's individual list holds a 书记领办 project led by 李青山 (a person of
青山村) with one quarterly update and its evidence. So the village secretary and the unit contact
see the alliance through their membership; the township and county manage it; the leader only
reads; 白水村's secretary, the talent and the outsider are outside it (404). 青山村's secretary
edits 青山村's list, the unit contact may add to its own list but not edit 青山村's.
"""

import datetime

from django.core.files.base import ContentFile

from tests.permission_matrix import Case

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _world(env):
    from alliances.models import (
        Alliance,
        AllianceType,
        Membership,
        Project,
        ProjectStatus,
        ProjectUpdate,
    )

    tree = env.tree
    founded = datetime.date(2026, 1, 5)
    alliance = Alliance.objects.create(name="青山镇红色党建联盟", kind="core", owner=tree.town_a,
                                       type=AllianceType.objects.get(code="red"), founded=founded)
    Membership.objects.bulk_create([Membership(alliance=alliance, org=org, joined_on=founded)
                                    for org in (tree.village_a1, tree.unit)])
    project = Project.objects.create(
        alliance=alliance, member=tree.village_a1, name="茶园提质", goal="改造茶园100亩",
        start_date=founded, end_date=datetime.date(2026, 12, 31), progress=30,
        status=ProjectStatus.ONGOING, secretary_led=True, secretary=env.people.a1)
    update = ProjectUpdate(project=project, year=2026, quarter=1, progress=30, note="完成规划")
    update.evidence.save("evidence.pdf", ContentFile(PDF), save=False)
    update.save()
    return alliance, project, update


def alliance_of(env):
    return [_world(env)[0].pk]


def project_of(env):
    return [_world(env)[1].pk]


def update_of(env):
    return [_world(env)[2].pk]


SEEN = (302, 200, 200, 200, 200, 404, 200, 404, 404)
EDIT_VILLAGE_LIST = (302, 200, 403, 200, 200, 404, 403, 404, 404)

# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    # The task list: anyone holding alliance.view (it shows only their own projects).
    Case("alliances:my_tasks", "", (302, 200, 200, 200, 200, 200, 200, 403, 403)),
    Case("alliances:alliance_projects", "青山镇 core", SEEN, alliance_of),
    Case("alliances:project_detail", "茶园提质", SEEN, project_of),
    Case("alliances:project_update_evidence", "茶园提质 2026Q1", SEEN, update_of),
    # Adding: the alliance's managers, or a member's own secretary or contact (its own list).
    Case("alliances:project_create", "青山镇 core", (302, 200, 403, 200, 200, 404, 200, 404, 404),
         alliance_of),
    # An empty form is shown again with its errors.
    Case("alliances:project_create", "青山镇 core", (302, 200, 403, 200, 200, 404, 200, 404, 404),
         alliance_of, method="post"),
    # 青山村's project: the managers and 青山村's secretary; the unit is another member.
    Case("alliances:project_edit", "茶园提质", EDIT_VILLAGE_LIST, project_of),
    Case("alliances:project_edit", "茶园提质", EDIT_VILLAGE_LIST, project_of, method="post"),
    Case("alliances:project_update_create", "茶园提质", EDIT_VILLAGE_LIST, project_of),
    Case("alliances:project_update_create", "茶园提质", EDIT_VILLAGE_LIST, project_of,
         method="post"),
]

"""Permission-matrix cases of the pairing pages, the pairing import and the statistics.

The pairing built for each case is 县农业农村局 (unit) ↔ 青山村 (village_a1): visible to the
county, the leader, 青山镇's admin, 青山村's secretary and the unit's contact and talent; 白水村's
secretary and the outsider get 404.
"""

import datetime

from tests.permission_matrix import Case, kind, org


def a_pairing(**fields):
    def build(env):
        from pairing.models import Pairing

        pairing = Pairing.objects.create(city_org=env.tree.unit, village_org=env.tree.village_a1,
                                         since=datetime.date(2026, 1, 1), **fields)
        return [pairing.pk]
    return build


SUBMITTED_PLAN = {"plan_goals": "目标", "plan_tasks": "任务", "plan_measures": "措施",
                  "plan_status": "submitted"}

# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    # Lists are filtered by scope; a role without pairing.view (the outsider) is refused.
    Case("pairing:pairing_list", "", (302, 200, 200, 200, 200, 200, 200, 200, 403)),
    Case("pairing:unpaired_villages", "", (302, 200, 200, 200, 200, 200, 200, 200, 403)),
    # Roles without an own village or unit are sent to the full list.
    Case("pairing:my_pairings", "", (302, 302, 302, 302, 200, 200, 200, 200, 403)),
    Case("pairing:org_pairings", "village_a1", (302, 200, 200, 200, 200, 404, 404, 404, 403),
         org("village_a1")),
    Case("pairing:org_pairings", "unit", (302, 200, 200, 404, 404, 404, 200, 200, 403),
         org("unit")),
    # A township is neither a village nor a city organization.
    Case("pairing:org_pairings", "town_a", (302, 404, 404, 404, 404, 404, 404, 404, 403),
         org("town_a")),
    Case("pairing:pairing_create", "", (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    Case("pairing:pairing_detail", "unit ↔ village_a1",
         (302, 200, 200, 200, 200, 404, 200, 200, 404), a_pairing()),
    Case("pairing:pairing_edit", "unit ↔ village_a1",
         (302, 200, 403, 403, 403, 404, 403, 403, 404), a_pairing()),
    Case("pairing:pairing_end", "unit ↔ village_a1",
         (302, 200, 403, 403, 403, 404, 403, 403, 404), a_pairing()),
    # Ending with an empty form re-renders it with the error.
    Case("pairing:pairing_end", "unit ↔ village_a1",
         (302, 200, 403, 403, 403, 404, 403, 403, 404), a_pairing(), method="post"),
    # Either side writes the plan: the village secretary and the unit contact.
    Case("pairing:plan_edit", "unit ↔ village_a1",
         (302, 403, 403, 403, 200, 404, 200, 403, 404), a_pairing()),
    Case("pairing:plan_submit", "unit ↔ village_a1",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), a_pairing()),
    # An empty plan cannot be submitted: back to the detail page with the message.
    Case("pairing:plan_submit", "unit ↔ village_a1",
         (302, 403, 403, 403, 302, 404, 302, 403, 404), a_pairing(), method="post"),
    Case("pairing:plan_file", "unit ↔ village_a1",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), a_pairing(**SUBMITTED_PLAN)),
    Case("pairing:plan_file", "unit ↔ village_a1",
         (302, 302, 403, 403, 403, 404, 403, 403, 404), a_pairing(**SUBMITTED_PLAN),
         method="post"),
    Case("pairing:plan_return", "unit ↔ village_a1",
         (302, 200, 403, 403, 403, 404, 403, 403, 404), a_pairing(**SUBMITTED_PLAN)),
    # Excel import: pairing.import (county admin only).
    Case("pairing:pairing_import", "", (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    Case("pairing:pairing_import_template", "", (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    Case("pairing:pairing_import_upload", "", (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    # An empty upload re-renders the form with its error.
    Case("pairing:pairing_import_upload", "", (302, 200, 403, 403, 403, 403, 403, 403, 403),
         method="post"),
    Case("pairing:pairing_import_commit", "stale token",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), kind("0" * 32)),
    Case("pairing:pairing_import_commit", "stale token",
         (302, 302, 403, 403, 403, 403, 403, 403, 403), kind("0" * 32), method="post"),
    # Statistics: county admin, leader and township admin.
    Case("pairing:statistics", "", (302, 200, 200, 200, 403, 403, 403, 403, 403)),
    Case("pairing:statistics_export", "", (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    Case("pairing:statistics_export", "", (302, 302, 302, 302, 403, 403, 403, 403, 403),
         method="post"),
]

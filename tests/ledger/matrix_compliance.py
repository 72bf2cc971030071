"""Permission matrix cases of 履职情况 (see tests/permission_matrix.py for the columns).

The matrices need ledger.compliance (county admin, leader, township admin): others get 403.
A cell's activities are found among the rows the user's matrix shows (missing → 404); whoever
may see the organization or person but not the matrices gets 403.
"""

import datetime

from tests.permission_matrix import Case, kind, org, person


def _paired(env):
    from pairing.models import Pairing

    Pairing.objects.get_or_create(city_org=env.tree.unit, village_org=env.tree.village_a1,
                                  defaults={"since": datetime.date(2025, 1, 1)})


def month_of(target, year=2025, month=3, paired=False):
    def build(env):
        if paired:
            _paired(env)
        return [target(env)[0], year, month]
    return build


# Columns:         anon county leader town  vs  other unit talent outsider
MATRIX = (302, 200, 200, 200, 403, 403, 403, 403, 403)
GET_ONLY_POST = (302, 405, 405, 405, 405, 405, 405, 405, 405)
EXPORT = (302, 302, 302, 302, 403, 403, 403, 403, 403)

CASES = [
    Case("ledger:compliance_orgs", "", MATRIX),
    Case("ledger:compliance_talents", "", MATRIX),
    Case("ledger:compliance_units", "", MATRIX),
    Case("ledger:compliance_orgs_export", "", GET_ONLY_POST),
    Case("ledger:compliance_orgs_export", "", EXPORT, method="post"),
    Case("ledger:compliance_talents_export", "", GET_ONLY_POST),
    Case("ledger:compliance_talents_export", "", EXPORT, method="post"),
    Case("ledger:compliance_units_export", "", GET_ONLY_POST),
    Case("ledger:compliance_units_export", "", EXPORT, method="post"),
    # 青山村's secretary sees the village but not the matrices: 403.
    Case("ledger:compliance_org_month", "village_a1",
         (302, 200, 200, 200, 403, 404, 404, 404, 404), month_of(org("village_a1"))),
    Case("ledger:compliance_org_month", "village_b1",
         (302, 200, 200, 404, 404, 403, 404, 404, 404), month_of(org("village_b1"))),
    Case("ledger:compliance_org_month", "unit", (302, 200, 200, 404, 404, 404, 403, 403, 404),
         month_of(org("unit"))),
    Case("ledger:compliance_org_month", "village_a1, month 13",
         (302, 404, 404, 404, 404, 404, 404, 404, 404), month_of(org("village_a1"), month=13)),
    # The unit's talent is in 青山镇's matrix once the unit is paired with 青山村.
    Case("ledger:compliance_talent_month", "unit talent, paired",
         (302, 200, 200, 200, 404, 404, 403, 404, 404),
         month_of(person("unit"), paired=True)),
    Case("ledger:compliance_talent_month", "unit talent, unpaired",
         (302, 200, 200, 404, 404, 404, 403, 404, 404), month_of(person("unit"))),
    Case("ledger:compliance_talent_month", "a1, no talent",
         (302, 404, 404, 404, 403, 404, 404, 404, 404), month_of(person("a1"))),
    Case("ledger:compliance_unit_month", "unit, paired",
         (302, 200, 200, 200, 404, 404, 403, 403, 404), month_of(org("unit"), paired=True)),
    Case("ledger:compliance_unit_month", "unit, unpaired",
         (302, 404, 404, 404, 404, 404, 403, 403, 404), month_of(org("unit"))),
    Case("ledger:compliance_unit_month", "unknown unit",
         (302, 404, 404, 404, 404, 404, 404, 404, 404), kind(999999, 2025, 3)),
]

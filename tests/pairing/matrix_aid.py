"""Permission matrix cases of 双结对双帮扶 (see tests/permission_matrix.py for the columns).

Households carry personal data: only aid.view in scope sees them (county, leader, 青山镇's
admin, the village's secretary); aid.change writes (not the leader). The unit (县农业农村局)
is paired with 青山村, so its contact and talent see the village (org.view) and get 403 on
its aid pages, but 404 on a household. 白水村's secretary and the outsider get 404.
"""

import datetime

from tests.permission_matrix import Case


def _pairing(env):
    from pairing.models import Pairing

    Pairing.objects.get_or_create(city_org=env.tree.unit, village_org=env.tree.village_a1,
                                  defaults={"since": datetime.date(2026, 1, 1)})


def _household(env):
    from pairing.models import AidHousehold

    _pairing(env)
    return AidHousehold.objects.create(village_org=env.tree.village_a1, head_name="刘大爷",
                                       members=3, difficulty="illness", phone="13800001111")


def _aid_pairing(env, cadre_key="a1"):
    from pairing.models import AidPairing

    return AidPairing.objects.create(cadre=getattr(env.people, cadre_key),
                                     household=_household(env), plan="每月走访",
                                     since=datetime.date(2026, 1, 1))


def household(env):
    return [_household(env).pk]


def aid_pairing(env):
    return [_aid_pairing(env).pk]


def cadre(key):
    def build(env):
        return [_aid_pairing(env, key).cadre_id]
    return build


def village(name):
    def build(env):
        _pairing(env)
        return [getattr(env.tree, name).pk]
    return build


# Columns:          anon county leader town  vs  other unit talent outsider
HOUSEHOLD_READ = (302, 200, 200, 200, 200, 404, 404, 404, 404)
HOUSEHOLD_WRITE = (302, 200, 403, 200, 200, 404, 404, 404, 404)
POST_ONLY = (302, 405, 405, 405, 405, 405, 405, 405, 405)

CASES = [
    Case("pairing:aid_household_list", "", (302, 200, 200, 200, 200, 200, 403, 403, 403)),
    Case("pairing:aid_village", "village_a1 (paired)",
         (302, 200, 200, 200, 200, 404, 403, 403, 404), village("village_a1")),
    Case("pairing:aid_village", "village_b1",
         (302, 200, 200, 404, 404, 200, 404, 404, 404), village("village_b1")),
    Case("pairing:aid_household_create", "village_a1",
         (302, 200, 403, 200, 200, 404, 403, 403, 404), village("village_a1")),
    # An empty POST re-renders the form with its errors.
    Case("pairing:aid_household_create", "village_a1",
         (302, 200, 403, 200, 200, 404, 403, 403, 404), village("village_a1"), method="post"),
    Case("pairing:aid_household_detail", "household", HOUSEHOLD_READ, household),
    Case("pairing:aid_household_edit", "household", HOUSEHOLD_WRITE, household),
    Case("pairing:aid_pairing_create", "household", HOUSEHOLD_WRITE, household),
    Case("pairing:aid_pairing_create", "household", HOUSEHOLD_WRITE, household, method="post"),
    Case("pairing:aid_pairing_edit", "aid pairing", HOUSEHOLD_WRITE, aid_pairing),
    Case("pairing:aid_pairing_end", "aid pairing", POST_ONLY, aid_pairing),
    Case("pairing:aid_pairing_end", "aid pairing", (302, 302, 403, 302, 302, 404, 404, 404, 404),
         aid_pairing, method="post"),
    Case("pairing:aid_visit_create", "aid pairing", HOUSEHOLD_WRITE, aid_pairing),
    Case("pairing:aid_visit_create", "aid pairing", HOUSEHOLD_WRITE, aid_pairing, method="post"),
    # A village person: seen by the village's side; the unit neither sees the person nor aid.
    Case("pairing:aid_cadre_pairings", "cadre of 青山村", HOUSEHOLD_READ, cadre("a1")),
    # The unit's person: the unit contact sees the person but lacks aid.view.
    Case("pairing:aid_cadre_pairings", "cadre of the unit",
         (302, 200, 200, 200, 200, 404, 403, 404, 404), cadre("unit")),
    Case("pairing:aid_ledger_export", "village_a1", POST_ONLY, village("village_a1")),
    Case("pairing:aid_ledger_export", "village_a1",
         (302, 302, 302, 302, 302, 404, 403, 403, 404), village("village_a1"), method="post"),
]

"""Permission-matrix cases of the villagers' requests (民情诉求).

Requests carry personal data: only resident.view holders (village, township, county) reach
them. 县农业农村局 is paired with 青山村 in every builder, to show that a pairing opens no
request to the unit's contact or talents.
"""

import datetime

from django.utils import timezone

from tests.permission_matrix import Case


def request_in(village):
    def build(env):
        from ledger.models import ResidentRequest
        from pairing.models import Pairing

        Pairing.objects.get_or_create(city_org=env.tree.unit, village_org=env.tree.village_a1,
                                      defaults={"since": datetime.date(2026, 1, 1)})
        row = ResidentRequest.objects.create(
            village_org=getattr(env.tree, village), date=timezone.localdate(),
            category="livelihood", content="路灯坏了", raised_by="王大妈",
            raised_by_phone="13900002222")
        return [row.pk]
    return build


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    # Lists need resident.view somewhere; the leader, units and talents hold it nowhere.
    Case("ledger:request_list", "", (302, 200, 403, 200, 200, 200, 403, 403, 403)),
    Case("ledger:request_daily", "", (302, 200, 403, 200, 200, 200, 403, 403, 403)),
    # Only the village records.
    Case("ledger:request_create", "", (302, 403, 403, 403, 200, 200, 403, 403, 403)),
    # An empty form re-renders with its errors.
    Case("ledger:request_create", "", (302, 403, 403, 403, 200, 200, 403, 403, 403),
         method="post"),
    Case("ledger:request_detail", "village_a1 (paired)",
         (302, 200, 404, 200, 200, 404, 404, 404, 404), request_in("village_a1")),
    Case("ledger:request_detail", "village_b1", (302, 200, 404, 404, 404, 200, 404, 404, 404),
         request_in("village_b1")),
    Case("ledger:request_judge", "village_a1", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         request_in("village_a1")),
    # An empty judgement sends the village back with a message.
    Case("ledger:request_judge", "village_a1", (302, 403, 404, 403, 302, 404, 404, 404, 404),
         request_in("village_a1"), method="post"),
    Case("ledger:request_resolve", "village_a1", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         request_in("village_a1")),
    Case("ledger:request_resolve", "village_a1", (302, 403, 404, 403, 302, 404, 404, 404, 404),
         request_in("village_a1"), method="post"),
    Case("ledger:request_publish", "village_a1", (302, 403, 404, 403, 200, 404, 404, 404, 404),
         request_in("village_a1")),
    Case("ledger:request_publish", "village_a1", (302, 403, 404, 403, 200, 404, 404, 404, 404),
         request_in("village_a1"), method="post"),
    Case("ledger:request_publish", "village_b1", (302, 403, 404, 404, 404, 200, 404, 404, 404),
         request_in("village_b1")),
]

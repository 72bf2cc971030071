"""Permission-matrix cases of the needs board (wired into tests/permission_matrix.py).

The builders pair 县农业农村局 (unit contact, talent) with 青山村 (village_a1), so the unit's
people see and claim 青山村's needs; 白水村 (village_b1) is not paired with anyone.
"""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from tests.permission_matrix import Case


def _pairing(env):
    from pairing.models import Pairing

    Pairing.objects.get_or_create(city_org=env.tree.unit, village_org=env.tree.village_a1,
                                  defaults={"since": datetime.date(2026, 1, 1)})


def _need(env, village):
    from pairing.models import Need

    _pairing(env)
    return Need.objects.create(village_org=getattr(env.tree, village), title="电商培训",
                               description="教村民直播带货", places=2,
                               deadline=timezone.localdate() + datetime.timedelta(days=14))


def need_in(village):
    return lambda env: [_need(env, village).pk]


def talent_claim(status="claimed", evidence=False):
    """A claim of the `talent` persona on a 青山村 need, in `status`."""
    def build(env):
        from pairing.models import Claim

        need = _need(env, "village_a1")
        need.taken_places = 1
        need.save(update_fields=["taken_places"])
        claim = Claim(need=need, claimant=env.user("talent"), status=status,
                      result="培训30人" if status == "done" else "")
        if evidence:
            claim.evidence.save("evidence-0123456789abcdef.pdf",
                                ContentFile(b"%PDF-1.4\n%%EOF\n"), save=False)
        claim.save()
        return [claim.pk]
    return build


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    # The board takes its mode from the role; the outsider has no need capability at all.
    Case("pairing:need_board", "", (302, 200, 200, 200, 200, 200, 200, 200, 403)),
    Case("pairing:need_create", "", (302, 403, 403, 403, 200, 200, 403, 403, 403)),
    # An empty form re-renders with its errors.
    Case("pairing:need_create", "", (302, 403, 403, 403, 200, 200, 403, 403, 403),
         method="post"),
    # Own claims only: everyone signed in gets their (possibly empty) list.
    Case("pairing:my_claims", "", (302, 200, 200, 200, 200, 200, 200, 200, 200)),
    Case("pairing:claims_to_confirm", "", (302, 403, 403, 403, 200, 200, 403, 403, 403)),
    Case("pairing:need_detail", "village_a1 (paired)",
         (302, 200, 200, 200, 200, 404, 200, 200, 404), need_in("village_a1")),
    Case("pairing:need_detail", "village_b1 (unpaired)",
         (302, 200, 200, 404, 404, 200, 404, 404, 404), need_in("village_b1")),
    Case("pairing:need_edit", "village_a1", (302, 403, 403, 403, 200, 404, 403, 403, 404),
         need_in("village_a1")),
    Case("pairing:need_edit", "village_a1", (302, 403, 403, 403, 200, 404, 403, 403, 404),
         need_in("village_a1"), method="post"),
    Case("pairing:need_close", "village_a1", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         need_in("village_a1")),
    Case("pairing:need_close", "village_a1", (302, 403, 403, 403, 302, 404, 403, 403, 404),
         need_in("village_a1"), method="post"),
    Case("pairing:need_claim", "village_a1", (302, 405, 405, 405, 405, 405, 405, 405, 405),
         need_in("village_a1")),
    Case("pairing:need_claim", "village_a1", (302, 403, 403, 403, 403, 404, 302, 302, 404),
         need_in("village_a1"), method="post"),
    Case("pairing:need_claim", "village_b1", (302, 403, 403, 404, 404, 403, 404, 404, 404),
         need_in("village_b1"), method="post"),
    Case("pairing:claim_withdraw", "talent's claim",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), talent_claim()),
    # Only the claimant withdraws or reports; others in scope get 403.
    Case("pairing:claim_withdraw", "talent's claim",
         (302, 403, 403, 403, 403, 404, 403, 302, 404), talent_claim(), method="post"),
    Case("pairing:claim_report", "talent's claim",
         (302, 403, 403, 403, 403, 404, 403, 200, 404), talent_claim()),
    Case("pairing:claim_report", "talent's claim",
         (302, 403, 403, 403, 403, 404, 403, 200, 404), talent_claim(), method="post"),
    # A claim already reported sends its claimant back to the need.
    Case("pairing:claim_report", "talent's done claim",
         (302, 403, 403, 403, 403, 404, 403, 302, 404), talent_claim("done")),
    Case("pairing:claim_confirm", "talent's done claim",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), talent_claim("done")),
    # Only the village confirms; an empty POST comes back with a message.
    Case("pairing:claim_confirm", "talent's done claim",
         (302, 403, 403, 403, 302, 404, 403, 403, 404), talent_claim("done"), method="post"),
    Case("pairing:claim_send_back", "talent's done claim",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), talent_claim("done")),
    Case("pairing:claim_send_back", "talent's done claim",
         (302, 403, 403, 403, 302, 404, 403, 403, 404), talent_claim("done"), method="post"),
    Case("pairing:claim_evidence", "done claim with evidence",
         (302, 200, 200, 200, 200, 404, 200, 200, 404), talent_claim("done", evidence=True)),
    Case("pairing:claim_evidence", "claim without evidence",
         (302, 404, 404, 404, 404, 404, 404, 404, 404), talent_claim()),
]

"""Permission-matrix cases of the activity ledger (wired into tests/permission_matrix.py).

青山村 (village_a1) belongs to the village secretary and 青山镇 (the township admin); 县农业农村局
(unit) to the unit contact and the talent, who read its ledger but only the contact logs.
"""

import io

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from tests.permission_matrix import Case


def _activity(env, org_name, status="draft"):
    from ledger.models import Activity, ActivityTheme

    return Activity.objects.create(
        org=getattr(env.tree, org_name), date=timezone.localdate(), status=status,
        theme=ActivityTheme.objects.get(code="serve_masses"), title="入户走访",
        content="走访困难群众", submitted_at=timezone.now() if status != "draft" else None)


def activity_in(org_name, status="draft"):
    return lambda env: [_activity(env, org_name, status).pk]


def reopen_request_in(org_name):
    def build(env):
        import datetime

        from ledger.models import ReopenRequest

        day = timezone.localdate().replace(day=1) - datetime.timedelta(days=70)
        return [ReopenRequest.objects.create(org=getattr(env.tree, org_name), year=day.year,
                                             month=day.month, reason="补录").pk]
    return build


def _png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def photo_in(org_name):
    def build(env):
        from ledger.models import Evidence

        evidence = Evidence(activity=_activity(env, org_name), kind="photo",
                            original_name="现场.png", size=10)
        evidence.file.save("evidence-0123456789abcdef.png", ContentFile(_png()), save=False)
        evidence.thumbnail.save("evidence-0123456789abcdef-thumb.jpg", ContentFile(_png()),
                                save=False)
        evidence.save()
        return [evidence.pk]
    return build


# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    # Everyone with ledger.view gets a (scope-filtered) list; the outsider has none.
    Case("ledger:activity_list", "", (302, 200, 200, 200, 200, 200, 200, 200, 403)),
    Case("ledger:activity_to_confirm", "", (302, 200, 403, 200, 403, 403, 403, 403, 403)),
    Case("ledger:activity_create", "", (302, 403, 403, 403, 200, 200, 200, 403, 403)),
    # An empty form re-renders with its errors.
    Case("ledger:activity_create", "", (302, 403, 403, 403, 200, 200, 200, 403, 403),
         method="post"),
    # Without ?org= the picker's endpoint finds no organization of the user's.
    Case("ledger:participant_search", "no org", (302, 403, 403, 403, 404, 404, 404, 403, 403)),
    Case("ledger:month_reopen", "", (302, 200, 403, 200, 403, 403, 403, 403, 403)),
    Case("ledger:month_reopen", "", (302, 200, 403, 200, 403, 403, 403, 403, 403),
         method="post"),
    Case("ledger:activity_detail", "village_a1", (302, 200, 200, 200, 200, 404, 404, 404, 404),
         activity_in("village_a1")),
    Case("ledger:activity_detail", "unit", (302, 200, 200, 404, 404, 404, 200, 200, 404),
         activity_in("unit")),
    Case("ledger:activity_edit", "village_a1 draft",
         (302, 403, 403, 403, 200, 404, 404, 404, 404), activity_in("village_a1")),
    Case("ledger:activity_edit", "village_a1 draft",
         (302, 403, 403, 403, 200, 404, 404, 404, 404), activity_in("village_a1"),
         method="post"),
    # A submitted activity sends its author back to the detail page.
    Case("ledger:activity_edit", "village_a1 submitted",
         (302, 403, 403, 403, 302, 404, 404, 404, 404), activity_in("village_a1", "submitted")),
    Case("ledger:activity_submit", "village_a1 draft",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), activity_in("village_a1")),
    Case("ledger:activity_submit", "village_a1 draft",
         (302, 403, 403, 403, 302, 404, 404, 404, 404), activity_in("village_a1"),
         method="post"),
    Case("ledger:activity_delete", "village_a1 draft",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), activity_in("village_a1")),
    Case("ledger:activity_delete", "village_a1 draft",
         (302, 403, 403, 403, 302, 404, 404, 404, 404), activity_in("village_a1"),
         method="post"),
    Case("ledger:activity_confirm", "village_a1 submitted",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), activity_in("village_a1", "submitted")),
    Case("ledger:activity_confirm", "village_a1 submitted",
         (302, 302, 403, 302, 403, 404, 404, 404, 404), activity_in("village_a1", "submitted"),
         method="post"),
    Case("ledger:activity_return", "village_a1 submitted",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), activity_in("village_a1", "submitted")),
    # Without a reason the township is sent back with a message.
    Case("ledger:activity_return", "village_a1 submitted",
         (302, 302, 403, 302, 403, 404, 404, 404, 404), activity_in("village_a1", "submitted"),
         method="post"),
    Case("ledger:evidence_upload", "village_a1 draft",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), activity_in("village_a1")),
    # No file chosen: the author is sent back with a message.
    Case("ledger:evidence_upload", "village_a1 draft",
         (302, 403, 403, 403, 302, 404, 404, 404, 404), activity_in("village_a1"),
         method="post"),
    Case("ledger:evidence_file", "village_a1 photo",
         (302, 200, 200, 200, 200, 404, 404, 404, 404), photo_in("village_a1")),
    Case("ledger:evidence_file", "unit photo",
         (302, 200, 200, 404, 404, 404, 200, 200, 404), photo_in("unit")),
    Case("ledger:evidence_thumbnail", "village_a1 photo",
         (302, 200, 200, 200, 200, 404, 404, 404, 404), photo_in("village_a1")),
    Case("ledger:evidence_delete", "village_a1 photo",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), photo_in("village_a1")),
    Case("ledger:evidence_delete", "village_a1 photo",
         (302, 403, 403, 403, 302, 404, 404, 404, 404), photo_in("village_a1"), method="post"),
    # Batch confirm/return: the capability first (403), then every ticked id in scope (404);
    # without ticked ids the township (county) is sent back with a message.
    Case("ledger:activity_batch_confirm", "", (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    Case("ledger:activity_batch_confirm", "", (302, 302, 403, 302, 403, 403, 403, 403, 403),
         method="post"),
    Case("ledger:activity_batch_return", "", (302, 405, 405, 405, 405, 405, 405, 405, 405)),
    Case("ledger:activity_batch_return", "", (302, 302, 403, 302, 403, 403, 403, 403, 403),
         method="post"),
    Case("ledger:month_reopen_batch", "", (302, 200, 403, 200, 403, 403, 403, 403, 403)),
    # An empty form re-renders with its errors.
    Case("ledger:month_reopen_batch", "", (302, 200, 403, 200, 403, 403, 403, 403, 403),
         method="post"),
    Case("ledger:reopen_request_list", "", (302, 200, 200, 200, 200, 200, 200, 200, 403)),
    Case("ledger:reopen_request_create", "", (302, 403, 403, 403, 200, 200, 200, 403, 403)),
    Case("ledger:reopen_request_create", "", (302, 403, 403, 403, 200, 200, 200, 403, 403),
         method="post"),
    Case("ledger:reopen_request_grant", "village_a1 pending",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), reopen_request_in("village_a1")),
    Case("ledger:reopen_request_grant", "village_a1 pending",
         (302, 302, 403, 302, 403, 404, 404, 404, 404), reopen_request_in("village_a1"),
         method="post"),
    Case("ledger:reopen_request_refuse", "village_a1 pending",
         (302, 405, 405, 405, 405, 405, 405, 405, 405), reopen_request_in("village_a1")),
    # Without a note the township is sent back with a message.
    Case("ledger:reopen_request_refuse", "village_a1 pending",
         (302, 302, 403, 302, 403, 404, 404, 404, 404), reopen_request_in("village_a1"),
         method="post"),
]

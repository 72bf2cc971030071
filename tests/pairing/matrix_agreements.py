"""Permission matrix cases of 三清单一协议 (see tests/permission_matrix.py for the columns).

The agreement belongs to 县农业农村局 (unit) ↔ 青山村 (village_a1): visible to the county,
the leader, 青山镇's admin, 青山村's secretary and the unit's contact and talent; 白水村's
secretary and the outsider get 404. Editing needs pairing.plan (village secretary, unit
contact); filing and returning pairing.file (county admin).
"""

import datetime

from django.core.files.base import ContentFile

from tests.permission_matrix import Case

STATUSES = ("draft", "submitted", "filed")


def _pairing(env):
    from pairing.models import Pairing

    pairing, _ = Pairing.objects.get_or_create(
        city_org=env.tree.unit, village_org=env.tree.village_a1,
        defaults={"since": datetime.date(2026, 1, 1)})
    return pairing


def _agreement(env, status="draft", scan=False):
    from pairing.models import AnnualAgreement, NeedItem, ProjectItem, ResourceItem

    agreement = AnnualAgreement.objects.create(pairing=_pairing(env), year=2026, status=status,
                                               terms="双方共建。")
    resource = ResourceItem.objects.create(agreement=agreement, category="funds",
                                           description="党建经费", estimated_amount=20000)
    need = NeedItem.objects.create(agreement=agreement, title="修缮村级活动场所")
    project = ProjectItem.objects.create(agreement=agreement, name="活动场所改造", budget=50000)
    project.needs.add(need)
    project.resources.add(resource)
    if scan:
        agreement.signed_scan.save("scan.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return agreement


def agreement(status="draft", *extra, scan=False):
    return lambda env: [_agreement(env, status, scan=scan).pk, *extra]


def pairing_of(env):
    return [_pairing(env).pk]


def item(status, kind):
    def build(env):
        agreement = _agreement(env, status)
        entry = getattr(agreement, f"{kind}s").get()
        return [agreement.pk, kind, entry.pk]
    return build


# Columns:          anon county leader town  vs  other unit talent outsider
VIEWERS = (302, 200, 200, 200, 200, 404, 200, 200, 404)
PLANNERS = (302, 403, 403, 403, 200, 404, 200, 403, 404)
PLANNERS_REDIRECTED = (302, 403, 403, 403, 302, 404, 302, 403, 404)
POST_ONLY = (302, 405, 405, 405, 405, 405, 405, 405, 405)
LIST = (302, 200, 200, 200, 200, 200, 200, 200, 403)

CASES = [
    # Filtered by scope; the outsider holds pairing.view nowhere.
    Case("pairing:agreement_list", "", LIST),
    Case("pairing:agreement_unsigned", "", LIST),
    Case("pairing:agreement_create", "pairing", PLANNERS, pairing_of),
    # An empty POST re-renders the form with its error.
    Case("pairing:agreement_create", "pairing", PLANNERS, pairing_of, method="post"),
    Case("pairing:agreement_detail", "draft", VIEWERS, agreement("draft")),
    Case("pairing:agreement_edit_terms", "draft", PLANNERS, agreement("draft")),
    # Read-only: the planners are sent back to the detail page with a message.
    Case("pairing:agreement_edit_terms", "filed", PLANNERS_REDIRECTED, agreement("filed")),
    Case("pairing:agreement_item_create", "resource", PLANNERS, agreement("draft", "resource")),
    Case("pairing:agreement_item_create", "need", PLANNERS, agreement("draft", "need")),
    Case("pairing:agreement_item_create", "project", PLANNERS, agreement("draft", "project")),
    Case("pairing:agreement_item_create", "unknown list",
         (302, 404, 404, 404, 404, 404, 404, 404, 404), agreement("draft", "nothing")),
    Case("pairing:agreement_item_create", "need, filed", PLANNERS_REDIRECTED,
         agreement("filed", "need")),
    Case("pairing:agreement_item_edit", "project", PLANNERS, item("draft", "project")),
    Case("pairing:agreement_item_edit", "resource, submitted", PLANNERS_REDIRECTED,
         item("submitted", "resource")),
    Case("pairing:agreement_item_delete", "need", POST_ONLY, item("draft", "need")),
    Case("pairing:agreement_item_delete", "need", PLANNERS_REDIRECTED, item("draft", "need"),
         method="post"),
    Case("pairing:agreement_submit", "draft", POST_ONLY, agreement("draft")),
    Case("pairing:agreement_submit", "draft", PLANNERS_REDIRECTED, agreement("draft"),
         method="post"),
    Case("pairing:agreement_file", "submitted", POST_ONLY, agreement("submitted")),
    Case("pairing:agreement_file", "submitted", (302, 302, 403, 403, 403, 404, 403, 403, 404),
         agreement("submitted"), method="post"),
    Case("pairing:agreement_return", "submitted", POST_ONLY, agreement("submitted")),
    # Without a reason the county admin is sent back with a message.
    Case("pairing:agreement_return", "submitted", (302, 302, 403, 403, 403, 404, 403, 403, 404),
         agreement("submitted"), method="post"),
    Case("pairing:agreement_new_version", "filed", POST_ONLY, agreement("filed")),
    Case("pairing:agreement_new_version", "filed", PLANNERS_REDIRECTED, agreement("filed"),
         method="post"),
    Case("pairing:agreement_pdf", "draft", VIEWERS, agreement("draft")),
    # Either side, or the county that files it, may upload the signed scan.
    Case("pairing:agreement_scan_upload", "submitted",
         (302, 200, 403, 403, 200, 404, 200, 403, 404), agreement("submitted")),
    Case("pairing:agreement_scan", "filed with scan", VIEWERS, agreement("filed", scan=True)),
    Case("pairing:agreement_scan", "no scan", (302, 404, 404, 404, 404, 404, 404, 404, 404),
         agreement("filed")),
    # 待备案 and the batch filing are the county's (pairing.file); the batch POST without ticked
    # ids sends it back with a message.
    Case("pairing:agreement_to_file", "", (302, 200, 403, 403, 403, 403, 403, 403, 403)),
    Case("pairing:agreement_file_batch", "", POST_ONLY),
    Case("pairing:agreement_file_batch", "", (302, 302, 403, 403, 403, 403, 403, 403, 403),
         method="post"),
]

"""Permission-matrix cases of meetings, the host rotation and the year-end review.

The world (tests/alliances/conftest.py `build_alliances_world`): 青山镇's core alliance with
青山村 (village_a1, the village secretary's) among its members; 白水乡's core alliance with
白水村 (village_b1). Reading needs alliance.view within the alliance's scope (404 outside;
403 for the talent and the outsider on the cross-alliance page); planning, editing, cancelling,
opening and closing a review need alliance.manage on the owner (county and township admins);
recording a meeting and its photos also the host member's secretary; a 述职 and a score sheet
only the member's own secretary or contact (403 for the admins).
"""

import datetime

from django.core.files.base import ContentFile
from django.utils import timezone

from tests.permission_matrix import Case

YEAR = 2026


def _world(env):
    from tests.alliances.conftest import build_alliances_world

    return build_alliances_world(env.tree)


def with_world(env):
    _world(env)
    return []


def alliance(name):
    return lambda env: [getattr(_world(env), name).pk]


def _meeting(env, *, host="village_a1", days=7, status="planned"):
    from alliances.models import Meeting

    world = _world(env)
    return Meeting.objects.create(
        alliance=world.core, title="联盟例会", place="青山村党群服务中心",
        starts_at=timezone.now() + datetime.timedelta(days=days),
        host_org=getattr(env.tree, host), status=status,
        minutes="纪要" if status == "held" else "")


def planned(env):
    return [_meeting(env).pk]


def due(host):
    """A planned meeting whose time has come, hosted by `host`."""
    return lambda env: [_meeting(env, host=host, days=-3).pk]


def held(env):
    return [_meeting(env, days=-3, status="held").pk]


def photo(name, content):
    def build(env):
        from alliances.models import MeetingPhoto

        item = MeetingPhoto(meeting=_meeting(env, days=-3, status="held"))
        item.file.save(name, ContentFile(content), save=False)
        item.save()
        return [item.pk]
    return build


def _review(env, status="open"):
    from alliances.models import AnnualReview

    return AnnualReview.objects.create(alliance=_world(env).core, year=YEAR, status=status)


def review(env):
    return [_review(env).pk]


def member_page(status="open"):
    """The review and 青山村, the village secretary's member organization."""
    return lambda env: [_review(env, status).pk, env.tree.village_a1.pk]


PDF = b"%PDF-1.4\n%%EOF\n"
READ_CORE = (302, 200, 200, 200, 200, 404, 404, 404, 404)
MANAGE_CORE = (302, 200, 403, 200, 403, 404, 404, 404, 404)
RECORD_AS_HOST = (302, 200, 403, 200, 200, 404, 404, 404, 404)
MEMBER_ONLY = (302, 403, 403, 403, 200, 404, 404, 404, 404)
POST_ONLY = (302, 405, 405, 405, 405, 405, 405, 405, 405)

# Columns:  anon county leader town  vs  other  unit talent outsider
CASES = [
    # 联盟例会: scoped, refused only without alliance.view anywhere.
    Case("alliances:meeting_upcoming", "", (302, 200, 200, 200, 200, 200, 200, 403, 403)),
    Case("alliances:meeting_upcoming", "world", (302, 200, 200, 200, 200, 200, 200, 403, 403),
         with_world),
    Case("alliances:meeting_list", "青山镇 core", READ_CORE, alliance("core")),
    Case("alliances:meeting_list", "白水乡 core", (302, 200, 200, 404, 404, 200, 404, 404, 404),
         alliance("other_core")),
    Case("alliances:rotation", "青山镇 core", READ_CORE, alliance("core")),
    Case("alliances:rotation", "白水乡 core", (302, 200, 200, 404, 404, 200, 404, 404, 404),
         alliance("other_core")),
    Case("alliances:meeting_plan", "青山镇 core", MANAGE_CORE, alliance("core")),
    # An empty form re-renders with its errors.
    Case("alliances:meeting_plan", "青山镇 core", MANAGE_CORE, alliance("core"), method="post"),
    Case("alliances:meeting_plan", "白水乡 core", (302, 200, 403, 404, 404, 403, 404, 404, 404),
         alliance("other_core")),
    Case("alliances:meeting_detail", "planned", READ_CORE, planned),
    Case("alliances:meeting_edit", "planned", MANAGE_CORE, planned),
    Case("alliances:meeting_edit", "planned", MANAGE_CORE, planned, method="post"),
    # A held meeting's plan is closed: sent back to the meeting with a message.
    Case("alliances:meeting_edit", "held", (302, 302, 403, 302, 403, 404, 404, 404, 404), held),
    Case("alliances:meeting_held", "due, hosted by 青山村", RECORD_AS_HOST, due("village_a1")),
    Case("alliances:meeting_held", "due, hosted by 青山村", RECORD_AS_HOST, due("village_a1"),
         method="post"),
    Case("alliances:meeting_held", "due, hosted by 石桥村", MANAGE_CORE, due("village_a2")),
    # Not yet due: sent back to the meeting.
    Case("alliances:meeting_held", "planned", (302, 302, 403, 302, 302, 404, 404, 404, 404),
         planned),
    Case("alliances:meeting_cancel", "planned", POST_ONLY, planned),
    # An empty reason is sent back with a message.
    Case("alliances:meeting_cancel", "planned", (302, 302, 403, 302, 403, 404, 404, 404, 404),
         planned, method="post"),
    Case("alliances:meeting_photo_add", "held, hosted by 青山村", RECORD_AS_HOST, held),
    Case("alliances:meeting_photo_add", "held, hosted by 青山村", RECORD_AS_HOST, held,
         method="post"),
    Case("alliances:meeting_photo", "PDF", READ_CORE, photo("sheet.pdf", PDF)),
    Case("alliances:meeting_photo_thumb", "photo", READ_CORE, photo("photo.png", b"png")),
    Case("alliances:meeting_photo_delete", "PDF", POST_ONLY, photo("sheet.pdf", PDF)),
    Case("alliances:meeting_photo_delete", "PDF", (302, 302, 403, 302, 302, 404, 404, 404, 404),
         photo("sheet.pdf", PDF), method="post"),
    # The year-end review.
    Case("alliances:review_list", "青山镇 core", READ_CORE, alliance("core")),
    Case("alliances:review_open", "青山镇 core", MANAGE_CORE, alliance("core")),
    Case("alliances:review_open", "青山镇 core", MANAGE_CORE, alliance("core"), method="post"),
    Case("alliances:review_open", "白水乡 core", (302, 200, 403, 404, 404, 403, 404, 404, 404),
         alliance("other_core")),
    Case("alliances:review_detail", "open", READ_CORE, review),
    Case("alliances:review_report", "青山村", MEMBER_ONLY, member_page()),
    Case("alliances:review_report", "青山村", MEMBER_ONLY, member_page(), method="post"),
    Case("alliances:review_scores", "青山村", MEMBER_ONLY, member_page()),
    Case("alliances:review_scores", "青山村", MEMBER_ONLY, member_page(), method="post"),
    # A closed review sends the member back to it with a message.
    Case("alliances:review_scores", "青山村, closed", (302, 403, 403, 403, 302, 404, 404, 404, 404),
         member_page("closed")),
    Case("alliances:review_close", "open", POST_ONLY, review),
    # Nobody scored yet: refused with a message, back to the review.
    Case("alliances:review_close", "open", (302, 302, 403, 302, 403, 404, 404, 404, 404), review,
         method="post"),
]

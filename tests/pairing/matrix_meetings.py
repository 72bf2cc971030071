"""Permission matrix cases of the joint meetings (see tests/permission_matrix.py for columns).

The pairing is 县农业农村局 (unit) ↔ 青山村 (village_a1). Its meetings are seen by the county,
the leader, 青山镇's admin, 青山村's secretary and the unit's contact (pairing.view and
meeting.view); the unit's talent sees the pairing but lacks meeting.view (403); 白水村's
secretary and the outsider get 404. Recording needs meeting.change: the village secretary or
the unit contact (the county and township only read).
"""

import datetime

from django.core.files.base import ContentFile

from tests.permission_matrix import Case


def _pairing(env):
    from pairing.models import Pairing

    pairing, _ = Pairing.objects.get_or_create(
        city_org=env.tree.unit, village_org=env.tree.village_a1,
        defaults={"since": datetime.date(2026, 1, 1)})
    return pairing


def pairing_of(env):
    return [_pairing(env).pk]


def meeting(minutes=True):
    def build(env):
        from pairing.models import JointMeeting

        record = JointMeeting.objects.create(
            pairing=_pairing(env), year=2026, half=1, date=datetime.date(2026, 3, 10),
            place="青山村党群服务中心", attendees="双方代表", topics="共建项目")
        if minutes:
            record.minutes.save("minutes.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
        return [record.pk]
    return build


def with_pairing(env):
    _pairing(env)
    return []


# Columns:      anon county leader town  vs  other unit talent outsider
READERS = (302, 200, 200, 200, 200, 404, 200, 403, 404)
# The county may correct a meeting; the leader and township only read.
WRITERS = (302, 200, 403, 403, 200, 404, 200, 403, 404)
MISSING = (302, 200, 200, 200, 200, 200, 200, 403, 403)

CASES = [
    Case("pairing:meeting_list", "pairing", READERS, pairing_of),
    # An empty POST re-renders the form with its errors for those who may record.
    Case("pairing:meeting_list", "pairing", WRITERS, pairing_of, method="post"),
    Case("pairing:meeting_detail", "meeting", READERS, meeting()),
    Case("pairing:meeting_edit", "meeting", WRITERS, meeting()),
    Case("pairing:meeting_edit", "meeting", WRITERS, meeting(), method="post"),
    Case("pairing:meeting_minutes", "meeting with minutes", READERS, meeting()),
    Case("pairing:meeting_minutes", "meeting without minutes",
         (302, 404, 404, 404, 404, 404, 404, 403, 404), meeting(minutes=False)),
    # Filtered by scope; refused only without meeting.view anywhere.
    Case("pairing:meetings_missing", "", MISSING, with_pairing),
    Case("pairing:meetings_missing_export", "", MISSING, with_pairing),
]

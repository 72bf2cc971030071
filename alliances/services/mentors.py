"""导师传帮带 (老带新, 003 二.4): an experienced secretary or cadre mentors a newer one across
the alliance's member organizations.

Rules (permission first — alliance.manage on the owner — then state, each refusal with a code):
both people belong to current member organizations, they are not the same person, the pair is
not already current in this alliance, and the alliance is open; a pair ends on a date not
before its start. Every write is audited; the alliance row is locked so that two managers
adding the same pair queue.
"""

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from alliances.models import Alliance, MentorPair
from alliances.services.people import MANAGE, is_alliance_person, refused
from portal import audit
from portal.scope import require

GOALS_MAX = 500


def _locked_alliance(alliance):
    return Alliance.objects.select_for_update(of=("self",)).select_related("owner").get(
        pk=alliance.pk)


@transaction.atomic
def add_mentor_pair(alliance, *, actor, mentor, mentee, started_on, goals=""):
    require(actor, MANAGE, alliance.owner)
    locked = _locked_alliance(alliance)
    if not locked.is_open:
        raise refused("该联盟已结束，不能再结对。", "closed")
    if mentor.pk == mentee.pk:
        raise refused("导师和徒弟不能是同一人。", "same", "mentee")
    for field, person, label in (("mentor", mentor, "导师"), ("mentee", mentee, "徒弟")):
        if not is_alliance_person(locked, person):
            raise refused(f"{label}须是本联盟现有成员组织的在册人员。", "not_member", field)
    if started_on > timezone.localdate():
        raise refused("结对日期不能晚于今天。", "future", "started_on")
    if MentorPair.objects.filter(alliance=locked, mentor=mentor, mentee=mentee,
                                 ended_on__isnull=True).exists():
        raise refused(f"{mentor.name}与{mentee.name}已在本联盟结对。", "duplicate", "mentee")
    goals = (goals or "").strip()[:GOALS_MAX]
    pair = MentorPair.objects.create(alliance=locked, mentor=mentor, mentee=mentee,
                                     started_on=started_on, goals=goals, created_by=actor)
    audit.record(audit.AuditAction.CREATE,
                 f"导师传帮带结对：{locked.name} {mentor.name} 带 {mentee.name}",
                 actor=actor, alliance=locked.pk, mentor_pair=pair.pk)
    return pair


@transaction.atomic
def end_mentor_pair(pair, *, actor, ended_on):
    alliance = pair.alliance
    require(actor, MANAGE, alliance.owner)
    locked = MentorPair.objects.select_for_update().select_related("mentor", "mentee").get(
        pk=pair.pk)
    if locked.ended_on is not None:
        raise refused("该结对已结束。", "state")
    if ended_on < locked.started_on:
        raise refused("结束日期不能早于结对日期。", "date", "ended_on")
    if ended_on > timezone.localdate():
        raise refused("结束日期不能晚于今天。", "future", "ended_on")
    locked.ended_on = ended_on
    locked.save(update_fields=["ended_on"])
    audit.record(audit.AuditAction.UPDATE,
                 f"结束导师传帮带：{alliance.name} {locked.mentor.name} 带 {locked.mentee.name}",
                 actor=actor, alliance=alliance.pk, mentor_pair=locked.pk,
                 ended_on=ended_on.isoformat())
    return locked


def pairs_of(alliance):
    """Current pairs first, then ended ones, newest first."""
    return (MentorPair.objects.filter(alliance=alliance)
            .select_related("mentor__home_org", "mentee__home_org")
            .order_by(F("ended_on").desc(nulls_first=True), "-started_on", "-id"))

"""本土专家服务团 (003 三.2(2)): the alliance's roster of local experts with their specialties,
and the suggestions that match them to the open needs of the member villages.

The roster is kept by the alliance's managers (alliance.manage on the owner): add a person
they may see, edit the specialties, take an expert off the roster (停用; adding the person again
puts the entry back). Every write is audited.

`suggest_experts(alliance)`: for each open need (published, not past its deadline, with free
places) of a member village, the active experts one of whose specialties occurs in the need's
title or description — two queries whatever the number of needs and experts.
"""

import re

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from alliances.models import Expert, Membership
from alliances.services.people import MANAGE, refused
from pairing.models import Need
from portal import audit
from portal.models import Person
from portal.models.orgs import OrgKind
from portal.scope import require

SPECIALTIES_MAX = 200
INTRODUCTION_MAX = 1000
NEEDS_CONSIDERED = 200  # the soonest deadlines; a village board rarely holds more open needs
SEPARATORS = re.compile(r"[，,、;；\s]+")


def split_specialties(text):
    """The specialty terms of `text`, split on ，,、;； and spaces, without repeats."""
    terms = []
    for term in SEPARATORS.split(text or ""):
        if term and term not in terms:
            terms.append(term)
    return terms


def matches(terms, need) -> bool:
    return any(term in need.title or term in need.description for term in terms)


def _clean_specialties(specialties):
    specialties = (specialties or "").strip()
    if not split_specialties(specialties):
        raise refused("请填写专长。", "specialties", "specialties")
    if len(specialties) > SPECIALTIES_MAX:
        raise refused(f"专长不超过 {SPECIALTIES_MAX} 字。", "specialties", "specialties")
    return specialties


def _clean_introduction(introduction):
    introduction = (introduction or "").strip()
    if len(introduction) > INTRODUCTION_MAX:
        raise refused(f"简介不超过 {INTRODUCTION_MAX} 字。", "introduction", "introduction")
    return introduction


@transaction.atomic
def add_expert(alliance, *, actor, person, specialties, introduction=""):
    """Put a person on the roster; an entry taken off earlier is put back with these details."""
    require(actor, MANAGE, alliance.owner)
    if not alliance.is_open:
        raise refused("该联盟已结束，不能再调整专家库。", "closed")
    specialties = _clean_specialties(specialties)
    introduction = _clean_introduction(introduction)
    if not (person.is_active and Person.objects.visible_to(actor, "person.view")
            .filter(pk=person.pk).exists()):
        raise refused("只能添加您管理范围内的在册人员。", "person", "person")
    expert = (Expert.objects.select_for_update().filter(alliance=alliance, person=person)
              .first())
    if expert is not None and expert.active:
        raise refused(f"{person.name}已在本联盟专家服务团中。", "duplicate", "person")
    if expert is None:
        expert = Expert.objects.create(alliance=alliance, person=person, specialties=specialties,
                                       introduction=introduction, added_by=actor)
        summary = f"加入本土专家服务团：{alliance.name} {person.name}（{specialties}）"
    else:
        expert.active, expert.specialties, expert.introduction = True, specialties, introduction
        expert.save(update_fields=["active", "specialties", "introduction"])
        summary = f"重新启用本土专家：{alliance.name} {person.name}（{specialties}）"
    audit.record(audit.AuditAction.CREATE, summary, actor=actor, alliance=alliance.pk,
                 expert=expert.pk)
    return expert


@transaction.atomic
def edit_expert(expert, *, actor, specialties, introduction=""):
    require(actor, MANAGE, expert.alliance.owner)
    locked = Expert.objects.select_for_update().select_related("person").get(pk=expert.pk)
    if not locked.active:
        raise refused("该专家已停用，请重新添加后再修改。", "state")
    locked.specialties = _clean_specialties(specialties)
    locked.introduction = _clean_introduction(introduction)
    locked.save(update_fields=["specialties", "introduction"])
    audit.record(audit.AuditAction.UPDATE,
                 f"修改本土专家：{expert.alliance.name} {locked.person.name}"
                 f"（{locked.specialties}）",
                 actor=actor, alliance=expert.alliance_id, expert=locked.pk)
    return locked


@transaction.atomic
def deactivate_expert(expert, *, actor):
    require(actor, MANAGE, expert.alliance.owner)
    locked = Expert.objects.select_for_update().select_related("person").get(pk=expert.pk)
    if not locked.active:
        raise refused("该专家已停用。", "state")
    locked.active = False
    locked.save(update_fields=["active"])
    audit.record(audit.AuditAction.UPDATE,
                 f"停用本土专家：{expert.alliance.name} {locked.person.name}",
                 actor=actor, alliance=expert.alliance_id, expert=locked.pk)
    return locked


def roster(alliance):
    """Active experts first, then those taken off, by name."""
    return (Expert.objects.filter(alliance=alliance).select_related("person__home_org")
            .order_by("-active", "person__name", "id"))


def open_needs(alliance):
    """The member villages' open needs with free places, soonest deadline first."""
    current = Membership.objects.current().filter(alliance=alliance).values("org_id")
    return (Need.objects.open().filter(village_org_id__in=current,
                                       village_org__kind=OrgKind.VILLAGE,
                                       deadline__gte=timezone.localdate(),
                                       taken_places__lt=F("places"))
            .select_related("village_org").order_by("deadline", "id"))


def suggest_experts(alliance, *, needs=None, experts=None):
    """[(need, [experts])] for the open needs some active expert matches, soonest deadline
    first (two queries; pass `needs` or `experts` already loaded to save them)."""
    if needs is None:
        needs = list(open_needs(alliance)[:NEEDS_CONSIDERED])
    if experts is None:
        experts = list(Expert.objects.filter(alliance=alliance, active=True)
                       .select_related("person").order_by("person__name", "id"))
    terms = [(expert, split_specialties(expert.specialties)) for expert in experts
             if expert.active]
    suggestions = []
    for need in needs:
        matched = [expert for expert, expert_terms in terms if matches(expert_terms, need)]
        if matched:
            suggestions.append((need, matched))
    return suggestions


def needs_by_expert(suggestions):
    """{expert id: [needs]} from `suggest_experts`' result (for the roster's rows)."""
    by_expert = {}
    for need, experts in suggestions:
        for expert in experts:
            by_expert.setdefault(expert.pk, []).append(need)
    return by_expert

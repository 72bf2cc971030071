"""Who a scheme assesses over a period (N): the enrolled cadres of its action, every active
organization of its target kind in the county of its assessing body, or the county's
party-building alliances (党建联盟) while they exist."""

import datetime

from django.db.models import Q

from alliances.models import Alliance
from assessment.metrics import Cohort, Member
from assessment.models import Enrolment, TargetKind
from assessment.periods import clip
from portal.models import Organization

ONE_DAY = datetime.timedelta(days=1)


def enrolments_in(scheme, start, end):
    """Enrolments of the scheme's action and year that overlap [start, end), not exempt."""
    return (Enrolment.objects.counted()
            .filter(action_id=scheme.action_id, year=scheme.year, start_date__lt=end)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=start)))


def county_path(org):
    return org.path[:Organization.steplen]


def orgs_assessed(scheme):
    return Organization.objects.filter(kind=scheme.target_kind, is_active=True,
                                       path__startswith=county_path(scheme.assessing_body))


def alliances_assessed(scheme, start, end):
    """The alliances owned within the county of the scheme's assessing body that exist during
    [start, end): founded before its end, not closed before its start."""
    return (Alliance.objects
            .filter(owner__path__startswith=county_path(scheme.assessing_body),
                    founded__lt=end)
            .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=start)))


def alliance_window(founded, closed_at, start, end):
    """The part of [start, end) an alliance is assessed in: from its founding to the day after
    it closed (its closing day counts), or None when it did not exist then."""
    return clip(founded, closed_at + ONE_DAY if closed_at else end, start, end)


def cohort_for(scheme, start, end) -> Cohort:
    """The scheme's cohort over [start, end): each member with the part of it they are in."""
    if scheme.target_kind == TargetKind.PERSON:
        enrolments = enrolments_in(scheme, start, end)
        members = []
        for person_id, first, last in enrolments.values_list("person_id", "start_date",
                                                             "end_date"):
            window = clip(first, last + ONE_DAY if last else end, start, end)
            if window:
                members.append(Member(person_id, *window))
        return Cohort(members=members, ids=enrolments.values("person_id"))
    if scheme.target_kind == TargetKind.ALLIANCE:
        alliances = alliances_assessed(scheme, start, end)
        members = []
        for pk, founded, closed_at in alliances.values_list("pk", "founded", "closed_at"):
            window = alliance_window(founded, closed_at, start, end)
            if window:
                members.append(Member(pk, *window))
        return Cohort(members=members, ids=alliances.values("pk"))
    orgs = orgs_assessed(scheme)
    members = [Member(pk, start, end) for pk in orgs.values_list("pk", flat=True)]
    return Cohort(members=members, ids=orgs.values("pk"))


TARGET_FIELD = {TargetKind.PERSON: "person_id", TargetKind.ALLIANCE: "alliance_id"}
# What a search of a ranking or grading matches, by target field.
TARGET_SEARCH = {"person_id": ("person__name", "person__home_org__name"),
                 "org_id": ("org__name",),
                 "alliance_id": ("alliance__name", "alliance__owner__name")}


def target_field(scheme) -> str:
    """The field of QuarterScore / AnnualGrade / ScoreEntry that holds this scheme's target."""
    return TARGET_FIELD.get(scheme.target_kind, "org_id")


def search_targets(queryset, scheme, query):
    """Scores or grades of `scheme` whose target's name (or its unit or township) has `query`."""
    if not query:
        return queryset
    matches = Q()
    for name_field in TARGET_SEARCH[target_field(scheme)]:
        matches |= Q(**{f"{name_field}__icontains": query})
    return queryset.filter(matches)

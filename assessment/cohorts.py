"""Who a scheme assesses over a period (N): the enrolled cadres of its action, or every active
organization of its target kind in the county of its assessing body."""

import datetime

from django.db.models import Q

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
    orgs = orgs_assessed(scheme)
    members = [Member(pk, start, end) for pk in orgs.values_list("pk", flat=True)]
    return Cohort(members=members, ids=orgs.values("pk"))


def target_field(scheme) -> str:
    """The field of QuarterScore / AnnualGrade / ScoreEntry that holds this scheme's target."""
    return "person_id" if scheme.target_kind == TargetKind.PERSON else "org_id"

"""People across the alliance (003 二.6 "关系在支部、活动共参与"): the people of the member
organizations — their membership stays in their own branch — and how many of the alliance's
activities each took part in this year.

Shared by mentor pairs, the expert roster and the member-development flow: who counts as a
person of the alliance, who manages it, who acts for a member organization.

The ledger is reached through reverse relations only (`alliance.activities`, an activity's
`participations`): alliances may not import ledger.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Count

from alliances.hooks import COUNTED_ACTIVITY_STATUSES
from alliances.membership import acting_orgs_q
from alliances.models import Alliance, Membership
from portal.models import Organization, Person
from portal.scope import has_capability

VIEW, MANAGE = "alliance.view", "alliance.manage"
PEOPLE_SHOWN = 50  # a person picker shows this many matches, then asks for a narrower search


def refused(message, code, field=None):
    error = ValidationError(message, code=code)
    return ValidationError({field: error}) if field else error


def manages(user, alliance) -> bool:
    return has_capability(user, MANAGE, alliance.owner)


def acts_for(user, org) -> bool:
    """The user is the secretary or contact of `org` (or of an organization above it)."""
    return Organization.objects.filter(acting_orgs_q(user), pk=org.pk).exists()


def visible_alliances(user):
    return Alliance.objects.visible_to(user, VIEW)


def member_org_ids(alliance):
    """Ids of the alliance's current member organizations (one query)."""
    return list(Membership.objects.current().filter(alliance=alliance)
                .values_list("org_id", flat=True))


def member_orgs(alliance):
    current = Membership.objects.current().filter(alliance=alliance).values("org_id")
    return (Organization.objects.filter(pk__in=current).only("id", "name", "path", "kind")
            .order_by("path"))


def alliance_people(alliance):
    """Active people whose home organization is a current member (关系在支部: they stay in
    their own branch and take part in the alliance's activities)."""
    current = Membership.objects.current().filter(alliance=alliance).values("org_id")
    return (Person.objects.filter(is_active=True, home_org_id__in=current)
            .select_related("home_org").order_by("home_org__path", "name", "id"))


def is_alliance_person(alliance, person) -> bool:
    return person.is_active and Membership.objects.current().filter(
        alliance=alliance, org_id=person.home_org_id).exists()


def search_people(people, search):
    search = (search or "").strip()[:50]
    return people.filter(name__icontains=search) if search else people


def year_range(year):
    return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)


def participation_counts(alliance, person_ids, year):
    """{person id: number of the alliance's counted activities (submitted or confirmed) in
    `year` the person took part in}, for the people shown, in one grouped query."""
    if not person_ids:
        return {}
    first, next_first = year_range(year)
    rows = (alliance.activities.filter(status__in=COUNTED_ACTIVITY_STATUSES, date__gte=first,
                                       date__lt=next_first,
                                       participations__person_id__in=person_ids)
            .values_list("participations__person_id").annotate(n=Count("pk", distinct=True))
            .order_by())
    return dict(rows)


def people_filter(alliance, *, search="", org_id=None):
    """The alliance's people narrowed by name and by member organization."""
    people = search_people(alliance_people(alliance), search)
    if org_id:
        people = people.filter(home_org_id=org_id)
    return people


def picker_people(people, search):
    """(people to show in a picker, whether more matched): the first PEOPLE_SHOWN."""
    rows = list(search_people(people, search)[:PEOPLE_SHOWN + 1])
    return rows[:PEOPLE_SHOWN], len(rows) > PEOPLE_SHOWN

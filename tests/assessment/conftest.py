"""Assessment fixtures: an assessing body with its assessor, the universal action, four
enrolled cadres of 县农业农村局 (one of them the `talent` persona's person), the default person
scheme of 2025, activities in 青山村 behind their scores, and the first quarter scored.

`assessed` builds the world; `published` also publishes the first quarter.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model

from assessment.models import Action, Enrolment
from assessment.services.schemes import create_default_scheme
from assessment.services.scoring import publish_run, score_quarter
from ledger.models import Activity, ActivityStatus, ActivityTheme, Participation
from tests.factories import add_org, bulk_people, grant, password_hash

YEAR = 2025


def make_activity(org, day, people=(), status=ActivityStatus.CONFIRMED, title="入户走访"):
    activity = Activity.objects.create(
        org=org, date=day, theme=ActivityTheme.objects.get(code="serve_masses"), title=title,
        content="走访困难群众", status=status)
    Participation.objects.bulk_create(
        [Participation(activity=activity, person=p) for p in people])
    return activity


def build_assessed(tree, people, *, county_admin):
    body = add_org(tree.county, "县乡村振兴局", "unit", code="U0090")
    tree.county.refresh_from_db()
    assessor = get_user_model().objects.create(username="assessor", password=password_hash())
    grant(assessor, body, "assessor")
    action = Action.objects.create(code="rural", name="乡村振兴行动", assessing_body=body,
                                   is_universal=True)
    cadres = bulk_people(
        c1={"name": "周一", "home_org": tree.unit, "is_cadre": True, "is_city_talent": True},
        c2={"name": "吴二", "home_org": tree.unit, "is_cadre": True, "is_city_talent": True},
        c3={"name": "郑三", "home_org": tree.unit, "is_cadre": True, "is_city_talent": True},
    )
    members = [people.unit, cadres["c1"], cadres["c2"], cadres["c3"]]
    start = datetime.date(YEAR, 1, 1)
    Enrolment.objects.bulk_create([Enrolment(action=action, year=YEAR, person=p, org=tree.unit,
                                             start_date=start) for p in members])
    scheme = create_default_scheme(actor=county_admin, year=YEAR, assessing_body=body,
                                   target_kind="person", action=action)
    # 陈农业 (people.unit) serves 青山村 in January and February; 周一 in January only; the
    # others not at all. A draft does not count.
    activities = [
        make_activity(tree.village_a1, datetime.date(YEAR, 1, 10), [people.unit, cadres["c1"]]),
        make_activity(tree.village_a1, datetime.date(YEAR, 2, 12), [people.unit]),
        make_activity(tree.village_a1, datetime.date(YEAR, 3, 3), [cadres["c2"]],
                      status=ActivityStatus.DRAFT),
    ]
    run = score_quarter(scheme, 1)
    return SimpleNamespace(body=body, assessor=assessor, action=action, scheme=scheme,
                           run=run, cadres=cadres, members=members, activities=activities)


@pytest.fixture
def assessed(tree, people, county_admin):
    return build_assessed(tree, people, county_admin=county_admin)


@pytest.fixture
def published(assessed):
    assessed.run = publish_run(assessed.run, actor=assessed.assessor)
    return assessed


@pytest.fixture
def talent_person(people, talent):
    """The `talent` persona signs in as 陈农业 (people.unit)."""
    people.unit.user = talent
    people.unit.save(update_fields=["user"])
    return people.unit

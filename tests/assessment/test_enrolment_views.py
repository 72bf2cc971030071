"""行动报名 through the pages: units with their figures, one unit's year (enrolled, 未报名),
一键报名, exempt with a reason, replace with a successor from the unit; county admins only."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessment.models import Action, Enrolment, EnrolmentStatus
from tests.assessment.conftest import YEAR
from tests.factories import add_org, bulk_people

pytestmark = pytest.mark.django_db


@pytest.fixture
def actions(assessed, tree):
    """The universal action of `assessed` and a second one the cadres may choose."""
    second = Action.objects.create(code="community", name="城市社区行动",
                                   assessing_body=assessed.body, order=1)
    return assessed.action, second


def units_url(year=YEAR, **params):
    return reverse("assessment:enrolment_units") + f"?year={year}" + "".join(
        f"&{k}={v}" for k, v in params.items())


def unit_url(org, year=YEAR):
    return reverse("assessment:enrolment_unit", args=[org.pk]) + f"?year={year}"


def test_units_show_cadres_enrolled_and_missing(login, actions, tree, county_admin):
    body = login(county_admin).get(units_url()).content.decode()
    assert "县农业农村局" in body
    # Four cadres (周一, 吴二, 郑三 and 陈农业, a city talent) are in the universal action and in
    # no other: all missing.
    row = body[body.index("县农业农村局"):body.index("</tr>", body.index("县农业农村局"))]
    assert ">4</td>" in row and 'text-danger fw-semibold">4</td>' in row


def test_units_page_queries_are_flat(login, actions, tree, county_admin):
    client = login(county_admin)
    client.get(units_url())
    with CaptureQueriesContext(connection) as small:
        client.get(units_url())
    for n in range(5):
        unit = add_org(tree.county, f"县直单位{n}", "unit", code=f"U01{n:02d}")
        bulk_people(**{f"u{n}_{i}": {"name": f"干部{n}{i}", "home_org": unit, "is_cadre": True}
                       for i in range(3)})
    with CaptureQueriesContext(connection) as larger:
        body = client.get(units_url()).content.decode()
    assert "县直单位4" in body
    assert len(larger) == len(small) <= 8


def unit_row(body, name):
    start = body.index(f">{name}</a>")
    return body[start:body.index("</tr>", start)]


def test_a_unit_counts_the_cadres_and_enrolments_of_its_sub_units(login, actions, tree,
                                                                   county_admin):
    # A parent with no cadre of its own is listed through its sub-unit; enrolments count where
    # their organization is (the sub-unit), a non-member or a cadre elsewhere does not count.
    universal, second = actions
    parent = add_org(tree.county, "县直机关工委", "unit", code="U0900")
    child = add_org(parent, "工委下属单位", "unit", code="U0901")
    people = bulk_people(
        a={"name": "甲干部", "home_org": child, "is_cadre": True},
        b={"name": "乙干部", "home_org": child, "is_city_talent": True},
        c={"name": "丙群众", "home_org": child, "is_cadre": True, "is_party_member": False})
    start = datetime.date(YEAR, 1, 1)
    Enrolment.objects.bulk_create([
        Enrolment(action=universal, year=YEAR, person=people["a"], org=child, start_date=start),
        Enrolment(action=second, year=YEAR, person=people["a"], org=child, start_date=start),
        Enrolment(action=universal, year=YEAR, person=people["b"], org=child, start_date=start)])
    body = login(county_admin).get(units_url(q="工委")).content.decode()
    # 党员干部 2, 全员 2, 城市社区行动 1, 未报名 1 (乙 is in no other action), for both rows.
    for name in ("县直机关工委", "工委下属单位"):
        cells = unit_row(body, name).split('class="text-end')[1:]
        assert [cell[cell.index(">") + 1:cell.index("<")] for cell in cells] == [
            "2", "2", "1", "1"], name


def test_units_figures_are_grouped_not_counted_per_unit(login, actions, tree, county_admin):
    # The figures of a page's units come from grouped queries over the organizations under
    # them, not a correlated COUNT per unit row (units x people at city scale).
    client = login(county_admin)
    client.get(units_url())
    with CaptureQueriesContext(connection) as queries:
        body = client.get(units_url()).content.decode()
    assert "县农业农村局" in body
    sql = [q["sql"].upper() for q in queries.captured_queries]
    assert not [q for q in sql if "SELECT COUNT(*) FROM (" in q]
    assert any("GROUP BY" in q and "PORTAL_PERSON" in q for q in sql)


def test_bad_year_and_search(login, actions, county_admin):
    client = login(county_admin)
    assert client.get(reverse("assessment:enrolment_units") + "?year=abc&page=zz").status_code \
        == 200
    body = client.get(units_url(q="不存在的单位")).content.decode()
    assert "没有符合条件的单位" in body


def test_unit_page_lists_enrolments_and_the_missing(login, actions, tree, people, county_admin):
    response = login(county_admin).get(unit_url(tree.unit))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("data-enrolment=") == 4
    assert 'id="not-enrolled"' in body and "周一" in body
    assert "一键报名" in body


def test_unit_page_queries_are_flat(login, actions, tree, county_admin):
    client = login(county_admin)
    client.get(unit_url(tree.unit))
    with CaptureQueriesContext(connection) as small:
        client.get(unit_url(tree.unit))
    more = bulk_people(**{f"x{i}": {"name": f"新干部{i}", "home_org": tree.unit, "is_cadre": True}
                          for i in range(6)})
    Enrolment.objects.bulk_create([Enrolment(action=actions[0], year=YEAR, person=p,
                                             org=tree.unit, start_date=datetime.date(YEAR, 1, 1))
                                   for p in more.values()])
    with CaptureQueriesContext(connection) as larger:
        client.get(unit_url(tree.unit))
    assert len(larger) == len(small) <= 14


def test_one_click_enrols_the_unit(login, actions, tree, people, county_admin):
    _, second = actions
    response = login(county_admin).post(
        reverse("assessment:enrolment_enrol_unit", args=[tree.unit.pk]),
        {"action": second.pk, "year": YEAR, "start_date": f"{YEAR}-01-01"})
    assert response.status_code == 302 and response["Location"] == unit_url(tree.unit)
    # The three cadres and 陈农业, a city talent (城市人才 are 县直单位党员干部 too).
    assert Enrolment.objects.filter(action=second, year=YEAR).count() == 4
    body = login(county_admin).get(unit_url(tree.unit)).content.decode()
    assert "全部党员干部均已报名" in body


def test_one_click_with_a_bad_date_changes_nothing(login, actions, tree, county_admin):
    _, second = actions
    response = login(county_admin).post(
        reverse("assessment:enrolment_enrol_unit", args=[tree.unit.pk]),
        {"action": second.pk, "year": YEAR, "start_date": f"{YEAR + 1}-01-01"}, follow=True)
    assert "参加日期应在报名年度之内" in response.content.decode()
    assert not Enrolment.objects.filter(action=second).exists()


def test_exempt_with_a_reason(login, assessed, county_admin):
    enrolment = Enrolment.objects.get(person=assessed.cadres["c3"])
    client = login(county_admin)
    url = reverse("assessment:enrolment_exempt", args=[enrolment.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "请填写特殊情况说明" in response.content.decode()
    response = client.post(url, {"reason": "长期病假"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.exempt_reason) == (EnrolmentStatus.EXEMPT, "长期病假")
    # Already exempt: sent back to the unit with a message.
    response = client.get(url, follow=True)
    assert "不能再更改" in response.content.decode()


def test_replace_with_a_successor_from_the_unit(login, assessed, tree, county_admin):
    successor = bulk_people(s={"name": "钱五", "home_org": tree.unit, "is_cadre": True})["s"]
    outsider = bulk_people(o={"name": "孙六", "home_org": tree.village_a1, "is_cadre": True})["o"]
    enrolment = Enrolment.objects.get(person=assessed.cadres["c2"])
    client = login(county_admin)
    url = reverse("assessment:enrolment_replace", args=[enrolment.pk])
    form_page = client.get(url).content.decode()
    assert "钱五" in form_page and "孙六" not in form_page and ">吴二<" not in form_page
    response = client.post(url, {"successor": outsider.pk, "on": f"{YEAR}-06-01",
                                 "reason": "调动"})
    assert response.status_code == 200  # not a choice
    response = client.post(url, {"successor": successor.pk, "on": f"{YEAR}-06-01",
                                 "reason": "工作调动"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.REPLACED
    assert enrolment.end_date == datetime.date(YEAR, 5, 31)
    assert enrolment.replaced_by.person == successor
    assert enrolment.replaced_by.start_date == datetime.date(YEAR, 6, 1)


def test_replace_date_outside_the_year_is_a_form_error(login, assessed, tree, county_admin):
    successor = bulk_people(s={"name": "钱五", "home_org": tree.unit, "is_cadre": True})["s"]
    enrolment = Enrolment.objects.get(person=assessed.cadres["c2"])
    response = login(county_admin).post(
        reverse("assessment:enrolment_replace", args=[enrolment.pk]),
        {"successor": successor.pk, "on": f"{YEAR + 1}-02-01", "reason": "调动"})
    assert response.status_code == 200
    assert "更换日期应在原报名日期之后、当年之内" in response.content.decode()


@pytest.mark.parametrize("persona, status", [
    ("leader", 403), ("township_admin", 404), ("unit_contact", 404), ("talent", 404),
    ("outsider", 404)])
def test_enrolment_changes_are_for_county_admins(request, login, assessed, persona, status):
    user = request.getfixturevalue(persona)
    enrolment = Enrolment.objects.get(person=assessed.cadres["c3"])
    response = login(user).post(reverse("assessment:enrolment_exempt", args=[enrolment.pk]),
                                {"reason": "病假"})
    assert response.status_code == status
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE


def test_the_assessor_cannot_change_enrolments(login, assessed):
    enrolment = Enrolment.objects.get(person=assessed.cadres["c3"])
    response = login(assessed.assessor).get(
        reverse("assessment:enrolment_replace", args=[enrolment.pk]))
    assert response.status_code == 403
    assert login(assessed.assessor).get(units_url()).status_code == 403

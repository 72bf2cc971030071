"""The compliance data functions: which activities each cell counts, red cells, scope.

The year is 2025 seen from 15 June 2025: January–June have started, July–December not.
The helpers at the top are shared by the other test_compliance_* modules.
"""

import datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from ledger import compliance
from ledger.models import Activity, ActivityStatus, ActivityTheme, Participation
from pairing.models import Pairing
from tests.factories import PersonFactory, add_org

YEAR = 2025
TODAY = datetime.date(2025, 6, 15)
SUBMITTED, CONFIRMED = ActivityStatus.SUBMITTED, ActivityStatus.CONFIRMED
DRAFT, RETURNED = ActivityStatus.DRAFT, ActivityStatus.RETURNED


def day(month, d=10, year=YEAR):
    return datetime.date(year, month, d)


def add_activities(specs):
    """Activities from (org, date, status[, pairing]) tuples, in one bulk insert."""
    theme = ActivityTheme.objects.get(code="serve_masses")
    rows = [Activity(org=org, date=date, status=status, theme=theme, title=f"活动{n}",
                     content="内容", pairing=rest[0] if rest else None)
            for n, (org, date, status, *rest) in enumerate(specs)]
    created = Activity.objects.bulk_create(rows, batch_size=500)
    if any(a.pk is None for a in created):  # backends that return no ids from bulk inserts
        created = list(Activity.objects.order_by("-id")[:len(rows)])[::-1]
    return created


def add_participations(pairs):
    """Participations from (activity, person) pairs, in one bulk insert."""
    Participation.objects.bulk_create([Participation(activity=a, person=p) for a, p in pairs],
                                      batch_size=1000)


def counts(matrix, pk):
    """{month: count} of the row `pk`, and {month: red}."""
    row = next(r for r in matrix.rows if r.pk == pk)
    return ({c.month: c.count for c in row.cells if c.count},
            {c.month for c in row.cells if c.red})


@pytest.fixture
def period():
    return compliance.period_for(str(YEAR), TODAY)


@pytest.fixture
def data(tree, people):
    """Activities in 青山村 and 白水村, a second unit's talent, a pairing 县农业农村局 ↔ 青山村."""
    pairing = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_a1,
                                     since=datetime.date(2024, 1, 1))
    unit2 = add_org(tree.county, "县教育局", "unit", code="U0002")
    talent2 = PersonFactory(name="周教育", home_org=unit2, is_city_talent=True)
    PersonFactory(name="吴离任", home_org=unit2, is_city_talent=True, is_active=False)
    PersonFactory(name="郑干部", home_org=unit2, is_city_talent=False)
    a1, b1, a2, unit = tree.village_a1, tree.village_b1, tree.village_a2, tree.unit
    acts = add_activities([
        (a1, day(3, 2), SUBMITTED),            # 0: counted, talent joined
        (a1, day(3, 20), CONFIRMED, pairing),  # 1: counted, linked to the pairing, talent
        (a1, day(3, 21), DRAFT),               # 2: draft, talent joined: not counted
        (a1, day(4), RETURNED),                # 3: returned: not counted
        (a1, day(12, year=2024), SUBMITTED),   # 4: before the period
        (b1, day(6), SUBMITTED),               # 5: 白水村, both talents joined
        (unit, day(4), SUBMITTED),             # 6: logged by the unit, no pairing
        (unit, day(4, 12), SUBMITTED, pairing),  # 7: logged by the unit, with the pairing
        (a1, day(5), SUBMITTED),               # 8: no pairing, the unit's talent joined
        (a2, day(5), SUBMITTED),               # 9: 石桥村 is not paired, talent joined
        (a1, day(7, 1), SUBMITTED),            # 10: July (a future month seen from June)
    ])
    talent = people.unit
    add_participations([(acts[0], talent), (acts[1], talent), (acts[2], talent),
                        (acts[5], talent), (acts[5], talent2), (acts[8], talent),
                        (acts[9], talent), (acts[6], talent)])
    return SimpleNamespace(acts=acts, pairing=pairing, unit2=unit2, talent=talent,
                           talent2=talent2)


def test_period_for_year_and_last_twelve_months():
    year = compliance.period_for("2025", TODAY)
    assert year.months[0] == (2025, 1) and year.months[-1] == (2025, 12)
    assert (year.start, year.end) == (datetime.date(2025, 1, 1), datetime.date(2026, 1, 1))
    last = compliance.period_for(compliance.LAST_12, TODAY)
    assert last.months[0] == (2024, 7) and last.months[-1] == (2025, 6)
    assert compliance.period_for("nonsense", TODAY) == last
    assert compliance.period_for("1900", TODAY) == last


def test_counted_statuses_agree_with_the_queryset(tree, data):
    assert set(Activity.objects.counted()) == set(
        Activity.objects.filter(status__in=compliance.COUNTED_STATUSES))
    assert Activity.objects.exclude(status__in=compliance.COUNTED_STATUSES).exists()


def test_org_matrix_counts_counted_activities_per_month(county_admin, tree, data, period):
    matrix = compliance.org_matrix(county_admin, tree.county, period, today=TODAY)
    assert [r.label for r in matrix.rows] == ["青山村", "石桥村", "白水村", "柳林村"]
    assert [g.label for g in matrix.groups] == ["青山镇", "白水乡"]
    cells, red = counts(matrix, tree.village_a1.pk)
    assert cells == {3: 2, 5: 1, 7: 1}  # drafts, returned and 2024 are not counted
    assert red == {1, 2, 4, 6}  # July has no activity yet but has not started: not red
    row = next(r for r in matrix.rows if r.pk == tree.village_a1.pk)
    assert (row.total, row.silent_months) == (4, 4)
    assert matrix.column_totals[2] == 2 and matrix.column_totals[5] == 1
    assert matrix.column_silent[5] == 3  # June: only 白水村 was active
    assert matrix.column_silent[6] == 0  # July has not started
    assert matrix.latest_month == (2025, 6) and matrix.silent_latest == 3
    assert matrix.groups[0].totals()[2] == 2 and matrix.groups[1].totals()[5] == 1


def test_org_matrix_of_units_and_of_a_township(county_admin, township_admin, tree, data,
                                               period):
    units = compliance.org_matrix(county_admin, tree.county, period, "unit", today=TODAY)
    assert [(r.label, r.group) for r in units.rows] == [("县农业农村局", "县直属"),
                                                        ("县教育局", "县直属")]
    assert counts(units, tree.unit.pk)[0] == {4: 2}
    town = compliance.org_matrix(township_admin, tree.town_a, period, today=TODAY)
    assert [r.label for r in town.rows] == ["青山村", "石桥村"] and not town.grouped
    with pytest.raises(PermissionDenied):
        compliance.org_matrix(township_admin, tree.town_b, period, today=TODAY)
    with pytest.raises(PermissionDenied):
        compliance.org_matrix(township_admin, tree.county, period, today=TODAY)


def test_org_month_activities_match_the_cell(tree, data):
    listed = set(compliance.org_month_activities(tree.village_a1, YEAR, 3))
    assert listed == {data.acts[0], data.acts[1]}


def test_talent_matrix_counts_village_activities(county_admin, tree, data, period):
    matrix = compliance.talent_matrix(county_admin, tree.county, period, today=TODAY)
    assert [r.label for r in matrix.rows] == ["陈农业", "周教育"]  # unit path order
    assert matrix.row_count == 2
    cells, red = counts(matrix, data.talent.pk)
    # March: two counted (the draft is not); the unit's own activity is no village activity.
    assert cells == {3: 2, 5: 2, 6: 1}
    assert red == {1, 2, 4}
    assert counts(matrix, data.talent2.pk)[0] == {6: 1}
    assert matrix.column_totals[2] == 2 and matrix.column_totals[5] == 2
    assert matrix.column_silent[5] == 0 and matrix.column_silent[4] == 1
    assert matrix.column_silent[0] == 2


def test_talent_matrix_of_a_township(township_admin, tree, data, period):
    """Talents of units paired with the township's villages; only its villages' activities."""
    matrix = compliance.talent_matrix(township_admin, tree.town_a, period, today=TODAY)
    assert [r.label for r in matrix.rows] == ["陈农业"]
    assert counts(matrix, data.talent.pk)[0] == {3: 2, 5: 2}  # not 白水村's June activity
    assert matrix.column_silent[5] == 1


def test_talent_matrix_filters_and_pages(county_admin, tree, data, period):
    matrix = compliance.talent_matrix(county_admin, tree.county, period, home_org=data.unit2,
                                      today=TODAY)
    assert [r.label for r in matrix.rows] == ["周教育"]
    assert matrix.column_silent[5] == 0 and matrix.column_silent[2] == 1
    found = compliance.talent_matrix(county_admin, tree.county, period, search="陈",
                                     today=TODAY)
    assert [r.label for r in found.rows] == ["陈农业"]
    from django.core.paginator import Paginator

    known = []

    def second_page(queryset, count=None):
        known.append(count)
        paginator = Paginator(queryset, 1)
        if count is not None:
            paginator.count = count
        return paginator.get_page(2)

    paged = compliance.talent_matrix(county_admin, tree.county, period, today=TODAY,
                                     paginate=second_page)
    assert [r.label for r in paged.rows] == ["周教育"]
    assert paged.row_count == 2
    # The county's talents are counted from the people tally, and it agrees with the rows.
    assert known == [compliance.talents_in(tree.county).count()] == [2]
    assert paged.column_totals[2] == 2  # the column covers every talent, not the page


def test_talent_month_activities_match_the_cell(tree, data):
    assert set(compliance.talent_month_activities(data.talent, tree.county, YEAR, 5)) == {
        data.acts[8], data.acts[9]}
    assert set(compliance.talent_month_activities(data.talent, tree.town_b, YEAR, 6)) == {
        data.acts[5]}


def test_unit_matrix_counts_each_contact_once(county_admin, township_admin, tree, data,
                                              period):
    matrix = compliance.unit_matrix(county_admin, tree.county, period, today=TODAY)
    assert [(r.label, r.extra) for r in matrix.rows] == [("县农业农村局", "1")]
    cells, red = counts(matrix, tree.unit.pk)
    # March: the pairing-linked activity (with the talent) and the plain one with the talent;
    # April: the unit's two own activities; May: 青山村's with the talent (石桥村 not paired).
    assert cells == {3: 2, 4: 2, 5: 1}
    assert red == {1, 2, 6}
    town = compliance.unit_matrix(township_admin, tree.town_a, period, today=TODAY)
    # The township counts the unit's own activity only when linked to its village's pairing.
    assert counts(town, tree.unit.pk)[0] == {3: 2, 4: 1, 5: 1}
    other = compliance.unit_matrix(county_admin, tree.town_b, period, today=TODAY)
    assert other.rows == []


@pytest.mark.parametrize("area_name", ["county", "town_a", "town_b"])
def test_unit_month_activities_match_the_cells(county_admin, tree, data, period, area_name):
    area = getattr(tree, area_name)
    matrix = compliance.unit_matrix(county_admin, area, period, today=TODAY)
    for row in matrix.rows:
        for cell in row.cells:
            listed = compliance.unit_month_activities(tree.unit, area, cell.year, cell.month)
            assert listed.count() == cell.count, (area_name, cell.month)


def test_ended_pairing_drops_the_unit(county_admin, tree, data, period):
    Pairing.objects.filter(pk=data.pairing.pk).update(status="ended")
    assert compliance.unit_matrix(county_admin, tree.county, period, today=TODAY).rows == []
    assert [r.label for r in compliance.talent_matrix(
        county_admin, tree.county, period, today=TODAY).rows] == ["陈农业", "周教育"]


def test_areas_follow_the_capability(county_admin, township_admin, village_secretary,
                                     unit_contact, tree):
    assert list(compliance.compliance_areas(county_admin)) == [tree.county, tree.town_a,
                                                               tree.town_b]
    assert list(compliance.compliance_areas(township_admin)) == [tree.town_a]
    assert not compliance.compliance_areas(village_secretary).exists()
    assert not compliance.compliance_areas(unit_contact).exists()

"""The owners a new inspection round may be organized for (alliances.forms.inspections
.owners_for): each with its open alliances counted per owner by a correlated subquery, so the
queryset is not grouped and the owner picker totals the owners, not their alliances."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alliances.forms.inspections import RoundForm, owners_for
from alliances.models import Alliance
from portal import widgets
from tests.alliances.test_inspections import build_alliances, days
from tests.portal.test_count_per import outside_parentheses

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(tree):
    """青山镇: four open alliances and a closed one; 白水乡: two open; the county: none."""
    build_alliances(tree.town_a, 4)
    closed = build_alliances(tree.town_a, 1, name_prefix="已结束")[0]
    Alliance.objects.filter(pk=closed.pk).update(closed_at=days(-1))
    build_alliances(tree.town_b, 2)


def test_owners_carry_their_open_alliances_and_are_not_grouped(tree, county_admin, owned):
    owners = owners_for(county_admin)
    assert owners.query.group_by is None
    with CaptureQueriesContext(connection) as queries:
        counts = {owner.name: owner.open_alliances for owner in owners}
    assert counts == {"示范县": 0, "青山镇": 4, "白水乡": 2}
    (sql,) = [query["sql"] for query in queries]
    assert "GROUP BY" not in outside_parentheses(sql)


def test_the_owner_picker_totals_the_owners_not_their_alliances(tree, county_admin, owned,
                                                                monkeypatch):
    monkeypatch.setattr(widgets, "PICKER_THRESHOLD", 2)
    count, rows, spec, _ = widgets.describe(owners_for(county_admin))
    assert count == 3 and len(rows) == 3
    assert sorted(spec["k"]) == ["county", "township"]
    form = widgets.use_pickers(RoundForm(user=county_admin))
    assert isinstance(form.fields["owner"].widget, widgets.OrgPicker)
    assert form.fields["owner"].label_from_instance(rows[1]) == "青山镇（在册联盟4个）"

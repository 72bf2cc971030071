"""The coverage tile's figures (this year's agreements filed, this half year's meetings held)
count pairings in IN-subqueries hashed once, not two EXISTS probes per pairing."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pairing.models import AnnualAgreement, JointMeeting, Pairing
from pairing.services.pairings import half_year_of
from pairing.statistics import this_year_figures


def test_filed_and_met_this_year(tree, pairing):
    year, half = half_year_of(timezone.localdate())
    other = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_b1,
                                   since=datetime.date(2026, 1, 1))
    third = Pairing.objects.create(city_org=tree.unit, village_org=tree.village_b2,
                                   since=datetime.date(2026, 1, 1))
    AnnualAgreement.objects.create(pairing=pairing, year=year, status="filed")
    AnnualAgreement.objects.create(pairing=other, year=year - 1, status="filed")
    AnnualAgreement.objects.create(pairing=third, year=year, status="submitted")
    meeting = {"date": datetime.date(year, 6 * half, 1), "place": "村委会", "attendees": "双方",
               "topics": "议题"}
    JointMeeting.objects.create(pairing=other, year=year, half=half, **meeting)
    JointMeeting.objects.create(pairing=third, year=year, half=3 - half, **meeting)
    with CaptureQueriesContext(connection) as queries:
        figures = this_year_figures(Pairing.objects.all())
    assert figures == {"total": 3, "filed": 1, "met": 1}
    (sql,) = [q["sql"] for q in queries.captured_queries]
    assert "EXISTS" not in sql.upper()

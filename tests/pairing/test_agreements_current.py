"""`AnnualAgreement.objects.current()` is a NOT EXISTS on a later version: the LEFT JOIN ...
IS NULL it replaced was estimated at one row, so PostgreSQL sorted a city's every agreement of
the year before the list's LIMIT instead of reading villages in path order."""

from pairing.models import AgreementStatus, AnnualAgreement
from pairing.views.agreements import AgreementListView


def _versions(pairing):
    first = AnnualAgreement.objects.create(pairing=pairing, year=2026, version=1,
                                           status=AgreementStatus.FILED)
    second = AnnualAgreement.objects.create(pairing=pairing, year=2026, version=2,
                                            supersedes=first)
    other_year = AnnualAgreement.objects.create(pairing=pairing, year=2025)
    return first, second, other_year


def test_current_keeps_the_versions_nothing_supersedes(pairing):
    first, second, other_year = _versions(pairing)
    assert set(AnnualAgreement.objects.current()) == {second, other_year}
    assert list(AnnualAgreement.objects.current().filter(year=2026)) == [second]
    assert AnnualAgreement.objects.current().filter(year=2026).count() == 1


def test_current_is_an_anti_join_not_a_left_join(pairing):
    _versions(pairing)
    sql = str(AgreementListView.queryset.filter(year=2026).query).upper()
    assert "NOT EXISTS" in sql
    assert 'JOIN "PAIRING_ANNUALAGREEMENT"' not in sql.split(" WHERE ")[0]

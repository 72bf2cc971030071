"""The demo's bulk load pauses the tally triggers and recounts after: the tallies agree with the
raw rows after the seed."""

from ledger import tallies
from ledger.models import OrgMonthTally, PersonMonthTally, TalentMonthTally, UnitMonthTally


def test_seeded_demo_is_tallied(small_county, db):
    assert tallies.check_tallies() == {"OrgMonthTally": [], "PersonMonthTally": [],
                                       "UnitMonthTally": [], "TalentMonthTally": []}
    for model in (OrgMonthTally, PersonMonthTally, UnitMonthTally, TalentMonthTally):
        assert model.objects.exists(), model.__name__

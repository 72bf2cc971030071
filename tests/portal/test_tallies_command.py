"""`manage.py tallies`: every trigger-kept tally checked or rebuilt by one command, which goes
on past a tally that differs and fails at the end."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ledger.models import OrgMonthTally
from portal.management.commands.tallies import COMMANDS
from portal.models import OrgPeopleTally
from tests.factories import bulk_people


def run(flag):
    out = io.StringIO()
    call_command("tallies", flag, stdout=out)
    return out.getvalue()


def test_every_tally_agrees_then_one_differs_and_a_rebuild_mends_it(tree):
    bulk_people(a={"name": "甲", "home_org": tree.village_a1})
    out = run("--check")
    assert all(f"== {name} --check" in out for name in COMMANDS)
    assert "全部汇总表与原始记录一致" in out

    OrgPeopleTally.objects.filter(org=tree.village_a1).delete()
    out = io.StringIO()
    with pytest.raises(CommandError, match="people_tally") as failed:
        call_command("tallies", "--check", stdout=out)
    assert failed.value.returncode == 1
    # The check went on to the end: every command ran, only the people tally differs.
    assert all(f"== {name} --check" in out.getvalue() for name in COMMANDS)
    assert "ledger_tallies" not in str(failed.value)

    assert "全部汇总表已重建" in run("--rebuild")
    assert "全部汇总表与原始记录一致" in run("--check")
    assert OrgPeopleTally.objects.filter(org=tree.village_a1).exists()
    assert not OrgMonthTally.objects.exists()  # nothing invented where nothing was logged

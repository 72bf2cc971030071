"""The tallies' triggers cannot vanish unnoticed. On SQLite a migration that alters a source
table (an AlterField on ledger_activity, say) rebuilds it and its triggers go with the old
table, without an error: the counts would then drift. So every tally's triggers must be on the
migrated database (a migration that drops them fails here), and `manage.py tallies --check`
names a missing one and fails, which `--rebuild` installs again."""

import io

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.db import connection

from ledger import tallies
from portal import people_tally, trigger_sql
from portal.management.commands.tallies import COMMANDS


def tally_modules():
    """Every trigger-kept tally module, as the commands of `manage.py tallies` check them."""
    commands = get_commands()
    return [module for name in COMMANDS
            for module in load_command_class(commands[name], name).tally_modules]


def test_every_tally_module_lists_and_checks_its_triggers():
    names = [module.__name__ for module in tally_modules()]
    assert sorted(names) == sorted([
        "ledger.tallies", "ledger.township_tally", "ledger.unit_tally", "pairing.need_tally",
        "pairing.need_deadline_tally", "pairing.village_tally", "portal.people_tally"])
    for module in tally_modules():
        assert module.TRIGGERS and callable(module.missing_triggers), module.__name__


def test_every_tallys_triggers_are_on_the_migrated_database(db):
    for module in tally_modules():
        assert module.missing_triggers() == [], module.__name__
    # And no trigger is unlisted: a module's drop and check would not see it.
    listed = {name for module in tally_modules() for name in module.TRIGGERS}
    assert trigger_sql.trigger_names(connection) <= listed


def run(flag):
    out = io.StringIO()
    try:
        call_command("tallies", flag, stdout=out)
    except CommandError as failed:
        return out.getvalue(), failed
    return out.getvalue(), None


@pytest.mark.parametrize("module", tally_modules(), ids=lambda module: module.__name__)
def test_a_dropped_trigger_is_reported_and_a_rebuild_installs_it_again(db, module):
    # The one an AlterField on ledger_activity would take away on SQLite, or the first listed.
    name = ("ledger_tally_activity_update" if module is tallies
            else next(iter(module.TRIGGERS)))
    trigger_sql.drop_triggers(connection, {name: module.TRIGGERS[name]})
    assert module.missing_triggers() == [name]

    out, failed = run("--check")
    assert failed is not None and failed.returncode == 1
    assert f"缺少触发器：{name}" in out
    assert "缺少 1 个触发器" in out and "--rebuild 重装触发器并重建" in out
    command = next(command for command in COMMANDS
                   if f"== {command} --check\n  缺少触发器：{name}" in out)
    assert str(failed) == (f"不一致或缺少触发器：{command}；运行 manage.py tallies --rebuild "
                           "重建。")

    out, failed = run("--rebuild")
    assert failed is None
    assert f"已重装缺少的触发器：{name}" in out
    assert module.missing_triggers() == []
    out, failed = run("--check")
    assert failed is None and "全部汇总表与原始记录一致" in out


def test_one_tallys_own_command_fails_on_a_missing_trigger(db):
    trigger_sql.drop_triggers(connection, {"portal_people_tally_update": people_tally.PERSON})
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("people_tally", "--check", stdout=out)
    assert exited.value.code == 1
    assert "缺少触发器：portal_people_tally_update" in out.getvalue()
    assert "人员数汇总不再随数据更新" in out.getvalue()
    assert "与人员记录一致" not in out.getvalue()

"""The tallies' triggers cannot vanish unnoticed. On SQLite a migration that alters a source
table (an AlterField on ledger_activity, say) rebuilds it and its triggers go with the old
table, without an error: the counts would then drift. So every tally's triggers must be on the
migrated database (a migration that drops them fails here), and `manage.py tallies --check`
names a missing one and fails, which `--rebuild` installs again."""

import hashlib
import io
import json
import sys

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

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
        "alliances.member_tally", "ledger.talent_flag", "ledger.tallies",
        "ledger.township_tally", "ledger.unit_tally",
        "pairing.need_tally", "pairing.need_deadline_tally", "pairing.village_tally",
        "portal.org_tally", "portal.people_tally"])
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


def trigger_definitions(module) -> dict:
    """{trigger name: its definition as the catalogue holds it} of `module`'s TRIGGERS on the
    database: SQLite's CREATE TRIGGER text; PostgreSQL's trigger, whether it is enabled (ENABLE
    ALWAYS), and its function's source."""
    names = sorted(module.TRIGGERS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT t.tgname, pg_get_triggerdef(t.oid), t.tgenabled, "
                           "pg_get_functiondef(t.tgfoid) FROM pg_trigger t "
                           "WHERE NOT t.tgisinternal AND t.tgname = ANY(%s)", [names])
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                           f"AND name IN ({', '.join(['%s'] * len(names))})", names)
        return {name: list(definition) for name, *definition in cursor.fetchall()}


def digest(definitions) -> str:
    """A short fingerprint of a module's trigger definitions, as migrations declare it."""
    text = json.dumps(sorted([name, *definition] for name, definition in definitions.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def installed_by_code(module) -> dict:
    """`module`'s trigger definitions as its current code installs them (inside the test's
    transaction, rolled back after it)."""
    module.install_triggers(connection)
    return trigger_definitions(module)


@pytest.mark.parametrize("module", tally_modules(), ids=lambda module: module.__name__)
def test_the_migrated_triggers_are_those_the_code_installs(db, module):
    migrated = trigger_definitions(module)
    current = installed_by_code(module)
    differing = sorted(name for name in set(migrated) | set(current)
                       if migrated.get(name) != current.get(name))
    assert not differing, (
        f"{module.__name__}: the migrated database's {', '.join(differing)} differ from what "
        "its code installs: a code change to a tally trigger needs a migration that "
        "reinstalls it")


def declared_digests() -> dict:
    """{(module name, vendor): (migration, digest)} of the last migration, in the order they
    apply, declaring what it installs (its TRIGGER_DIGESTS: {module: {vendor: digest}})."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    declared = {}
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            migration = graph.nodes[key]
            for name, digests in getattr(sys.modules[type(migration).__module__],
                                         "TRIGGER_DIGESTS", {}).items():
                for vendor, value in digests.items():
                    declared.setdefault((name, vendor), {})[key] = value
    # forwards_plan lists a migration after everything it depends on: the last one wins.
    return {pair: list(by_migration.items())[-1] for pair, by_migration in declared.items()}


@pytest.mark.parametrize("module", tally_modules(), ids=lambda module: module.__name__)
def test_an_upgraded_database_has_the_triggers_the_code_installs(db, module):
    """A fresh database (the one tests run on) gets the triggers of the current code from
    whichever migration installs them; one migrated before a code change keeps the old ones
    unless a later migration reinstalls them. So each migration installing a tally's triggers
    declares their digest (TRIGGER_DIGESTS), and the last one's must be the current code's.
    (Changing the digest an applied migration declares does not reinstall anything.)"""
    current = digest(installed_by_code(module))
    key = (module.__name__, connection.vendor)
    migration, declared = declared_digests().get(key, (None, None))
    assert declared == current, (
        f"{module.__name__}: its triggers on {connection.vendor} are now {current}, but the last "
        f"migration installing them, {migration}, installed {declared}: a code change to a "
        "tally trigger needs a migration that reinstalls it (declaring TRIGGER_DIGESTS = "
        f"{{{module.__name__!r}: {{{connection.vendor!r}: {current!r}}}}})")

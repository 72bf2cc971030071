"""The `--check | --rebuild` command of a trigger-kept tally (people per organization, needs per
village-month, pairing figures per village, paired units per month; `manage.py tallies` runs
them all with the ledger's): compare the table with a recount of the raw rows, exit 1 when
they differ, or recount it in one transaction. A tally module offers `check() -> {key: (kept,
recounted)}` and `rebuild() -> rows written`; a command names it and says what its rows and
figures are.

A tally is kept only while its triggers are there, and a trigger can vanish without an error
(on SQLite a migration altering a source table rebuilds it and drops its triggers): --check
also names the tally's missing triggers and fails, and --rebuild installs them again before
the recount. A tally module offers `TRIGGERS` ({name: table}), `missing_triggers()` and
`install_triggers()` too."""

import sys

from django.core.management.base import BaseCommand
from django.db import transaction

SHOWN = 20


def missing_triggers(modules) -> dict:
    """{tally module: [its missing triggers]} for those of `modules` that miss any."""
    return {module: missing for module in modules if (missing := module.missing_triggers())}


def reinstall_missing_triggers(modules) -> list:
    """Install again the triggers of those of `modules` that miss any (all of such a module's
    triggers, re-created); the names that were missing."""
    missing = missing_triggers(modules)
    for module in missing:
        module.install_triggers()
    return [name for names in missing.values() for name in names]


def write_missing_triggers(command, missing, *, what, name):
    """Report `missing` ({module: [trigger]}) on `command`'s output, the way --check reports
    a difference; `what`: the tallies they keep, `name`: the command to run."""
    names = [trigger for triggers in missing.values() for trigger in triggers]
    command.stdout.write(f"  缺少触发器：{'、'.join(names)}")
    command.stdout.write(command.style.ERROR(
        f"缺少 {len(names)} 个触发器，{what}不再随数据更新；运行 manage.py {name} --rebuild "
        "重装触发器并重建。"))


class TallyCommand(BaseCommand):
    tally = None  # the module keeping the table: check(), rebuild()
    title = ""  # 人员数汇总
    sources = ""  # 人员记录: what the recount reads
    rows_unit = ""  # 个组织: what one row of the table is, for the rebuild's count
    figures = ""  # 人员, 在册: the figures of one row, in order

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true",
                            help=f"与{self.sources}重新统计的结果比对并检查触发器；不一致或"
                                 "缺少触发器时以非零状态退出")
        action.add_argument("--rebuild", action="store_true",
                            help=f"重装缺少的触发器，按{self.sources}重新统计")

    @property
    def tally_modules(self):
        return (self.tally,)

    def describe_key(self, key):
        return str(key)

    def handle(self, *args, check, rebuild, **options):
        command = self.__module__.rsplit(".", 1)[-1]
        if rebuild:
            with transaction.atomic():
                reinstalled = reinstall_missing_triggers(self.tally_modules)
                rows = self.tally.rebuild()
            if reinstalled:
                self.stdout.write(f"已重装缺少的触发器：{'、'.join(reinstalled)}")
            self.stdout.write(self.style.SUCCESS(f"{self.title}已重建：{rows} {self.rows_unit}。"))
            return
        missing = missing_triggers(self.tally_modules)
        mismatches = self.tally.check()
        for key, (kept, counted) in sorted(mismatches.items())[:SHOWN]:
            self.stdout.write(f"  {self.describe_key(key)}: {kept} ≠ {counted}（{self.figures}）")
        if mismatches:
            self.stdout.write(self.style.ERROR(
                f"共 {len(mismatches)} 处不一致；运行 manage.py {command} --rebuild 重建。"))
        if missing:
            write_missing_triggers(self, missing, what=self.title, name=command)
        if mismatches or missing:
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(f"{self.title}与{self.sources}一致。"))

"""Seed the deterministic demo county and its demo accounts (logic in portal.demo).

The apps' demo modules (`pairing.demo`, `ledger.demo`, …) are not loaded at start-up: seeding
and resetting import them through `portal.demo.load_app_demos()`, in INSTALLED_APPS order.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from portal import demo


class Command(BaseCommand):
    help = "生成演示县的组织、人员和演示账号（同一随机种子结果相同）。"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(demo.SCALES), default="small",
                            help="数据规模：small（演示）、county（全县）或 city"
                                 "（全市规模：一个县十倍宽）")
        parser.add_argument("--seed", type=int, default=1, help="随机种子，默认 1")
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument("--reset", action="store_true",
                              help="先删除现有组织、人员、角色授权和演示账号，再重新生成")
        existing.add_argument("--if-empty", action="store_true",
                              help="已有数据时不做任何修改，正常退出")

    def handle(self, *args, scale, seed, reset, if_empty, **options):
        if if_empty and demo.demo_data_exists():
            self.stdout.write("数据库中已有数据，跳过演示数据生成。")
            return
        try:
            summary = demo.seed(scale, seed, reset=reset)
        except demo.DemoResetBlocked as exc:
            raise CommandError(str(exc)) from exc
        except demo.DemoDataExists as exc:
            raise CommandError(
                f"{exc}如需重建演示数据请加 --reset（将删除现有组织、人员和角色授权），"
                "或加 --if-empty 在已有数据时跳过。"
            ) from exc
        self._analyze()
        self._report(summary)

    def _analyze(self):
        """Refresh the planner's statistics after the bulk load: without them PostgreSQL plans
        the first pages on empty-table estimates until autovacuum gets round to the tables."""
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def _report(self, summary):
        orgs = summary["orgs"]
        self.stdout.write(self.style.SUCCESS(
            f"已生成演示数据（规模 {summary['scale']}，种子 {summary['seed']}，"
            f"用时 {summary['seconds']} 秒）："))
        self.stdout.write(
            f"  乡镇 {orgs['township']}，村 {orgs['village']}，县直单位 {orgs['unit']}，"
            f"社区 {orgs['community']}，非公企业 {orgs['enterprise']}，园区 {orgs['park']}，"
            f"协会 {orgs['association']}")
        self.stdout.write(
            f"  人员 {summary['people']}：党员 {summary['party_members']}，"
            f"城市人才 {summary['talents']}，干部 {summary['cadres']}")
        for line in summary.get("app_lines", []):
            self.stdout.write(f"  {line}")
        accounts = summary["accounts"]
        main = [a for a in accounts if not demo.EXTRA_TOWNSHIP_ADMIN.match(a["username"])]
        extra = [a["username"] for a in accounts if demo.EXTRA_TOWNSHIP_ADMIN.match(a["username"])]
        rows = [("用户名", "角色", "组织", "姓名")] + [
            (a["username"], a["role"], a["org"], a["name"]) for a in main]
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        self.stdout.write("")
        self.stdout.write("演示账号：")
        for row in rows:
            self.stdout.write("  " + "  ".join(_pad(cell, w) for cell, w in zip(row, widths,
                                                                              strict=True)))
        if extra:
            self.stdout.write(f"  另有乡镇管理员账号 {extra[0]} … {extra[-1]}（共 {len(extra)} 个，"
                              "各对应一个乡镇）")
        self.stdout.write(f"所有演示账号的密码：{summary['password']}")


def _width(text):
    """Display width: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text, width):
    return text + " " * (width - _width(text))

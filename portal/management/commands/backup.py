"""Back up the database and media into one archive, or verify the live system against one.

    python manage.py backup --out /srv/backup/portal-20260301.tar.gz
    python manage.py backup --verify /srv/backup/portal-20260301.tar.gz

The logic lives in portal.backup; this command only reports.
"""

from django.core.management.base import BaseCommand, CommandError

from portal import backup


class Command(BaseCommand):
    help = ("备份数据库和全部媒体文件到一个 .tar.gz 归档（含清单），"
            "或用 --verify 核对当前数据与备份。")
    # A backup must still be possible when a system check fails (e.g. a settings mistake).
    requires_system_checks = []

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--out", metavar="PATH.tar.gz", help="写入备份归档的路径")
        action.add_argument("--verify", metavar="PATH.tar.gz",
                            help="核对当前数据库行数、迁移状态和媒体文件校验和是否与备份清单一致")

    def handle(self, *args, out, verify, **options):
        try:
            if out:
                self._backup(out)
            else:
                report_verification(self, backup.read_manifest(verify))
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc

    def _backup(self, out):
        manifest = backup.create_backup(out)
        rows = sum(manifest["tables"].values())
        media_bytes = sum(entry["size"] for entry in manifest["media"].values())
        self.stdout.write(self.style.SUCCESS(
            f"已写入备份 {out}（用时 {manifest['seconds']} 秒）："))
        self.stdout.write(f"  数据库 {manifest['vendor']}（{manifest['database']['tool']}），"
                          f"{len(manifest['tables'])} 张表，共 {rows} 行")
        self.stdout.write(f"  媒体文件 {len(manifest['media'])} 个，"
                          f"共 {media_bytes / 1024 / 1024:.1f} MB")


def report_verification(command, manifest):
    """Print the differences as a table; CommandError (exit code 1) if there are any."""
    command.stdout.write(f"核对备份（{manifest['created_at']}，{manifest['vendor']}）：")
    differences = backup.verify(manifest)
    if differences:
        for line in backup.differences_table(differences):
            command.stdout.write("  " + line)
        raise CommandError(f"核对未通过：{len(differences)} 处与备份不一致。")
    command.stdout.write(command.style.SUCCESS(
        f"核对通过：{len(manifest['tables'])} 张表的行数、迁移状态和 "
        f"{len(manifest['media'])} 个媒体文件的校验和均与备份一致。"))

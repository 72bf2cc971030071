"""Restore the database and media from a backup archive, then verify against its manifest.

    python manage.py restore /srv/backup/portal-20260301.tar.gz --yes

Stop the web and worker processes first: the restore replaces every row and every media file.
"""

from django.core.management.base import BaseCommand, CommandError

from portal import backup
from portal.management.commands.backup import report_verification


class Command(BaseCommand):
    help = "从备份归档恢复数据库和全部媒体文件（替换现有全部数据），完成后自动核对。"
    # Restoring must work even when a system check fails on the current (damaged) system.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("archive", metavar="PATH.tar.gz", help="由 backup 命令生成的备份归档")
        parser.add_argument("--yes", action="store_true",
                            help="确认用备份替换数据库中的全部数据和全部媒体文件")

    def handle(self, *args, archive, yes, **options):
        if not yes:
            raise CommandError("恢复将用备份替换数据库中的全部数据和全部媒体文件，现有数据将丢失。"
                               "请先停止网站和后台任务进程，确认无误后加 --yes 重新运行。")
        try:
            manifest = backup.restore_backup(archive, progress=self.stdout.write)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"已从 {archive} 恢复（备份时间 {manifest['created_at']}）。"))
        report_verification(self, manifest)

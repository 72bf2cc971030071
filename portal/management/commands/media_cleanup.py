"""`manage.py media_cleanup [--dry-run]`: delete the import uploads and cached PDFs nothing
refers to any more (portal.cleanup, also run daily by Celery beat) and list them."""

from django.core.management.base import BaseCommand

from portal.cleanup import clean_media

FOLDER_TITLES = {"imports": "导入暂存文件", "pdf-cache": "PDF 缓存"}


def _size(size):
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.1f} KB"


class Command(BaseCommand):
    help = "清理不再使用的导入暂存文件和已删除文档的 PDF 缓存（媒体目录 imports/ 与 pdf-cache/）。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只列出将删除的文件，不删除")

    def handle(self, *args, dry_run, **options):
        verb = "将删除" if dry_run else "已删除"
        total_files = total_bytes = 0
        for sweep in clean_media(dry_run=dry_run):
            title = FOLDER_TITLES.get(sweep.folder, sweep.folder)
            for name, size in sweep.removed:
                self.stdout.write(f"  {verb} {name}（{_size(size)}）")
            self.stdout.write(f"{title}（{sweep.folder}/）：{verb} {sweep.count} 个文件，"
                              f"{_size(sweep.bytes)}；保留 {sweep.kept} 个")
            if sweep.unknown:
                self.stdout.write(self.style.WARNING(
                    f"  {len(sweep.unknown)} 个文件不属于任何已登记的缓存类型，未删除，"
                    f"如：{sweep.unknown[0]}"))
            total_files += sweep.count
            total_bytes += sweep.bytes
        freed = _size(total_bytes)
        done = (f"演练：共将删除 {total_files} 个文件，释放 {freed}（未删除任何文件）。"
                if dry_run else f"共删除 {total_files} 个文件，释放 {freed}。")
        self.stdout.write(self.style.SUCCESS(done))

"""backup / restore: the manifest, verification, refusals, and round trips as an operator runs them.

The round trips run `manage.py` in subprocesses against their own database and MEDIA_ROOT
(a temporary SQLite file; a `portal_backup_test` PostgreSQL database created and dropped here),
because restoring into the test connection is not what an operator does.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portal import backup
from portal.models import Organization
from tests.conftest import need_service
from tests.factories import add_org

BASE_DIR = Path(__file__).resolve().parents[2]
PG_TEST_DB = "portal_backup_test"


# --- In process: manifest, verification, refusals ---------------------------------------------

@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return Path(settings.MEDIA_ROOT)


def _backup(path):
    out = io.StringIO()
    call_command("backup", "--out", str(path), stdout=out)
    return out.getvalue()


def _verify(path):
    out = io.StringIO()
    try:
        call_command("backup", "--verify", str(path), stdout=out)
    except CommandError as exc:
        return out.getvalue(), str(exc)
    return out.getvalue(), None


@pytest.mark.django_db(transaction=True)  # pg_dump sees committed rows only
def test_backup_writes_a_manifest_that_verify_checks(tree, media_root, tmp_path):
    photo = default_storage.save("evidence/2026/03/合影.jpg", ContentFile(b"jpeg bytes"))
    archive = tmp_path / "out" / "portal.tar.gz"

    assert "已写入备份" in _backup(archive)

    assert archive.stat().st_mode & 0o777 == 0o600
    manifest = backup.read_manifest(archive)
    assert manifest["format"] == backup.FORMAT_VERSION
    assert manifest["vendor"] == connection.vendor
    assert manifest["tables"]["portal_organization"] == 8
    assert "pairing_projectitem_needs" in manifest["tables"]  # auto-created m2m table
    assert manifest["migrations"]["portal"].startswith("00")
    assert manifest["media"] == {photo: {"sha256": hashlib.sha256(b"jpeg bytes").hexdigest(),
                                         "size": 10}}
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        assert tar.extractfile("media/" + photo).read() == b"jpeg bytes"
    assert backup.DB_MEMBERS[connection.vendor] in names
    out, error = _verify(archive)
    assert error is None and "核对通过" in out

    add_org(tree.town_a, "新增村", "village")
    (media_root / photo).write_bytes(b"changed")
    default_storage.save("extra.txt", ContentFile(b"x"))
    out, error = _verify(archive)

    assert error == "核对未通过：4 处与备份不一致。"  # the new org writes a history row too
    lines = out.splitlines()
    for table in ("portal_organization", "portal_historicalorganization"):
        assert any(line.split()[1:] == [table, "8", "9"] for line in lines), out
    assert any(photo in line and "10 字节" in line and "7 字节" in line for line in lines)
    assert any("extra.txt" in line and "（无此文件）" in line for line in lines)


def test_restore_refuses_without_yes(tmp_path):
    with pytest.raises(CommandError, match="替换数据库中的全部数据和全部媒体文件.*--yes"):
        call_command("restore", str(tmp_path / "portal.tar.gz"))


def _archive_with(path, manifest, members):
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {**members, "manifest.json": json.dumps(manifest).encode()}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _manifest(vendor, db_bytes):
    return {"format": 1, "created_at": "2026-03-01T02:00:00+08:00", "vendor": vendor,
            "database": {"member": backup.DB_MEMBERS[vendor], "tool": "test",
                         "sha256": hashlib.sha256(db_bytes).hexdigest(), "size": len(db_bytes)},
            "migrations": {}, "tables": {}, "media": {}}


def test_restore_refuses_an_archive_from_another_vendor(tree, media_root, tmp_path):
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    archive = tmp_path / "other.tar.gz"
    _archive_with(archive, _manifest(other, b"dump"), {backup.DB_MEMBERS[other]: b"dump"})

    with pytest.raises(CommandError, match=f"此备份来自 {other} 数据库，当前配置的是 "
                                           f"{connection.vendor}，不能恢复"):
        call_command("restore", str(archive), "--yes")
    assert Organization.objects.count() == 8


def test_restore_refuses_a_corrupt_database_file_before_changing_anything(tree, media_root,
                                                                          tmp_path):
    vendor = connection.vendor
    archive = tmp_path / "corrupt.tar.gz"
    _archive_with(archive, _manifest(vendor, b"the original dump"),
                  {backup.DB_MEMBERS[vendor]: b"a damaged dump"})

    with pytest.raises(CommandError, match="校验和与清单不符"):
        call_command("restore", str(archive), "--yes")
    assert Organization.objects.count() == 8


# --- Round trips in subprocesses, as an operator runs them ------------------------------------

FINGERPRINT = """
import json
from django.contrib.auth import get_user_model
from ledger.models import Evidence
from portal.models import Organization, Person
print(json.dumps({
    "orgs": list(Organization.objects.order_by("path").values_list("path", "name")[:30]),
    "people": list(Person.objects.order_by("pk").values_list("pk", "name", "id_number")[:30]),
    "users": list(get_user_model().objects.order_by("pk").values_list("username", "password")),
    "evidence": sorted(Evidence.objects.values_list("file", flat=True).distinct()),
}, ensure_ascii=False))
"""


class Site:
    """One portal installation: a database URL and a MEDIA_ROOT, driven through manage.py."""

    def __init__(self, database_url, media_root):
        self.media_root = Path(media_root)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("MEDIA_S3_", "DJANGO_ENV"))}
        self.env.update(DATABASE_URL=database_url, MEDIA_ROOT=str(media_root),
                        MEDIA_S3_BUCKET="", DJANGO_SETTINGS_MODULE="portal.settings")

    def manage(self, *args, ok=True):
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=self.env,
                                capture_output=True, text=True, timeout=300, check=False)
        if ok:
            assert result.returncode == 0, (args, result.stdout, result.stderr)
        return result

    def fingerprint(self):
        result = self.manage("shell", "-v", "0", "-c", FINGERPRINT)
        data = json.loads(result.stdout.strip().splitlines()[-1])
        assert data["orgs"] and data["people"] and data["users"] and data["evidence"]
        return data

    def media_hashes(self):
        return {str(p.relative_to(self.media_root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(self.media_root.rglob("*")) if p.is_file()}

    def seed(self):
        self.manage("migrate", "-v", "0", "--skip-checks")
        self.manage("seed_demo", "--scale", "small", "--skip-checks")
        extra = self.media_root / "uploads" / "会议纪要 2026.txt"
        extra.parent.mkdir(parents=True)
        extra.write_text("第一次联席会议纪要\n", encoding="utf-8")
        hashes = self.media_hashes()
        assert len(hashes) > 5 and "evidence/demo/photo_01.jpg" in hashes
        return self.fingerprint(), hashes


def _round_trip(site, archive, wipe):
    """Seed, back up, damage, restore; the restore's own verification must pass."""
    before, media_before = site.seed()

    result = site.manage("backup", "--out", str(archive))
    assert "已写入备份" in result.stdout

    wipe()
    checked = site.manage("backup", "--verify", str(archive), ok=False)
    assert checked.returncode == 1 and "核对未通过" in checked.stderr
    assert "evidence/demo/photo_01.jpg" in checked.stdout

    restored = site.manage("restore", str(archive), "--yes")
    assert "核对通过" in restored.stdout
    assert site.fingerprint() == before
    assert site.media_hashes() == media_before


def test_sqlite_round_trip(tmp_path):
    db_path = tmp_path / "db.sqlite3"
    site = Site(f"sqlite:///{db_path}", tmp_path / "media")

    def wipe():
        with sqlite3.connect(db_path) as db:
            db.execute("DELETE FROM auth_user WHERE id > 3")
            db.execute("UPDATE portal_organization SET name = '被改掉的名称'")
            db.execute("DELETE FROM ledger_evidence")
        media = site.media_root
        (media / "evidence/demo/photo_01.jpg").unlink()
        (media / "evidence/demo/photo_02.jpg").write_bytes(b"overwritten")
        (media / "uploads/备份后新增.txt").write_text("不在备份中", encoding="utf-8")

    _round_trip(site, tmp_path / "backups" / "portal.tar.gz", wipe)


def _psql(url, *statements):
    return subprocess.run(["psql", "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "--dbname", url,
                           *[arg for s in statements for arg in ("-c", s)]],
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.postgres
def test_postgresql_round_trip(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        pytest.skip("PostgreSQL not configured (DATABASE_URL)")
    need_service(all(shutil.which(tool) for tool in ("psql", "pg_dump", "pg_restore")),
                 "psql, pg_dump and pg_restore are needed (apt-get install postgresql-client)")
    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    site_url = urlunsplit(parts._replace(path=f"/{PG_TEST_DB}"))
    site_psql_url = urlunsplit(parts._replace(scheme="postgresql", path=f"/{PG_TEST_DB}"))
    created = _psql(admin_url, f"DROP DATABASE IF EXISTS {PG_TEST_DB} WITH (FORCE)",
                    f"CREATE DATABASE {PG_TEST_DB}")
    need_service(created.returncode == 0, f"cannot create {PG_TEST_DB}: {created.stderr}")
    site = Site(site_url, tmp_path / "media")

    def wipe():
        dropped = _psql(site_psql_url, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public")
        assert dropped.returncode == 0, dropped.stderr
        shutil.rmtree(site.media_root)

    try:
        _round_trip(site, tmp_path / "backups" / "portal.tar.gz", wipe)
    finally:
        _psql(admin_url, f"DROP DATABASE IF EXISTS {PG_TEST_DB} WITH (FORCE)")

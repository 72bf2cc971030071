"""Backup and restore of the database and the media files: one .tar.gz with a manifest.

pg_dump + our own archive rather than django-dbbackup: pg_dump is the standard consistent
snapshot, and one archive with a manifest lets every restore be verified (row counts, checksums).

Archive layout:
    database.dump       PostgreSQL: `pg_dump --format=custom`
    database.sqlite3    SQLite: a copy made with the sqlite3 online backup API
    media/<name>        every file of `default_storage` (local disk or S3 alike)
    manifest.json       format, time, vendor, migrations, row counts, media sha256 and sizes
"""

import hashlib
import io
import json
import os
import posixpath
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import django
from django.apps import apps
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone

from portal import fragments

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
MEDIA_PREFIX = "media/"
DB_MEMBERS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup, restore or verification that cannot proceed; the message is for the operator."""


@dataclass(frozen=True)
class Difference:
    """One mismatch between the manifest and the live system."""

    kind: str  # 表 / 迁移 / 媒体文件
    name: str
    expected: str
    actual: str


# --- What is there: tables, migrations, media ------------------------------------------------

def model_tables():
    """Tables of every installed concrete model, auto-created m2m tables included."""
    return sorted({
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    })


def _count_rows(cursor, tables, quote, existing):
    counts = {}
    for table in tables:
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _latest_migrations(cursor, existing):
    """Latest applied migration per app, from django_migrations (names sort by number)."""
    if "django_migrations" not in existing:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations")
    latest = {}
    for app, name in cursor.fetchall():
        latest[app] = max(latest.get(app, ""), name)
    return dict(sorted(latest.items()))


def live_database_state():
    """Row counts and migration state of the configured database, read in one transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
        counts = _count_rows(cursor, model_tables(), connection.ops.quote_name, existing)
        return counts, _latest_migrations(cursor, existing)


def media_names(storage=None):
    """Every file name in the media storage, walked recursively with listdir."""
    storage = storage or default_storage

    def walk(prefix):
        try:
            dirs, files = storage.listdir(prefix)
        except FileNotFoundError:  # a local MEDIA_ROOT that was never created
            return
        for name in files:
            yield posixpath.join(prefix, name) if prefix else name
        for name in dirs:
            yield from walk(posixpath.join(prefix, name) if prefix else name)

    return sorted(walk(""))


def _sha256_of(fileobj, copy_to=None):
    digest, size = hashlib.sha256(), 0
    while chunk := fileobj.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if copy_to is not None:
            copy_to.write(chunk)
    return digest.hexdigest(), size


def media_checksums():
    """{name: {"sha256", "size"}} of every live media file."""
    result = {}
    for name in media_names():
        with default_storage.open(name, "rb") as fileobj:
            sha, size = _sha256_of(fileobj)
        result[name] = {"sha256": sha, "size": size}
    return result


# --- PostgreSQL client tools -------------------------------------------------------------------

def _pg_tool(name):
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"找不到 {name}：请安装 PostgreSQL 客户端（Debian/Ubuntu：apt-get install "
            f"postgresql-client），其版本不能低于数据库服务器。")
    return path


def _client_major(tool):
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else 0


def _pg_conn_args_and_env():
    """libpq arguments from settings.DATABASES["default"]; the password only in PGPASSWORD."""
    db = settings.DATABASES["default"]
    args = []
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    options = db.get("OPTIONS", {})
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")):
        if options.get(option):
            env[variable] = str(options[option])
    return args, env, str(db["NAME"])


def _run(cmd, env, what):
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{what}失败（退出码 {result.returncode}）：{result.stderr.strip()}")


# --- Backup ----------------------------------------------------------------------------------

def _dump_postgresql(target):
    """pg_dump from an exported snapshot; counts and migrations are read in the same snapshot."""
    pg_dump = _pg_tool("pg_dump")
    client, server = _client_major(pg_dump), connection.pg_version // 10000
    if client < server:
        raise BackupError(f"pg_dump 版本 {client} 低于数据库服务器版本 {server}：请安装版本不低于"
                          f"服务器的 postgresql-client。")
    if connection.in_atomic_block:
        raise BackupError("不能在数据库事务中备份：pg_dump 看不到未提交的数据。")
    args, env, name = _pg_conn_args_and_env()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        # The exporting transaction stays open until pg_dump has taken the snapshot over.
        _run([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
              f"--file={target}", *args, f"--dbname={name}"], env, "pg_dump ")
        existing = set(connection.introspection.table_names(cursor))
        counts = _count_rows(cursor, model_tables(), connection.ops.quote_name, existing)
        migrations = _latest_migrations(cursor, existing)
    return counts, migrations, f"pg_dump {client}"


def _dump_sqlite(target):
    """A consistent copy through the online backup API (works for WAL and in-memory databases)."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        cursor = copy.cursor()
        existing = {row[0] for row in cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        counts = _count_rows(cursor, model_tables(), lambda t: f'"{t}"', existing)
        migrations = _latest_migrations(cursor, existing)
    finally:
        copy.close()
    return counts, migrations, f"sqlite {sqlite3.sqlite_version}"


def _add_file(tar, arcname, fileobj, size):
    info = tarfile.TarInfo(arcname)
    info.size, info.mtime, info.mode = size, int(time.time()), 0o600
    tar.addfile(info, fileobj)


def create_backup(out_path):
    """Write the archive to `out_path` (atomically, mode 0600) and return its manifest."""
    vendor = connection.vendor
    if vendor not in DB_MEMBERS:
        raise BackupError(f"不支持备份 {vendor} 数据库（仅支持 PostgreSQL 和 SQLite）。")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    partial = out_path.with_name(out_path.name + ".part")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as tmp:
        dump_path = Path(tmp) / DB_MEMBERS[vendor]
        dumper = _dump_postgresql if vendor == "postgresql" else _dump_sqlite
        counts, migrations, tool = dumper(dump_path)
        with open(dump_path, "rb") as dump:
            db_sha, db_size = _sha256_of(dump)
        # The archive holds ID numbers and phone numbers: readable by its owner only.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        media = {}
        try:
            with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
                with open(dump_path, "rb") as dump:
                    _add_file(tar, DB_MEMBERS[vendor], dump, db_size)
                # Media after the database: a file uploaded meanwhile is extra, not missing.
                for name in media_names():
                    with default_storage.open(name, "rb") as src, \
                            tempfile.TemporaryFile(dir=tmp) as spool:
                        sha, size = _sha256_of(src, copy_to=spool)
                        spool.seek(0)
                        _add_file(tar, MEDIA_PREFIX + name, spool, size)
                    media[name] = {"sha256": sha, "size": size}
                manifest = {
                    "format": FORMAT_VERSION,
                    "created_at": timezone.now().isoformat(),
                    "vendor": vendor,
                    "django": django.get_version(),
                    "database": {"member": DB_MEMBERS[vendor], "tool": tool,
                                 "sha256": db_sha, "size": db_size},
                    "migrations": migrations,
                    "tables": counts,
                    "media": media,
                }
                body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
                _add_file(tar, MANIFEST, io.BytesIO(body), len(body))
            os.replace(partial, out_path)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    manifest["seconds"] = round(time.monotonic() - started, 1)
    return manifest


# --- Reading an archive ----------------------------------------------------------------------

def _open_archive(path):
    try:
        return tarfile.open(path, mode="r:gz")
    except FileNotFoundError as exc:
        raise BackupError(f"备份文件不存在：{path}") from exc
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"无法读取备份文件 {path}：{exc}") from exc


def _manifest_of(tar, path):
    try:
        member = tar.getmember(MANIFEST)
    except KeyError as exc:
        raise BackupError(f"{path} 中没有 {MANIFEST}，不是本系统生成的备份。") from exc
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise BackupError(f"备份文件 {path} 已损坏：{exc}") from exc
    manifest = json.loads(tar.extractfile(member).read())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format')} 不受支持"
                          f"（本程序支持 {FORMAT_VERSION}）。")
    return manifest


def read_manifest(path):
    with _open_archive(path) as tar:
        return _manifest_of(tar, path)


def _media_name(arcname):
    """The storage name of a media member; refuses absolute paths and '..' components."""
    name = arcname[len(MEDIA_PREFIX):]
    parts = name.split("/")
    if not name or name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise BackupError(f"备份中的媒体文件名不安全：{arcname}")
    return name


# --- Restore ---------------------------------------------------------------------------------

def check_vendor(manifest):
    if manifest["vendor"] != connection.vendor:
        raise BackupError(
            f"此备份来自 {manifest['vendor']} 数据库，当前配置的是 {connection.vendor}，"
            f"不能恢复。请在同类数据库上恢复（DATABASE_URL）。")


def _restore_postgresql(dump_path):
    pg_restore = _pg_tool("pg_restore")
    args, env, name = _pg_conn_args_and_env()
    connection.close()
    _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--no-password", *args, f"--dbname={name}", str(dump_path)], env, "pg_restore ")


def _restore_sqlite(dump_path):
    connection.close()
    name = settings.DATABASES["default"]["NAME"]
    source, target = sqlite3.connect(dump_path), sqlite3.connect(name)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def restore_backup(path, progress=None):
    """Replace the database and every media file with the archive's; return the manifest.

    The caller runs `verify(manifest)` afterwards (the restore command does).
    """
    say = progress or (lambda message: None)
    version_before = fragments.data_version()
    with _open_archive(path) as tar:
        manifest = _manifest_of(tar, path)
        check_vendor(manifest)
        member = manifest["database"]["member"]
        with tempfile.TemporaryDirectory(prefix="portal-restore-") as tmp:
            dump_path = Path(tmp) / "database"  # never a path taken from the archive
            try:
                source = tar.extractfile(member)
            except KeyError as exc:
                raise BackupError(f"备份中缺少数据库文件 {member}。") from exc
            with open(dump_path, "wb") as dump:
                sha, _ = _sha256_of(source, copy_to=dump)
            if sha != manifest["database"]["sha256"]:
                raise BackupError("备份中的数据库文件校验和与清单不符，备份已损坏，未做任何修改。")
            say(f"恢复数据库（{manifest['vendor']}）…")
            if manifest["vendor"] == "postgresql":
                _restore_postgresql(dump_path)
            else:
                _restore_sqlite(dump_path)
            # The restored data version may be older than pages the workers have cached.
            connection.close()
            fragments.move_version_past(version_before)
        say(f"恢复媒体文件（{len(manifest['media'])} 个）…")
        restored = set()
        for info in tar:
            if not info.isfile() or not info.name.startswith(MEDIA_PREFIX):
                continue
            name = _media_name(info.name)
            if default_storage.exists(name):
                default_storage.delete(name)
            saved = default_storage.save(name, File(tar.extractfile(info), name=name))
            if saved != name:
                raise BackupError(f"媒体文件 {name} 被存储为 {saved}，无法按原名恢复。")
            restored.add(name)
    extra = [name for name in media_names() if name not in restored]
    for name in extra:
        default_storage.delete(name)
    if extra:
        say(f"删除备份中没有的媒体文件 {len(extra)} 个。")
    return manifest


# --- Verification ----------------------------------------------------------------------------

def verify(manifest):
    """Differences between the manifest and the live database and media (empty when equal)."""
    differences = []
    counts, migrations = live_database_state()
    for table in sorted(set(manifest["tables"]) | set(model_tables())):
        expected, actual = manifest["tables"].get(table), counts.get(table)
        if expected != actual:
            differences.append(Difference("表", table, _shown(expected, "（无此表）"),
                                          _shown(actual, "（无此表）")))
    for app in sorted(set(manifest["migrations"]) | set(migrations)):
        expected, actual = manifest["migrations"].get(app), migrations.get(app)
        if expected != actual:
            differences.append(Difference("迁移", app, _shown(expected, "（无）"),
                                          _shown(actual, "（无）")))
    live_media = media_checksums()
    for name in sorted(set(manifest["media"]) | set(live_media)):
        expected, actual = manifest["media"].get(name), live_media.get(name)
        if expected != actual:
            differences.append(Difference("媒体文件", name, _file_shown(expected),
                                          _file_shown(actual)))
    return differences


def _shown(value, missing):
    return missing if value is None else str(value)


def _file_shown(entry):
    if entry is None:
        return "（无此文件）"
    return f"{entry['size']} 字节 sha256:{entry['sha256'][:12]}"


def differences_table(differences):
    """Lines of an aligned text table (CJK characters take two columns)."""
    rows = [("类别", "名称", "备份中", "当前")] + [
        (d.kind, d.name, d.expected, d.actual) for d in differences]
    widths = [max(_width(row[i]) for row in rows) for i in range(4)]
    return ["  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True))
            .rstrip() for row in rows]


def _width(text):
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)

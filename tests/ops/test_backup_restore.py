"""Backup and restore (ops/backup.py, ``make backup`` / ``make restore``): a programme built
through the services comes back from its archive with the same figures, the same audit
trail, the same rows everywhere and the same media files; a damaged archive is refused
before anything is touched."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from enterprises import services as enterprise_services
from exchange import services as exchange_services
from exchange.models import Export
from progress import services as progress_services
from progress.models import Snapshot
from reporting import services as reporting_services
from targets.periods import period_parse
from tests import factories

ROOT = Path(settings.BASE_DIR)
SCRIPT = ROOT / "ops" / "backup.py"
REQUIRED = os.environ.get("DX_REQUIRE_WORKER") == "1"


def _ops_backup() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ops_backup", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ops_backup"] = module
    spec.loader.exec_module(module)
    return module


ops = _ops_backup()


def _files(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


# --- PostgreSQL, end to end through the command ------------------------------------------


def _postgres_or_skip() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("backup and restore of PostgreSQL needs DATABASE_URL on PostgreSQL")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            if REQUIRED:
                pytest.fail(f"DX_REQUIRE_WORKER=1 but {tool} is not installed")
            pytest.skip(f"{tool} is not installed")


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{db.get('HOST') or '127.0.0.1'}:"
        f"{db.get('PORT') or 5432}/{name}"
    )


def _command(*args: str, media_root: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _url(str(settings.DATABASES["default"]["NAME"])),
        "DJANGO_MEDIA_ROOT": str(media_root),
    }
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _server():
    import psycopg2

    db = settings.DATABASES["default"]
    server = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    server.autocommit = True
    return server


def _database_drop(name: str) -> None:
    server = _server()
    try:
        with server.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        server.close()


def _contents(name: str) -> dict[str, Any]:
    """Every table of the database: its row count and an MD5 of all its rows."""
    import psycopg2

    db = settings.DATABASES["default"]
    database = psycopg2.connect(
        dbname=name,
        user=db["USER"],
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    try:
        with database.cursor() as cursor:
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            tables = sorted(row[0] for row in cursor.fetchall())
            contents = {}
            for table in tables:
                rows = "md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                cursor.execute(f'SELECT count(*), {rows} FROM "{table}" t')
                contents[table] = cursor.fetchone()
            cursor.execute(
                "SELECT t.code, s.period, s.scope, s.actual::text, s.status, s.computed_at "
                "FROM progress_snapshot s JOIN targets_target t ON t.id = s.target_id "
                "ORDER BY 1, 2, 3"
            )
            contents["snapshots as read"] = cursor.fetchall()
            cursor.execute(
                "SELECT id, history_type, status, version, history_date, history_user_id, "
                "history_change_reason FROM reporting_historicalsubmission ORDER BY history_id"
            )
            contents["audit trail as read"] = cursor.fetchall()
        return contents
    finally:
        database.close()


@pytest.fixture
def media_root(settings, tmp_path) -> Path:
    """Files go to a real directory, as in production (tests otherwise keep them in memory)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root


def _programme(media_root: Path) -> dict[str, int]:
    """Reports through the workflow (created, submitted, approved, one returned, one
    reopened and approved again), a designation, the figures and a workbook."""
    official = factories.OfficialFactory(username="backup-official")
    park = factories.ParkFactory(code="PARK-BACKUP")
    reporters = [
        factories.ReporterFactory(
            enterprise=factories.EnterpriseFactory(park=park, district=park.district)
        )
        for _ in range(3)
    ]
    for number, reporter in enumerate(reporters):
        for quarter in ("2024Q1", "2024Q2"):
            report = reporting_services.submission_save(
                submission=None,
                enterprise=reporter.enterprise,
                period=period_parse(quarter),
                metrics={"talent_high_end_new": 3 + number, "cloud_adopted": True},
                items=[],
                by=reporter,
                submit=True,
            )
            if number == 2 and quarter == "2024Q2":
                reporting_services.submission_return(
                    submission=report, by=official, comment="请补充说明 / explain"
                )
                continue
            report = reporting_services.submission_approve(submission=report, by=official)
            if number == 0 and quarter == "2024Q1":
                report = reporting_services.submission_reopen(
                    submission=report, by=official, comment="数据更正 / correction"
                )
                report = reporting_services.submission_save(
                    submission=report,
                    enterprise=reporter.enterprise,
                    period=report.period,
                    metrics={"talent_high_end_new": 10, "cloud_adopted": True},
                    items=[],
                    by=reporter,
                    version=report.version,
                    submit=True,
                )
                reporting_services.submission_approve(submission=report, by=official)
    enterprise_services.designation_create(
        kind="smart_factory_benchmark",
        enterprise=reporters[0].enterprise.uscc,
        granted_on=dt.date(2024, 2, 1),
        by=official,
    )
    progress_services.rollup_request(by=official)
    export = exchange_services.export_request(
        by=official, period=period_parse("2024Q2"), scope="city", language="en"
    )
    default_storage.save("evidence/2024/scan.pdf", ContentFile(b"%PDF-1.4 evidence\n"))
    export.refresh_from_db()
    return {"export": export.pk}


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_restored_archive_has_the_same_figures_audit_trail_rows_and_files(media_root, tmp_path):
    _postgres_or_skip()
    ids = _programme(media_root)
    assert Snapshot.objects.filter(scope="city", target__code="SH23-TALENT-HIGH").exists()
    assert Export.objects.get(pk=ids["export"]).status == "done"
    files = _files(media_root)
    assert any(path.startswith("exports/") for path in files), files
    assert "evidence/2024/scan.pdf" in files
    source = str(settings.DATABASES["default"]["NAME"])
    restored = f"{source}_restored"[:63]
    _database_drop(restored)

    made = _command("backup", "--output", str(tmp_path / "archives"), media_root=media_root)
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.split()[0])
    assert archive.name.startswith("dx-backup-")
    assert archive.suffix == ".tar"
    checked = _command("verify", str(archive), media_root=media_root)
    assert checked.returncode == 0, checked.stderr

    restored_media = tmp_path / "restored-media"
    try:
        done = _command(
            "restore",
            str(archive),
            "--database-url",
            _url(restored),
            "--media-root",
            str(restored_media),
            media_root=media_root,
        )
        assert done.returncode == 0, done.stderr

        before, after = _contents(source), _contents(restored)
        assert after["snapshots as read"] == before["snapshots as read"]
        assert len(before["snapshots as read"]) > 0
        assert after["audit trail as read"] == before["audit trail as read"]
        reasons = [row[6] or "" for row in before["audit trail as read"]]
        assert any("correction" in reason for reason in reasons)
        assert after == before  # every table: the same rows
        assert _files(restored_media) == files
    finally:
        _database_drop(restored)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_already_has_tables(media_root, tmp_path):
    _postgres_or_skip()
    made = _command("backup", "--output", str(tmp_path / "archives"), media_root=media_root)
    assert made.returncode == 0, made.stderr
    archive = made.stdout.split()[0]
    source = str(settings.DATABASES["default"]["NAME"])

    refused = _command("restore", archive, "--database-url", _url(source), media_root=media_root)

    assert refused.returncode == 1
    assert "already has tables" in refused.stderr


# --- SQLite and the archive itself (no server needed) -----------------------------------


def _sqlite_programme(path: Path) -> None:
    database = sqlite3.connect(path)
    with database:
        database.execute("CREATE TABLE django_migrations (app TEXT, name TEXT)")
        database.execute("INSERT INTO django_migrations VALUES ('progress', '0003_x')")
        database.execute("CREATE TABLE figures (target TEXT, period INT, actual TEXT)")
        database.executemany(
            "INSERT INTO figures VALUES (?, ?, ?)",
            [("SH23-TALENT-HIGH", 8096, "12"), ("SH23-SCENARIO", 8097, "3.5")],
        )
    database.close()


def _sqlite_rows(path: Path) -> list[tuple]:
    database = sqlite3.connect(path)
    try:
        return database.execute("SELECT * FROM figures ORDER BY 1").fetchall()
    finally:
        database.close()


@pytest.fixture
def sqlite_programme(tmp_path) -> tuple[object, Path]:
    path = tmp_path / "db.sqlite3"
    _sqlite_programme(path)
    media = tmp_path / "media"
    (media / "exports" / "2026" / "12").mkdir(parents=True)
    (media / "exports" / "2026" / "12" / "全市 2026Q3.xlsx").write_bytes(b"PK\x03\x04 workbook")
    (media / "evidence").mkdir()
    (media / "evidence" / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    return ops.Database("sqlite", str(path)), media


def test_a_sqlite_database_and_its_media_come_back_identical(sqlite_programme, tmp_path):
    database, media = sqlite_programme
    archive = ops.backup(output=tmp_path / "archives", database=database, media_root=media)
    target = ops.Database("sqlite", str(tmp_path / "restored" / "db.sqlite3"))

    manifest = ops.restore(archive, database=target, media_root=tmp_path / "m2", force=False)

    assert manifest["database"]["vendor"] == "sqlite"
    assert manifest["migrations"] == {"progress": "0003_x"}
    assert _sqlite_rows(Path(target.name)) == _sqlite_rows(Path(database.name))
    assert _files(tmp_path / "m2") == _files(media)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"manifest.json", "database.sqlite3", "media/evidence/scan.pdf"} <= names


def test_a_damaged_archive_is_refused_before_anything_is_touched(sqlite_programme, tmp_path):
    database, media = sqlite_programme
    archive = ops.backup(output=tmp_path / "archives", database=database, media_root=media)
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w") as copy:
        for member in source.getmembers():
            content = source.extractfile(member)
            data = content.read() if content else b""
            if member.name == "media/evidence/scan.pdf":
                data = data.replace(b"1.4", b"1.7")
            copy.addfile(member, io.BytesIO(data))
    target = tmp_path / "restored" / "db.sqlite3"

    with pytest.raises(ops.BackupError, match=r"Checksum mismatch: media/evidence/scan\.pdf"):
        ops.restore(
            damaged,
            database=ops.Database("sqlite", str(target)),
            media_root=tmp_path / "m2",
            force=False,
        )

    assert not target.exists()
    assert not (tmp_path / "m2").exists()


def test_restore_never_overwrites_a_database_or_a_different_file_without_force(
    sqlite_programme, tmp_path
):
    database, media = sqlite_programme
    archive = ops.backup(output=tmp_path / "archives", database=database, media_root=media)

    with pytest.raises(ops.BackupError, match="--force"):
        ops.restore(archive, database=database, media_root=tmp_path / "m2", force=False)
    (tmp_path / "m3" / "evidence").mkdir(parents=True)
    (tmp_path / "m3" / "evidence" / "scan.pdf").write_bytes(b"another file")
    with pytest.raises(ops.BackupError, match="differs"):
        ops.restore(
            archive,
            database=ops.Database("sqlite", str(tmp_path / "new.sqlite3")),
            media_root=tmp_path / "m3",
            force=False,
        )
    assert not (tmp_path / "new.sqlite3").exists()

    ops.restore(archive, database=database, media_root=tmp_path / "m3", force=True)
    assert _files(tmp_path / "m3") == _files(media)

"""Backup and restore of DX Tracker: the database and the media files in one archive.

    python ops/backup.py backup [--output DIR]                  (make backup)
    python ops/backup.py restore ARCHIVE [--database-url URL] [--media-root DIR] [--force]
                                                                (make restore ARCHIVE=...)
    python ops/backup.py verify ARCHIVE

The database and the media root are the ones the settings name (``DATABASE_URL``,
``DJANGO_MEDIA_ROOT``, from the environment or ``.env``), unless given on the command line.

An archive is one uncompressed tar file, ``dx-backup-YYYYmmddTHHMMSSZ.tar``, holding:

- ``manifest.json`` — when and from what it was made (database vendor, server and dump
  versions, the last migration of each app), and the size and SHA-256 of every other member;
- ``database.dump`` — PostgreSQL: ``pg_dump --format=custom`` (compressed; restored with
  ``pg_restore``), one consistent snapshot of the whole database taken without stopping
  anyone; or ``database.sqlite3`` — SQLite: a copy made with SQLite's online backup API
  (``sqlite3.Connection.backup``, what ``.backup`` does in the shell), consistent even while
  the application writes;
- ``media/…`` — every file under the media root (workbooks, evidence files), read after the
  database dump so that every file the dump names is in the archive.

``restore`` checks every checksum before it touches anything, then restores the database
(PostgreSQL: creates the database when it does not exist; refuses one that already has
tables unless ``--force``, which drops the objects the archive contains first; SQLite:
refuses an existing file unless ``--force``) and writes the media files (refusing to
overwrite a different file unless ``--force``). Stop the web, worker and beat processes
first; start them (after ``migrate`` when the code is newer than the archive) afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MEDIA = "media"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """What went wrong, said for the person running the command."""


# --- where things are -------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    vendor: str  # "postgresql" or "sqlite"
    name: str  # the database name, or the SQLite file's path
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""

    @classmethod
    def from_settings(cls) -> Database:
        from django.conf import settings

        db = settings.DATABASES["default"]
        engine = str(db["ENGINE"])
        if engine.endswith("sqlite3"):
            return cls("sqlite", str(db["NAME"]))
        if "postgresql" in engine or "postgis" in engine:
            return cls(
                "postgresql",
                str(db["NAME"]),
                str(db.get("USER") or ""),
                str(db.get("PASSWORD") or ""),
                str(db.get("HOST") or ""),
                str(db.get("PORT") or ""),
            )
        raise BackupError(f"Unsupported database engine {engine}.")

    @classmethod
    def from_url(cls, url: str) -> Database:
        parts = urlsplit(url)
        if parts.scheme in ("sqlite", "sqlite3"):
            path = unquote(parts.path)
            return cls("sqlite", path[1:] if path.startswith("//") else path)
        if parts.scheme in ("postgres", "postgresql", "pgsql", "postgis"):
            return cls(
                "postgresql",
                unquote(parts.path.lstrip("/")),
                unquote(parts.username or ""),
                unquote(parts.password or ""),
                parts.hostname or "",
                str(parts.port or ""),
            )
        raise BackupError(f"Unsupported database URL scheme {parts.scheme!r}.")

    def pg_args(self, *, database: str | None = None) -> list[str]:
        args = ["--dbname", database or self.name]
        if self.host:
            args += ["--host", self.host]
        if self.port:
            args += ["--port", self.port]
        if self.user:
            args += ["--username", self.user]
        return args

    def pg_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password:
            env["PGPASSWORD"] = self.password
        return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def _run(command: list[str], *, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own arguments, no shell
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _media_files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


# --- the database -----------------------------------------------------------------------


def database_dump(database: Database, target: Path) -> dict[str, Any]:
    """Write the database into ``target``; what the manifest says about it."""
    if database.vendor == "sqlite":
        source_path = Path(database.name)
        if not source_path.is_file():
            raise BackupError(f"The SQLite database {source_path} does not exist.")
        sqlite_copy(source_path, target)
        return {"vendor": "sqlite", "sqlite_version": sqlite3.sqlite_version}
    _run(
        [
            _tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--file",
            str(target),
            *database.pg_args(),
        ],
        env=database.pg_env(),
    )
    version = _run([_tool("pg_dump"), "--version"]).strip()
    return {"vendor": "postgresql", "name": database.name, "pg_dump": version}


def sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy of a live SQLite database (its online backup API)."""
    source_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target_db = sqlite3.connect(target)
    try:
        with target_db:
            source_db.backup(target_db)
    finally:
        target_db.close()
        source_db.close()


def _pg_connect(database: Database, name: str) -> Any:
    import psycopg2

    return psycopg2.connect(
        dbname=name,
        user=database.user or None,
        password=database.password or None,
        host=database.host or None,
        port=database.port or None,
    )


def _pg_has_tables(database: Database) -> bool | None:
    """Whether the database has tables in public; None when it does not exist (then it is
    created, empty)."""
    from psycopg2 import sql

    server = _pg_connect(database, "postgres")
    server.autocommit = True
    try:
        with server.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database.name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database.name)))
                return None
    finally:
        server.close()
    connection = _pg_connect(database, database.name)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            row = cursor.fetchone()
            return bool(row and row[0])
    finally:
        connection.close()


def database_restore(database: Database, source: Path, *, force: bool) -> None:
    if database.vendor == "sqlite":
        target = Path(database.name)
        if target.exists() and not force:
            raise BackupError(f"{target} exists; restore with --force to replace it.")
        target.parent.mkdir(parents=True, exist_ok=True)
        for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
            stale.unlink(missing_ok=True)
        sqlite_copy(source, target)
        return
    has_tables = _pg_has_tables(database)
    if has_tables and not force:
        raise BackupError(
            f"The database {database.name} already has tables; restore into a new database "
            "or with --force (which drops the objects the archive contains first)."
        )
    command = [_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction"]
    if has_tables:
        command += ["--clean", "--if-exists"]
    _run([*command, *database.pg_args(), str(source)], env=database.pg_env())


# --- archives ---------------------------------------------------------------------------


def _migrations(database: Database) -> dict[str, str]:
    """The last migration applied per app: which schema the dump holds."""
    query = "SELECT app, max(name) FROM django_migrations GROUP BY app ORDER BY app"
    rows: list[tuple[str, str]]
    if database.vendor == "sqlite":
        connection = sqlite3.connect(f"file:{database.name}?mode=ro", uri=True)
        try:
            rows = connection.execute(query).fetchall()
        except sqlite3.Error:
            rows = []
        finally:
            connection.close()
    else:
        import psycopg2

        connection = _pg_connect(database, database.name)
        try:
            with connection.cursor() as cursor:
                cursor.execute(query)
                rows = cursor.fetchall()
        except psycopg2.Error:
            rows = []
        finally:
            connection.close()
    return dict(rows)


def backup(*, output: Path, database: Database, media_root: Path) -> Path:
    """Make an archive in ``output`` (a directory); its path."""
    output.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    archive = output / f"dx-backup-{stamp}.tar"
    with tempfile.TemporaryDirectory(prefix="dx-backup-") as scratch:
        dump_name = SQLITE_COPY if database.vendor == "sqlite" else PG_DUMP
        dump = Path(scratch) / dump_name
        about = database_dump(database, dump)
        about.update(file=dump_name, size=dump.stat().st_size, sha256=_sha256(dump))
        files: list[dict[str, Any]] = [
            {
                "path": path.relative_to(media_root).as_posix(),
                "size": path.stat().st_size,
                "sha256": _sha256(path),
            }
            for path in _media_files(media_root)
        ]
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": about,
            "migrations": _migrations(database),
            "media_root": str(media_root),
            "media": files,
        }
        partial = archive.with_suffix(".tar.partial")
        with tarfile.open(partial, "w") as tar:
            body = json.dumps(manifest, indent=2, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
            tar.addfile(info, io.BytesIO(body))
            tar.add(dump, arcname=dump_name)
            for entry in files:
                tar.add(media_root / entry["path"], arcname=f"{MEDIA}/{entry['path']}")
        partial.rename(archive)  # a half-written archive never has the final name
    return archive


def _manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    member = tar.extractfile(MANIFEST)
    if member is None:
        raise BackupError("The archive has no manifest.json.")
    manifest: dict[str, Any] = json.load(member)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown archive format {manifest.get('format')!r}.")
    return manifest


def _safe_member(name: str) -> str:
    path = Path(name)
    if path.is_absolute() or ".." in path.parts:
        raise BackupError(f"Unsafe path in the archive: {name}")
    return name


def verify(archive: Path, *, into: Path) -> dict[str, Any]:
    """Unpack into ``into`` and check every size and checksum; the manifest."""
    with tarfile.open(archive) as tar:
        manifest = _manifest(tar)
        expected = {manifest["database"]["file"]: manifest["database"]}
        expected.update({f"{MEDIA}/{f['path']}": f for f in manifest["media"]})
        found: set[str] = set()
        for member in tar.getmembers():
            if member.name == MANIFEST:
                continue
            name = _safe_member(member.name)
            if not member.isfile() or name not in expected:
                raise BackupError(f"Unexpected member in the archive: {name}")
            tar.extract(member, into, filter="data")
            found.add(name)
    missing = sorted(set(expected) - found)
    if missing:
        raise BackupError(f"Missing from the archive: {', '.join(missing[:10])}")
    for name, entry in expected.items():
        path = into / name
        if path.stat().st_size != entry["size"] or _sha256(path) != entry["sha256"]:
            raise BackupError(f"Checksum mismatch: {name}")
    return manifest


def restore(archive: Path, *, database: Database, media_root: Path, force: bool) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="dx-restore-") as scratch:
        unpacked = Path(scratch)
        manifest = verify(archive, into=unpacked)
        vendor = manifest["database"]["vendor"]
        if vendor != database.vendor:
            raise BackupError(f"The archive holds a {vendor} database, not {database.vendor}.")
        for entry in manifest["media"]:  # refuse before changing anything
            target = media_root / entry["path"]
            if target.exists() and _sha256(target) != entry["sha256"] and not force:
                raise BackupError(f"{target} exists and differs; restore with --force.")
        database_restore(database, unpacked / manifest["database"]["file"], force=force)
        for entry in manifest["media"]:
            target = media_root / entry["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(unpacked / MEDIA / entry["path"], target)
    return manifest


# --- the command ------------------------------------------------------------------------


def _settings() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("backup", help="write an archive of the database and media")
    make.add_argument("--output", type=Path, default=ROOT / "backups", help="directory")
    back = commands.add_parser("restore", help="restore an archive")
    back.add_argument("archive", type=Path)
    back.add_argument("--database-url", help="restore into this database (default: settings)")
    back.add_argument("--media-root", type=Path, help="restore the files here (default: settings)")
    back.add_argument("--force", action="store_true", help="replace what is there")
    check = commands.add_parser("verify", help="check an archive's checksums")
    check.add_argument("archive", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "verify":
            with tempfile.TemporaryDirectory(prefix="dx-verify-") as scratch:
                manifest = verify(args.archive, into=Path(scratch))
            print(
                f"{args.archive}: database ({manifest['database']['vendor']}) and "
                f"{len(manifest['media'])} media files, every checksum right"
            )
            return 0
        _settings()
        from django.conf import settings

        if args.command == "backup":
            archive = backup(
                output=args.output,
                database=Database.from_settings(),
                media_root=Path(settings.MEDIA_ROOT),
            )
            print(f"{archive} ({archive.stat().st_size:,} bytes)")
            return 0
        database = (
            Database.from_url(args.database_url) if args.database_url else Database.from_settings()
        )
        media_root: Path = args.media_root or Path(settings.MEDIA_ROOT)
        manifest = restore(args.archive, database=database, media_root=media_root, force=args.force)
        print(
            f"restored {database.vendor} database {database.name} and "
            f"{len(manifest['media'])} media files into {media_root} "
            f"(archive made {manifest['created_at']}); run migrate if the code is newer"
        )
        return 0
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

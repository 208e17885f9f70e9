"""Backups of a whole instance: the database and the stored documents, in one archive.

An archive is a gzip-compressed tar file holding:
- manifest.json: format, database vendor, date, the latest migration of each app, the number of
  rows of every table and the list of documents with their SHA-256;
- database.sqlite3 (SQLite, a consistent snapshot taken with SQLite's online backup API) or
  database.pgdump (PostgreSQL, pg_dump's custom format);
- media/: the stored documents.

A restore goes into an EMPTY database (a new SQLite file or a new PostgreSQL database), then checks
that every table holds the row count of the manifest and that every document is back with the same
hash. Archives contain personal data: keep them encrypted and access-controlled (see docs/backup.md).

The free text and the documents are stored encrypted (parcours.core.crypto) and go into the archive
as they are. The key file is never in the archive: it is kept apart, like the secret key. The
manifest names the keys by their fingerprint only; a restore checks that the key file at hand has
the key the instance was encrypting with, and that every encrypted value and document of the
restored database decrypts with it.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.conf import settings
from django.db import connection
from django.utils import timezone

from parcours.core import crypto
from parcours.core.fields import encrypted_fields
from parcours.core.storage import encrypted_file_fields

FORMAT = 1
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, in French."""


@dataclass(frozen=True)
class Target:
    """A database to restore into, described by a database URL."""

    vendor: str
    url: str
    path: Path | None = None  # SQLite file

    @classmethod
    def from_url(cls, url: str) -> "Target":
        config = dj_database_url.parse(url)
        engine = config["ENGINE"]
        if engine.endswith("sqlite3"):
            return cls("sqlite", url, Path(config["NAME"]))
        if "postgresql" in engine:
            return cls("postgresql", url)
        raise BackupError(f"Base de données non prise en charge : {engine}.")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_env_and_args(config: dict) -> tuple[dict, list[str]]:
    env = os.environ.copy()
    if config.get("PASSWORD"):
        env["PGPASSWORD"] = str(config["PASSWORD"])
    args = []
    if config.get("HOST"):
        args += ["--host", str(config["HOST"])]
    if config.get("PORT"):
        args += ["--port", str(config["PORT"])]
    if config.get("USER"):
        args += ["--username", str(config["USER"])]
    return env, args


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{command[0]} a échoué : {result.stderr.strip()[:500]}")


def table_counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 - names from the schema itself
        counts[table] = cursor.fetchone()[0]
    return counts


def media_files(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {str(path.relative_to(root)): _sha256(path) for path in sorted(root.rglob("*")) if path.is_file()}


def _sqlite_snapshot(dump: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Copy the live SQLite database to `dump` (online backup API: consistent, WAL included) and
    count the rows of the copy itself, so the manifest describes exactly what is archived."""
    target = sqlite3.connect(dump)
    try:
        connection.connection.backup(target)
        tables = [
            row[0]
            for row in target.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = table_counts(target.cursor(), tables)
        migrations = dict(target.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app"))
    finally:
        target.close()
    return counts, migrations


def _postgresql_snapshot(dump: Path) -> tuple[dict[str, int], dict[str, str]]:
    """pg_dump and the row counts read the same exported snapshot, so that writes made meanwhile by
    the running application are in neither."""
    import psycopg

    config = connection.settings_dict
    env, args = _pg_env_and_args(config)
    with psycopg.connect(
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        dbname=config["NAME"],
    ) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.transaction(), conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            counts = table_counts(cursor, [row[0] for row in cursor.fetchall()])
            cursor.execute("SELECT app, MAX(name) FROM django_migrations GROUP BY app")
            migrations = dict(cursor.fetchall())
            _run(
                [
                    "pg_dump",
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    *args,
                    "--file",
                    str(dump),
                    config["NAME"],
                ],
                env,
            )
    return counts, migrations


def create_backup(output: Path) -> dict:
    """Write an archive of the current database and documents to `output`; return the manifest."""
    connection.ensure_connection()
    vendor = connection.vendor
    media_root = Path(settings.MEDIA_ROOT)
    if crypto.key_file().resolve().is_relative_to(media_root.resolve()):
        raise BackupError(
            "Le fichier des clés de chiffrement est dans le dossier des documents : il ne doit pas entrer "
            "dans la sauvegarde. Déplacez-le (PARCOURS_DATA_KEYS_FILE)."
        )
    with tempfile.TemporaryDirectory(prefix="parcours-backup-") as workdir:
        work = Path(workdir)
        if vendor == "sqlite":
            dump = work / SQLITE_MEMBER
            counts, migrations = _sqlite_snapshot(dump)
        elif vendor == "postgresql":
            dump = work / PG_MEMBER
            counts, migrations = _postgresql_snapshot(dump)
        else:
            raise BackupError(f"Base de données non prise en charge : {vendor}.")
        manifest = {
            "format": FORMAT,
            "vendor": vendor,
            "created_at": timezone.now().isoformat(),
            "migrations": migrations,
            "tables": counts,
            "media": media_files(media_root),
            "data_keys": [crypto.fingerprint(key) for key in crypto.load_keys()],
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partiel")
        with tarfile.open(partial, "w:gz") as archive:
            payload = json.dumps(manifest, indent=2, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(payload)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(payload))
            archive.add(dump, arcname=dump.name)
            for name in manifest["media"]:
                archive.add(media_root / name, arcname=f"media/{name}")
        os.chmod(partial, 0o600)
        partial.replace(output)  # a reader never sees a half-written archive
    return manifest


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.extractfile(MANIFEST)
    except KeyError as exc:
        raise BackupError("Ce fichier n'est pas une sauvegarde Parcours (manifeste absent).") from exc
    manifest = json.load(member)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Format de sauvegarde inconnu : {manifest.get('format')}.")
    return manifest


def _target_is_empty(target: Target) -> bool:
    if target.vendor == "sqlite":
        if not target.path.exists() or target.path.stat().st_size == 0:
            return True
        with sqlite3.connect(target.path) as conn:
            return not conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    import psycopg

    with psycopg.connect(_psycopg_url(target.url)) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
        return row[0] == 0


def _psycopg_url(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(scheme="postgresql").geturl()


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for member in archive.getmembers():
        name = member.name
        if name.startswith("/") or ".." in Path(name).parts or not (member.isfile() or member.isdir()):
            raise BackupError(f"Archive refusée : chemin suspect « {name} ».")
        members.append(member)
    return members


def restore_backup(source: Path, target: Target, media_root: Path) -> dict:
    """Restore the archive into the empty target database and media folder; check every count.
    Returns the manifest; raises BackupError (in French) when anything does not match."""
    if not source.exists():
        raise BackupError(f"Sauvegarde introuvable : {source}.")
    with tarfile.open(source, "r:gz") as archive:
        manifest = read_manifest(archive)
        check_key_file(manifest)
        if manifest["vendor"] != target.vendor:
            raise BackupError(
                f"Cette sauvegarde vient d'une base {manifest['vendor']} ; la cible est {target.vendor}."
            )
        if not _target_is_empty(target):
            raise BackupError("La base cible n'est pas vide : restaurez dans une base neuve.")
        if media_root.exists() and any(media_root.rglob("*")):
            raise BackupError(f"Le dossier des documents n'est pas vide : {media_root}.")
        members = _safe_members(archive)
        with tempfile.TemporaryDirectory(prefix="parcours-restore-") as workdir:
            work = Path(workdir)
            archive.extractall(work, members=members, filter="data")
            if target.vendor == "sqlite":
                target.path.parent.mkdir(parents=True, exist_ok=True)
                source_db = sqlite3.connect(work / SQLITE_MEMBER)
                destination = sqlite3.connect(target.path)
                try:
                    source_db.backup(destination)
                finally:
                    source_db.close()
                    destination.close()
            else:
                config = dj_database_url.parse(target.url)
                env, args = _pg_env_and_args(config)
                _run(
                    [
                        "pg_restore",
                        "--no-owner",
                        "--no-privileges",
                        "--single-transaction",
                        "--exit-on-error",
                        *args,
                        "--dbname",
                        config["NAME"],
                        str(work / PG_MEMBER),
                    ],
                    env,
                )
            if (work / "media").exists():
                media_root.mkdir(parents=True, exist_ok=True)
                shutil.copytree(work / "media", media_root, dirs_exist_ok=True)
    check_restore(manifest, target, media_root)
    return manifest


def check_key_file(manifest: dict) -> None:
    """Before anything is written: the key file at hand must hold the key that was encrypting."""
    fingerprints = manifest.get("data_keys")
    if not fingerprints:  # an archive made before encryption at rest
        return
    present = {crypto.fingerprint(key) for key in crypto.load_keys()}
    if fingerprints[0] not in present:
        raise BackupError(
            f"Le fichier de clés {crypto.key_file()} n'a pas la clé de chiffrement de cette sauvegarde "
            f"({fingerprints[0]}) : indiquez par PARCOURS_DATA_KEYS_FILE le fichier de clés de l'instance "
            "sauvegardée (ou sa copie faite avant une rotation)."
        )


def _undecryptable(cursor, media_root: Path) -> tuple[int, int]:
    """Encrypted values and documents of the restored database that the key file cannot decrypt."""
    values = 0
    for model, field in encrypted_fields():
        cursor.execute(
            f'SELECT "{field.column}" FROM "{model._meta.db_table}"'  # noqa: S608 - names from the models
        )
        while rows := cursor.fetchmany(1000):
            values += sum(1 for (token,) in rows if token and not crypto.is_encrypted_text(token))
    documents = 0
    for model, field in encrypted_file_fields():
        cursor.execute(f'SELECT "{field.column}" FROM "{model._meta.db_table}"')  # noqa: S608 - idem
        for (name,) in cursor.fetchall():
            path = media_root / name
            if name and path.is_file() and not crypto.is_encrypted_bytes(path.read_bytes()):
                documents += 1
    return values, documents


def check_restore(manifest: dict, target: Target, media_root: Path) -> None:
    encrypted = bool(manifest.get("data_keys"))
    if target.vendor == "sqlite":
        conn = sqlite3.connect(target.path)
        try:
            counts = table_counts(conn.cursor(), list(manifest["tables"]))
            unreadable = _undecryptable(conn.cursor(), media_root) if encrypted else (0, 0)
        finally:
            conn.close()
    else:
        import psycopg

        with psycopg.connect(_psycopg_url(target.url)) as conn, conn.cursor() as cursor:
            counts = table_counts(cursor, list(manifest["tables"]))
            unreadable = _undecryptable(cursor, media_root) if encrypted else (0, 0)
    wrong = {
        table: (expected, counts.get(table))
        for table, expected in manifest["tables"].items()
        if counts.get(table) != expected
    }
    if wrong:
        details = ", ".join(
            f"{table} : {got} au lieu de {expected}" for table, (expected, got) in wrong.items()
        )
        raise BackupError(f"Restauration incomplète : {details}.")
    restored = media_files(media_root)
    missing = [name for name, digest in manifest["media"].items() if restored.get(name) != digest]
    if missing:
        raise BackupError(f"Documents manquants ou altérés après restauration : {len(missing)}.")
    if any(unreadable):
        raise BackupError(
            f"Données restaurées illisibles avec le fichier de clés {crypto.key_file()} : {unreadable[0]} "
            f"textes et {unreadable[1]} documents. Indiquez le fichier de clés de l'instance sauvegardée."
        )

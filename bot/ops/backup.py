"""``dialog-keeper backup`` and ``restore``: the database, the Qdrant collections and the kept uploads, in one folder.

A backup is written into a hidden sibling folder and renamed into place once ``manifest.json`` (versions,
schema revision, sizes, SHA-256 of every file) is complete, so a folder with a manifest is a whole backup.
The database is copied first, then the vectors under the index lock; a restore re-embeds or prunes whatever
an ingest in between left out of step (``reindex``), so the two always agree afterwards.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import shutil
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.ops import backup_db, backup_vectors

if TYPE_CHECKING:
    from bot.container import Container

log = logging.getLogger(__name__)

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"  # in the backup: the data directory's kept files, folder by folder
KEPT = ("media", "uploads")  # voice notes and audio (media/), documents admins sent (uploads/)
NIGHTLY_PREFIX = "dk-"


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is one sentence for the admin."""


@dataclass(frozen=True)
class BackupResult:
    """Where a backup went and what it holds."""

    folder: Path
    manifest: dict[str, Any]

    def summary(self) -> str:
        """One line: sizes, counts and time."""
        m = self.manifest
        points = sum(c["points"] for c in m["qdrant"]["collections"])
        return (f"backup {self.folder}: database {m['database']['kind']} ({_mib(m['database']['bytes'])}), "
                f"{points} vectors in {len(m['qdrant']['collections'])} collection(s), "
                f"{m['uploads']['files']} upload(s); {_mib(m['bytes'])} in {m['seconds']:.1f} s")


def create(container: Container, out: Path) -> BackupResult:
    """Write one consistent backup of this install into ``out`` (which must not exist or be empty)."""
    out = out.resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} is not an empty folder: choose a new one for the backup")
    settings = container.settings
    started, at = time.perf_counter(), datetime.now(UTC)
    work = out.with_name(f".{out.name}.partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        container.engine  # noqa: B018  # migrations applied, so the revision is the code's
        try:
            database = backup_db.dump(settings.db_url, work)
        except backup_db.DatabaseBackupError as exc:
            raise BackupError(str(exc)) from exc
        with container.vector_lock():
            collections = backup_vectors.dump_collections(container.qdrant, settings.qdrant.collection_prefix,
                                                          work / "qdrant")
        uploads = sum(_copy_tree(settings.data_dir / kept, work / UPLOADS / kept) for kept in KEPT)
        files = _describe_files(work)
        database["bytes"] = next(f["bytes"] for f in files if f["path"] == database["file"])
        manifest = {
            "format": FORMAT, "created_at": at.isoformat(), "finished_at": datetime.now(UTC).isoformat(),
            "seconds": round(time.perf_counter() - started, 3), "versions": _versions(),
            "database": database,
            "qdrant": {"mode": "server" if settings.qdrant.url else "local", "collections": collections},
            "uploads": {"dir": UPLOADS, "files": uploads},
            "files": files, "bytes": sum(f["bytes"] for f in files),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
        if out.exists():
            out.rmdir()
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("backup written to %s: %d bytes in %.1f s", out, manifest["bytes"], manifest["seconds"])
    return BackupResult(out, manifest)


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of a backup folder, its files checked against their sizes and checksums."""
    path = source / MANIFEST
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise BackupError(f"{source} is not a backup: it has no {MANIFEST}") from exc
    except json.JSONDecodeError as exc:
        raise BackupError(f"{path} is damaged: {exc.msg}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} has format {manifest.get('format')!r}; this version reads format {FORMAT}")
    for entry in manifest["files"]:
        file = source / entry["path"]
        if not file.is_file() or file.stat().st_size != entry["bytes"] or _sha256(file) != entry["sha256"]:
            raise BackupError(f"{file} is missing or differs from the manifest: the backup is damaged")
    return manifest


def why_not_empty(container: Container) -> str | None:
    """What this install already holds (None when it is empty and a restore may write into it)."""
    settings = container.settings
    rows = backup_db.rows_in_use(settings.db_url)
    if rows:
        return f"the database holds {rows} rows"
    used = backup_vectors.points_in_use(container.qdrant, settings.qdrant.collection_prefix)
    if used:
        return f"Qdrant holds {sum(used.values())} vectors in {', '.join(used)}"
    for kept in KEPT:
        folder = settings.data_dir / kept
        files = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
        if files:
            return f"{folder} holds {files} kept files"
    return None


def restore(container: Container, source: Path) -> dict[str, Any]:
    """Bring a backup back into this empty install; its manifest."""
    source = source.resolve()
    manifest = read_manifest(source)
    reason = why_not_empty(container)
    if reason is not None:
        raise BackupError(f"restore writes only into an empty install, and this one is not: {reason}.")
    settings = container.settings
    try:
        backup_db.load(settings.db_url, source, manifest["database"])
    except backup_db.DatabaseBackupError as exc:
        raise BackupError(str(exc)) from exc
    container.engine  # noqa: B018  # migrations bring an older backup's schema up to this version
    backup_vectors.load_collections(container.qdrant, source, manifest["qdrant"]["collections"],
                                    container.collection_layout)
    for kept in KEPT:
        _copy_tree(source / manifest["uploads"]["dir"] / kept, settings.data_dir / kept)
    _reconcile(container, manifest)
    return manifest


def _reconcile(container: Container, manifest: dict[str, Any]) -> None:
    """Re-embed or prune chunks an ingest running during the backup left in one store and not the other."""
    from sqlmodel import Session, select

    from bot.store.models import ChunkRecord

    with Session(container.engine) as session:
        chunks = set(session.exec(select(ChunkRecord.id)))
    restored = [c["name"] for c in manifest["qdrant"]["collections"]]
    if not chunks and not restored:
        return
    current = container.index.collection
    if current in restored and backup_vectors.point_ids(container.qdrant, current) == chunks:
        return
    result = container.ingest.reindex(prune=True)
    log.info("restore reconciled %s: %d re-embedded, %d pruned", result.collection, result.reembedded,
             result.pruned)


def nightly(container: Container) -> BackupResult:
    """The scheduler's backup: a dated folder under DK_BACKUP__DIR, then backups older than KEEP_DAYS go."""
    cfg = container.settings.backup
    if cfg.dir is None:
        raise BackupError("DK_BACKUP__DIR is not set")
    name = f"{NIGHTLY_PREFIX}{datetime.now(UTC):%Y%m%d-%H%M%S}"
    out, n = cfg.dir / name, 1
    while out.exists():  # a second run within the same second (by hand, or a catch-up after a restart)
        n += 1
        out = cfg.dir / f"{name}-{n}"
    result = create(container, out)
    removed = prune(cfg.dir, keep_days=cfg.keep_days)
    if removed:
        log.info("removed %d backup(s) older than %d days", len(removed), cfg.keep_days)
    return result


def prune(directory: Path, *, keep_days: int, now: datetime | None = None) -> list[Path]:
    """Remove nightly backups finished more than ``keep_days`` ago (never the newest one)."""
    backups = _finished(directory)
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    removed = [path for path, finished in backups[:-1] if finished < cutoff]
    for path in removed:
        shutil.rmtree(path)
    return removed


def latest(directory: Path) -> tuple[Path, datetime] | None:
    """The newest complete backup under ``directory`` and when it finished."""
    backups = _finished(directory)
    return backups[-1] if backups else None


def _finished(directory: Path) -> list[tuple[Path, datetime]]:
    found = []
    for path in directory.glob(f"{NIGHTLY_PREFIX}*") if directory.is_dir() else []:
        try:
            found.append((path, datetime.fromisoformat(json.loads((path / MANIFEST).read_text())["finished_at"])))
        except (OSError, ValueError, KeyError):
            continue  # not a complete backup
    return sorted(found, key=lambda item: item[1])


def _copy_tree(source: Path, target: Path) -> int:
    """Copy every file under ``source`` into ``target``; how many."""
    count = 0
    for file in sorted(source.rglob("*")) if source.is_dir() else []:
        if file.is_file():
            destination = target / file.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, destination)
            count += 1
    return count


def _describe_files(root: Path) -> list[dict[str, Any]]:
    return [{"path": str(f.relative_to(root)), "bytes": f.stat().st_size, "sha256": _sha256(f)}
            for f in sorted(root.rglob("*")) if f.is_file()]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for package in ("dialog-keeper", "qdrant-client", "sqlalchemy", "alembic"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _mib(size: int) -> str:
    return f"{size / 2**20:.2f} MiB"

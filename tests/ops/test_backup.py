"""`dialog-keeper backup` / `restore` through real parts: SQLite or PostgreSQL, local-mode Qdrant, the data dir.

The end-to-end drill with the bot, the ticket worker and a pending message is tests/ops/test_restore_drill.py;
this file covers the pieces: the manifest, the refusals, a damaged backup, retention and the age alert.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.container import Container
from bot.ops import backup
from bot.ops.checks import check_backup
from tests.conftest import SAMPLE_KB, make_settings

QUESTION = "How many vacation days do I get per year?"


def _filled(data_dir: Path, **overrides: object) -> Container:
    container = Container(make_settings(data_dir, **overrides))
    for name in ("vacation-policy.md", "expenses.md"):
        container.ingest.ingest_file(SAMPLE_KB / "en" / name)
    upload = data_dir / "media" / "-100500" / "7.md"
    upload.parent.mkdir(parents=True)
    upload.write_text("# Parking\n\n42 spaces on level -2.\n")
    return container


def _top(container: Container) -> list[str]:
    vector = container.index.embed_query(QUESTION)
    return [h.node.node_id for h in container.index.search(vector, top_k=4, query=QUESTION)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_backup_restores_into_an_empty_install_and_refuses_a_used_one(
        backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else None
    source = _filled(tmp_path / "old", **({"database_url": url} if url else {}))
    before, chunks = _top(source), source.index.count()
    result = backup.create(source, tmp_path / "backup")
    manifest = result.manifest
    assert json.loads((tmp_path / "backup/manifest.json").read_text()) == manifest
    assert manifest["database"]["kind"] == backend and manifest["database"]["schema_revision"]
    assert manifest["qdrant"]["collections"][0]["points"] == chunks
    assert manifest["uploads"]["files"] == 1 and manifest["versions"]["qdrant-client"]
    assert {f["path"] for f in manifest["files"]} >= {manifest["database"]["file"], "uploads/media/-100500/7.md"}
    assert result.summary().startswith(f"backup {tmp_path / 'backup'}: database {backend}")

    with pytest.raises(backup.BackupError, match="not an empty folder"):
        backup.create(source, tmp_path / "backup")
    with pytest.raises(backup.BackupError, match=r"^restore writes only into an empty install.*rows\.$"):
        backup.restore(source, tmp_path / "backup")
    source.close_sync()

    target_url = _empty_twin(url) if url else None  # the "new server": a second, empty database
    target = Container(make_settings(tmp_path / "new", **({"database_url": target_url} if target_url else {})),
                       embed_model=source.embed_model)
    target.engine  # noqa: B018  # a started, empty install: migrated tables without rows
    backup.restore(target, tmp_path / "backup")
    assert target.index.count() == chunks and _top(target) == before, "the same question finds the same chunks"
    assert [d.title for d in target.ingest.list_documents()] == [d.title for d in source.ingest.list_documents()]
    assert (tmp_path / "new/media/-100500/7.md").read_text().startswith("# Parking")
    target.close_sync()


def _empty_twin(url: str) -> str:
    """A second, empty PostgreSQL database on the same server."""
    import uuid

    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = f"{parsed.database}_r{uuid.uuid4().hex[:4]}"
    admin = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed.set(database=name).render_as_string(hide_password=False)


def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    source = _filled(tmp_path / "old")
    backup.create(source, tmp_path / "backup")
    source.close_sync()
    file = next((tmp_path / "backup/qdrant").iterdir())
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size
    file.write_bytes(bytes(data))
    target = Container(make_settings(tmp_path / "new"))
    with pytest.raises(backup.BackupError, match="differs from the manifest"):
        backup.restore(target, tmp_path / "backup")
    with pytest.raises(backup.BackupError, match="is not a backup"):
        backup.restore(target, tmp_path)
    assert not (tmp_path / "new/dialog_keeper.db").exists()
    target.close_sync()


def test_nightly_keeps_keep_days_and_the_check_alerts_on_age(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    container = _filled(tmp_path / "data", backup={"dir": folder, "keep_days": 14})
    assert not check_backup(container).ok and "no backup" in check_backup(container).detail
    first = backup.nightly(container)
    assert first.folder.parent == folder and first.folder.name.startswith("dk-")
    fresh = check_backup(container)
    assert fresh.ok and fresh.data["age_h"] < 1

    # Age the backup by editing its manifest (as if it was written 20 days ago): the check fails, and the
    # next nightly run removes it once a newer one exists.
    manifest = json.loads((first.folder / "manifest.json").read_text())
    manifest["finished_at"] = (datetime.now(UTC) - timedelta(days=20)).isoformat()
    (first.folder / "manifest.json").write_text(json.dumps(manifest))
    stale = check_backup(container)
    assert not stale.ok and "older than 24 h" in stale.detail
    os.utime(first.folder)
    second = backup.nightly(container)
    assert [p.name for p in folder.iterdir()] == [second.folder.name]
    assert backup.prune(folder, keep_days=1, now=datetime.now(UTC) + timedelta(days=30)) == [], "never the newest"
    container.close_sync()


def test_off_without_a_folder(tmp_path: Path) -> None:
    container = Container(make_settings(tmp_path))
    result = check_backup(container)
    assert result.ok and "DK_BACKUP__DIR" in result.detail

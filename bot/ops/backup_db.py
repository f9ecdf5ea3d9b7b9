"""The database part of a backup: SQLite's online backup API, or pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.store.db import make_engine

SQLITE_FILE = "database.sqlite"
POSTGRES_FILE = "database.pgdump"


class DatabaseBackupError(Exception):
    """A dump or a load failed; the message is one sentence for the admin."""


def kind(url: str) -> str:
    """``sqlite`` or ``postgresql``."""
    return make_url(url).get_backend_name()


def schema_revision(url: str) -> str | None:
    """The Alembic revision the database is at (None before the first migration)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def rows_in_use(url: str) -> int:
    """Rows in every table but Alembic's: zero for an empty install (even one that ran its migrations)."""
    if kind(url) == "sqlite" and not _sqlite_path(url).exists():
        return 0
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = [name for name in inspect(conn).get_table_names() if name != "alembic_version"]
            return sum(conn.execute(text(f'SELECT COUNT(*) FROM "{name}"')).scalar() or 0 for name in tables)
    finally:
        engine.dispose()


def dump(url: str, target: Path) -> dict[str, Any]:
    """Write the database into ``target`` (a directory); what was written, for the manifest."""
    backend = kind(url)
    if backend == "sqlite":
        file = target / SQLITE_FILE
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(file)
        try:
            with copy:
                source.backup(copy)  # a consistent copy while the bot keeps writing (WAL)
            version = sqlite3.sqlite_version
        finally:
            copy.close()
            source.close()
    elif backend == "postgresql":
        file = target / POSTGRES_FILE
        _pg("pg_dump", url, "--format=custom", "--no-owner", "--no-privileges", f"--file={file}")
        version = _pg("pg_dump", url, "--version").strip()
    else:
        raise DatabaseBackupError(f"backups support SQLite and PostgreSQL, not {backend}")
    return {"kind": backend, "file": file.name, "tool": version, "schema_revision": schema_revision(url)}


def load(url: str, source: Path, described: dict[str, Any]) -> None:
    """Bring a dumped database back into the empty database at ``url`` (tables left by migrations are dropped)."""
    backend = kind(url)
    if backend != described["kind"]:
        raise DatabaseBackupError(f"the backup holds a {described['kind']} database but DK_DATABASE_URL is "
                                  f"{backend}: restore into the same kind of database")
    file = source / described["file"]
    if backend == "sqlite":
        path = _sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)  # empty (checked before): a schema without rows
        copy, target = sqlite3.connect(file), sqlite3.connect(path)
        try:
            with target:
                copy.backup(target)
        finally:
            target.close()
            copy.close()
        return
    _drop_empty_tables(url)
    _pg("pg_restore", url, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
        str(file))


def _drop_empty_tables(url: str) -> None:
    engine = make_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        metadata.drop_all(engine)
    except SQLAlchemyError as exc:
        raise DatabaseBackupError(f"could not clear the empty schema before the restore: {exc}") from exc
    finally:
        engine.dispose()


def _sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def _pg(tool: str, url: str, *args: str) -> str:
    """Run a PostgreSQL client tool against ``url`` (the password travels in the environment, not argv)."""
    if shutil.which(tool) is None:
        raise DatabaseBackupError(f"{tool} is not installed: install postgresql-client (scripts/install.sh does)")
    parsed: URL = make_url(url)
    dsn = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    command = [tool, *args] if "--version" in args else [tool, f"--dbname={dsn}", *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise DatabaseBackupError(f"{tool} failed: {detail}")
    return result.stdout

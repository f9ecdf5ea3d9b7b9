"""Start, probe and stop the embedded llama.cpp server (OpenAI-compatible) on loopback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from inference.embeddings import require_model_dir
from inference.served import check_served_model


class ServerStartError(RuntimeError):
    """The server did not become ready."""


def server_command(*, model_path: Path, host: str, port: int, n_ctx: int, threads: int,
                   alias: str) -> list[str]:
    """The command line of ``llama_cpp.server`` for these settings."""
    return [sys.executable, "-m", "llama_cpp.server", "--model", str(model_path),
            "--model_alias", alias, "--host", host, "--port", str(port), "--n_ctx", str(n_ctx),
            "--n_threads", str(threads), "--n_threads_batch", str(threads), "--verbose", "False",
            # by default a new request cuts off the one being streamed; concurrent users must queue instead
            "--interrupt_requests", "False"]


def is_ready(base_url: str, timeout_s: float = 1.0) -> bool:
    """Whether an OpenAI-compatible server answers ``GET /models`` at ``base_url``."""
    return check_served_model(base_url, None, None, timeout_s=timeout_s).ok


def start(command: list[str], *, model_path: Path, base_url: str, log_path: Path,
          timeout_s: float) -> subprocess.Popen[bytes]:
    """Start the server in its own process group and wait until it serves requests."""
    require_model_dir(model_path.parent, what="LLM (GGUF)", marker=model_path.name)
    if is_ready(base_url):  # else we would mistake another server on that port for ours
        raise ServerStartError(f"something already answers at {base_url}; stop it or choose another port")
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerStartError(f"llama.cpp server exited with code {process.returncode}; see {log_path}")
        if is_ready(base_url):
            return process
        time.sleep(0.25)
    stop(process.pid)
    raise ServerStartError(f"llama.cpp server not ready after {timeout_s:.0f}s; see {log_path}")


def stop(pid: int, timeout_s: float = 10.0) -> bool:
    """Stop the server's process group; False if it was not running."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # reap it if it is our child, so it does not linger as a zombie
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.1)
    os.killpg(pid, signal.SIGKILL)
    return True

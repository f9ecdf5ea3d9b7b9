"""`dialog-keeper llm-server start|stop|status`: the embedded llama.cpp server with a pidfile."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.settings import Settings
from inference import llama_server


def _pidfile(settings: Settings) -> Path:
    return settings.data_dir / "llama-server.pid"


def _command(settings: Settings) -> list[str]:
    cfg = settings.llama_server
    return llama_server.server_command(model_path=cfg.model_path, host=cfg.host, port=cfg.port,
                                       n_ctx=cfg.n_ctx, threads=cfg.threads, alias=settings.llm.model)


def start_embedded(settings: Settings, *, log_path: Path) -> subprocess.Popen[bytes]:
    """Start the server the settings describe and wait until it answers at ``settings.llm.base_url``."""
    return llama_server.start(_command(settings), model_path=settings.llama_server.model_path,
                              base_url=settings.llm.base_url, log_path=log_path,
                              timeout_s=settings.llama_server.start_timeout_s)


def start(settings: Settings, *, foreground: bool = False) -> int:
    """Start the server (or find it already running) and wait until it answers."""
    base_url = settings.llm.base_url
    if llama_server.is_ready(base_url):
        print(f"LLM server already answering at {base_url}")
        return 0
    if foreground:
        return subprocess.call(_command(settings))
    log_path = settings.data_dir / "llama-server.log"
    try:
        process = start_embedded(settings, log_path=log_path)
    except llama_server.ServerStartError as exc:
        print(f"LLM server failed to start: {exc}")
        return 3
    _pidfile(settings).write_text(str(process.pid))
    print(f"LLM server started (pid {process.pid}) at {base_url}; log: {log_path}")
    return 0


def stop(settings: Settings, *, foreground: bool = False) -> int:
    """Stop the server started by ``start``."""
    pidfile = _pidfile(settings)
    if not pidfile.exists():
        print("LLM server: no pidfile, nothing to stop")
        return 0
    stopped = llama_server.stop(int(pidfile.read_text()))
    pidfile.unlink()
    print("LLM server stopped" if stopped else "LLM server was not running")
    return 0


def status(settings: Settings, *, foreground: bool = False) -> int:
    """Print whether the server answers; exit 0 only if it does."""
    ready = llama_server.is_ready(settings.llm.base_url)
    pid = _pidfile(settings).read_text() if _pidfile(settings).exists() else "?"
    print(f"LLM server at {settings.llm.base_url}: {'ready' if ready else 'not answering'} (pid {pid})")
    return 0 if ready else 1

"""CLI start-up: wall time from launching ``dialog-keeper ask`` to its first printed token.

Builds a scratch knowledge base (``samples/handbook``, SQLite, local Qdrant, the configured embedding
model), starts the embedded llama.cpp server once, then launches ``python -m bot ask QUESTION``
``--runs`` times per question (after one unmeasured warm-up) and reads its standard output as it comes:
``first_token_s`` is launch → first byte on stdout (the first streamed token), ``total_s`` launch → exit.
One extra run under ``python -X importtime`` lists the slowest imports of the ask path.

``--code-root`` runs another checkout's code (e.g. an export of an older commit) against the same
models, so a before/after comparison runs on the same machine in one session; ``--label`` names the
entry in ``results/cli_startup.json`` (other labels in the file are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = {"en": "How many vacation days do I get per year?",
             "ru": "Сколько дней отпуска положено в год?"}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timed_ask(env: dict[str, str], cwd: Path, question: str, *, timeout_s: float = 120.0) -> dict[str, Any]:
    """Launch ``ask`` once; seconds to the first byte on stdout and to exit, and the exit code."""
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bot", "ask", question], env=env, cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    assert process.stdout is not None
    first = process.stdout.read(1)  # blocks until the CLI prints its first streamed piece
    first_s = time.perf_counter() - started
    rest, err = process.communicate(timeout=timeout_s)
    return {"first_token_s": round(first_s, 3), "total_s": round(time.perf_counter() - started, 3),
            "exit": process.returncode, "printed": (first + rest).decode("utf-8", "replace")[:120],
            "stderr": err.decode("utf-8", "replace")[-300:] if process.returncode else ""}


def slowest_imports(env: dict[str, str], cwd: Path, question: str, top: int = 12) -> list[dict[str, Any]]:
    """The top-level packages with the largest cumulative import time on the ask path (``-X importtime``)."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot", "ask", question], env=env, cwd=cwd,
                            capture_output=True, text=True, timeout=120)
    totals: dict[str, int] = {}
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match.group(2)) == 1:  # top-level imports only (one space of indentation)
            name = match.group(3).split(".")[0]
            totals[name] = totals.get(name, 0) + int(match.group(1))
    ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:top]
    return [{"package": name, "cumulative_ms": round(us / 1000, 1)} for name, us in ranked]


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Ingest, start the LLM server, time ``ask`` ``--runs`` times per question."""
    code_root = Path(args.code_root).resolve()
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PYTHONPATH": str(code_root), "DK_DATA_DIR": tmp,
               "DK_LLM__BASE_URL": f"http://127.0.0.1:{port}/v1", "DK_LLAMA_SERVER__PORT": str(port),
               "DK_LLAMA_SERVER__MODEL_PATH": str(ROOT / "models/dev/smollm2-135m-instruct/model.gguf"),
               "DK_LLM__MAX_TOKENS": "16"}
        env.update(dict(pair.split("=", 1) for pair in args.env))
        cwd = Path(tmp)  # no .env file there: only the variables above apply
        bot = [sys.executable, "-m", "bot"]
        subprocess.run([*bot, "ingest", str(ROOT / "samples/handbook")], env=env, cwd=cwd, check=True,
                       capture_output=True)
        subprocess.run([*bot, "llm-server", "start"], env=env, cwd=cwd, check=True, capture_output=True)
        try:
            runs: dict[str, list[dict[str, Any]]] = {}
            for lang, question in QUESTIONS.items():
                timed_ask(env, cwd, question)  # warm-up: page cache, the server's first prompt
                runs[lang] = [timed_ask(env, cwd, question) for _ in range(args.runs)]
            imports = slowest_imports(env, cwd, QUESTIONS["en"])
        finally:
            subprocess.run([*bot, "llm-server", "stop"], env=env, cwd=cwd, capture_output=True)
    every = [r for rs in runs.values() for r in rs]
    firsts = [r["first_token_s"] for r in every]
    return {"label": args.label, "code_root": str(code_root), "env": args.env,
            "git_commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                         cwd=ROOT).stdout.strip(),
            "host": {"machine": platform.machine(), "python": platform.python_version(), "cpus": os.cpu_count(),
                     "load_1min_at_end": round(os.getloadavg()[0], 2)},
            "first_token_s": {"median": round(statistics.median(firsts), 3), "min": min(firsts), "max": max(firsts)},
            "total_s_median": round(statistics.median(r["total_s"] for r in every), 3),
            "failed_runs": sum(r["exit"] != 0 for r in every),
            "runs": runs, "slowest_imports": imports}


def main() -> None:
    """Parse arguments, run, merge the entry into the JSON file, print a summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="measured runs per question (after one warm-up)")
    parser.add_argument("--label", default="current")
    parser.add_argument("--code-root", default=str(ROOT), help="checkout whose code runs (default: this one)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="extra DK_* settings")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results/cli_startup.json"))
    args = parser.parse_args()
    entry = run(args)
    out = Path(args.out)
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"benchmark": "cli_startup"}
    data.setdefault("entries", {})[args.label] = entry
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.label}: first token median {entry['first_token_s']['median']} s "
          f"(min {entry['first_token_s']['min']}, max {entry['first_token_s']['max']}), "
          f"total median {entry['total_s_median']} s, failed runs {entry['failed_runs']}")
    for item in entry["slowest_imports"][:8]:
        print(f"  import {item['package']:28} {item['cumulative_ms']:8.1f} ms")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

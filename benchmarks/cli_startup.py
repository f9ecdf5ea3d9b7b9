"""CLI start-up: wall time from launching ``dialog-keeper ask`` to its first printed token.

Builds a scratch knowledge base (``samples/handbook``, SQLite, local Qdrant, the configured embedding
model), starts the embedded llama.cpp server once, then launches ``python -m bot ask QUESTION``
``--runs`` times per question (after one unmeasured warm-up) and reads its standard output as it comes:
``first_token_s`` is launch → first byte on stdout (the first streamed token), ``total_s`` launch → exit.
One extra run under ``python -X importtime`` lists the slowest imports of the ask path. The warm-up
lets the server see the prompt once, so the measured runs time the CLI's start-up, retrieval and a
cached prompt; a question the server has not seen adds its prompt evaluation (several seconds for
~2 000 prompt tokens on this CPU, in the server, whatever the CLI does).

``--baseline-root`` adds another checkout's code (e.g. an export of an older commit) against the same
models and the same LLM server, timed in turns with this one (A B A B …) so that a change in the
machine's load hits both alike; ``--label`` / ``--baseline-label`` name the entries in
``results/cli_startup.json`` (other labels in the file are kept).
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


def _stack(code_root: Path, data_dir: Path, port: int, extra: list[str]) -> dict[str, str]:
    """The environment of one checkout's CLI: its code, its data directory, its LLM server's port."""
    env = {**os.environ, "PYTHONPATH": str(code_root), "DK_DATA_DIR": str(data_dir),
           "DK_LLM__BASE_URL": f"http://127.0.0.1:{port}/v1", "DK_LLAMA_SERVER__PORT": str(port),
           "DK_LLAMA_SERVER__MODEL_PATH": str(ROOT / "models/dev/smollm2-135m-instruct/model.gguf"),
           "DK_LLM__MAX_TOKENS": "16", "DK_MODELS_DIR": str(ROOT / "models")}
    env.update(dict(pair.split("=", 1) for pair in extra))
    # As on a user's machine, Python keeps the compiled modules it writes on the first (warm-up) run; a shell
    # with PYTHONDONTWRITEBYTECODE would recompile the whole bot package on every measured start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    """Ingest per checkout, start one LLM server, time ``ask`` in turns (A B A B …) per question."""
    roots = {args.label: Path(args.code_root).resolve()}
    if args.baseline_root:
        roots[args.baseline_label] = Path(args.baseline_root).resolve()
    bot = [sys.executable, "-m", "bot"]
    with tempfile.TemporaryDirectory() as tmp:
        envs = {}
        for label, root in roots.items():
            data_dir = Path(tmp) / label
            data_dir.mkdir()
            envs[label] = _stack(root, data_dir, _free_port(), args.env if label == args.label else args.baseline_env)
            # cwd = the data directory: no .env file there, only the variables above apply
            subprocess.run([*bot, "ingest", str(ROOT / "samples/handbook")], env=envs[label], cwd=data_dir,
                           check=True, capture_output=True)
            # A server per checkout: the two retrieve different sources, and a shared server would evaluate
            # each prompt anew (seconds on this CPU) instead of reusing the prompt it just saw.
            subprocess.run([*bot, "llm-server", "start"], env=envs[label], cwd=data_dir, check=True,
                           capture_output=True)
        runs: dict[str, dict[str, list[dict[str, Any]]]] = {label: {} for label in envs}
        imports: dict[str, list[dict[str, Any]]] = {}
        try:
            for lang, question in QUESTIONS.items():
                for label, env in envs.items():  # warm-up: page cache, the server's first prompt
                    timed_ask(env, Path(env["DK_DATA_DIR"]), question)
                    runs[label][lang] = []
                for _ in range(args.runs):  # in turns, so a change in the machine's load hits both alike
                    for label, env in envs.items():
                        runs[label][lang].append(timed_ask(env, Path(env["DK_DATA_DIR"]), question))
            for label, env in envs.items():
                imports[label] = slowest_imports(env, Path(env["DK_DATA_DIR"]), QUESTIONS["en"])
        finally:
            for env in envs.values():
                subprocess.run([*bot, "llm-server", "stop"], env=env, cwd=env["DK_DATA_DIR"], capture_output=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=ROOT).stdout.strip()
    entries = {}
    for label, root in roots.items():
        every = [r for rs in runs[label].values() for r in rs]
        firsts = [r["first_token_s"] for r in every]
        entries[label] = {
            "label": label, "code_root": str(root), "env": args.env if label == args.label else args.baseline_env,
            "git_commit": commit if root == ROOT else "see code_root",
            "host": {"machine": platform.machine(), "python": platform.python_version(), "cpus": os.cpu_count(),
                     "load_1min_at_end": round(os.getloadavg()[0], 2)},
            "first_token_s": {"median": round(statistics.median(firsts), 3), "min": min(firsts),
                              "max": max(firsts)},
            "total_s_median": round(statistics.median(r["total_s"] for r in every), 3),
            "failed_runs": sum(r["exit"] != 0 for r in every),
            "runs": runs[label], "slowest_imports": imports[label]}
    return entries


def main() -> None:
    """Parse arguments, run, merge the entry into the JSON file, print a summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="measured runs per question (after one warm-up)")
    parser.add_argument("--label", default="current")
    parser.add_argument("--code-root", default=str(ROOT), help="checkout whose code runs (default: this one)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="extra DK_* settings")
    parser.add_argument("--baseline-root", default=None,
                        help="a second checkout (e.g. an export of an older commit) timed in turns with this one")
    parser.add_argument("--baseline-label", default="before")
    parser.add_argument("--baseline-env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results/cli_startup.json"))
    args = parser.parse_args()
    entries = run(args)
    out = Path(args.out)
    data = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"benchmark": "cli_startup"}
    data.setdefault("entries", {}).update(entries)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    for label, entry in entries.items():
        print(f"{label}: first token median {entry['first_token_s']['median']} s "
              f"(min {entry['first_token_s']['min']}, max {entry['first_token_s']['max']}), "
              f"total median {entry['total_s_median']} s, failed runs {entry['failed_runs']}")
        for item in entry["slowest_imports"][:6]:
            print(f"  import {item['package']:28} {item['cumulative_ms']:8.1f} ms")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

"""A whole dialog with no network but loopback: run inside ``unshare -n`` by tests/privacy/test_egress.py.

Brings ``lo`` up, starts a scratch redis-server and the llama.cpp server on loopback, serves the Bot API
emulator in this process, and starts `dialog-keeper run` and `dialog-keeper worker` as processes. Then,
black-box through the emulator: an admin uploads a document (ingested), Alice asks a question (answered
with sources) and sends a voice note (transcribed by the worker, answered). Every Python process carries
the socket guard (PYTHONPATH, DK_EGRESS_LOG). Writes what it saw to ``--result`` as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import json
import os
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.bot_api_emulator import BotApiEmulator  # noqa: E402  # after the path is set

ADMIN_ID, ALICE_ID = 700, 701
QUESTION = "How many days of paid vacation does every employee get per year?"
SPOKEN = "How many vacation days do I get per year?"


def loopback_up() -> None:
    """``ip link set lo up`` without iproute2 (SIOCGIFFLAGS / SIOCSIFFLAGS)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, struct.pack("16sH", b"lo", 0)))[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 0x1))


def free_port() -> int:
    """A loopback TCP port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def speak(text: str, target: Path) -> bytes:
    """A voice note as Telegram sends one: espeak-ng speech in OGG/Opus."""
    wav = target.with_suffix(".wav")
    subprocess.run(["espeak-ng", "-v", "en", "-s", "140", "-w", str(wav), text], check=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-c:a", "libopus", "-b:a", "32k",
                    str(target)], check=True)
    return target.read_bytes()


def start_redis(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A scratch redis-server on loopback (the machine's Redis is outside this namespace)."""
    port = free_port()
    process = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                "--appendonly", "no", "--dir", str(work)], stdout=subprocess.DEVNULL)
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process, f"redis://127.0.0.1:{port}/0"
        time.sleep(0.1)
    raise RuntimeError("redis-server did not start")


def start_llm(work: Path) -> tuple[subprocess.Popen[bytes], str]:
    """The embedded llama.cpp server with the packaged GGUF, on loopback."""
    from bot.ops.llm_server import start_embedded
    from bot.settings import LlamaServerSettings, LLMSettings, Settings

    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    settings = Settings(_env_file=None, llama_server=LlamaServerSettings(port=port, start_timeout_s=180),  # type: ignore[call-arg]
                        llm=LLMSettings(base_url=base_url))
    return start_embedded(settings, log_path=work / "llm.log"), base_url


def said(fragment: str, chat_id: int) -> Callable[[Any], bool]:
    """A call that showed ``fragment`` to ``chat_id``."""
    return lambda c: c.method in ("sendMessage", "editMessageText") and c.error is None \
        and int(c.params.get("chat_id", 0)) == chat_id and fragment in str(c.params.get("text"))


def final_answer(chat_id: int) -> Callable[[Any], bool]:
    """The bot's finished answer: the final HTML (sources included), sent after drafts or edited in."""
    return lambda c: c.method in ("editMessageText", "sendMessage") and c.error is None \
        and c.params.get("parse_mode") == "HTML" and int(c.params["chat_id"]) == chat_id


async def dialog(work: Path, redis_url: str, llm_url: str) -> dict[str, str]:
    """Bot and worker as processes, driven through the emulator; returns what the users saw."""
    async with BotApiEmulator() as tg:
        env = {**os.environ, "DK_DATA_DIR": str(work / "data"), "DK_REDIS_URL": redis_url,
               "DK_TELEGRAM__TOKEN": tg.token, "DK_TELEGRAM__BASE_URL": tg.base_url,
               "DK_TELEGRAM__BASE_FILE_URL": tg.base_file_url, "DK_TELEGRAM__ADMIN_IDS": f"[{ADMIN_ID}]",
               "DK_TELEGRAM__ALLOWED_USER_IDS": f"[{ALICE_ID}]", "DK_TELEGRAM__EDIT_INTERVAL_S": "0.3",
               "DK_LLM__BASE_URL": llm_url, "DK_LLM__MAX_TOKENS": "40", "DK_STT__LANGUAGE": "en",
               "DK_STT__POLL_INTERVAL_S": "0.2", "DK_LANGUAGE": "en"}
        processes = []
        for role in ("worker", "run"):
            log = (work / f"{role}.log").open("ab")
            processes.append(subprocess.Popen([sys.executable, "-m", "bot", role], env=env, cwd=work,
                                              stdout=log, stderr=log))
        try:
            return await _converse(tg, work)
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()


async def _converse(tg: BotApiEmulator, work: Path) -> dict[str, str]:
    admin, alice = tg.user(ADMIN_ID, "Admin"), tg.user(ALICE_ID, "Alice")
    admin_chat, alice_chat = tg.private_chat(admin), tg.private_chat(alice)
    policy = (ROOT / "samples/handbook/en/vacation-policy.md").read_bytes()
    await tg.inject_document(admin_chat, admin, policy, "vacation-policy.md", "text/markdown")
    added = await tg.wait_for(said("Vacation and Leave Policy", ADMIN_ID), timeout=300)

    since = tg.mark()
    await tg.inject_message(alice_chat, alice, QUESTION)
    answer = await tg.wait_for(final_answer(ALICE_ID), timeout=180, since=since)

    since = tg.mark()
    await tg.inject_voice(alice_chat, alice, speak(SPOKEN, work / "voice.ogg"), duration=3)
    transcript = said("🎤", ALICE_ID)
    shown = await tg.wait_for(lambda c: transcript(c) and "vacation" in str(c.params.get("text")).lower(),
                              timeout=240, since=since)
    voice_answer = await tg.wait_for(final_answer(ALICE_ID), timeout=180, since=since)
    return {"added": added.params["text"], "answer": answer.params["text"], "transcript": shown.params["text"],
            "voice_answer": voice_answer.params["text"]}


def main() -> int:
    """Run the dialog in this (network-less) namespace and write the result."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--result", type=Path, required=True)
    args = parser.parse_args()
    loopback_up()
    redis, redis_url = start_redis(args.work)
    llm: subprocess.Popen[bytes] | None = None
    result: dict[str, Any] = {}
    try:
        llm, llm_url = start_llm(args.work)
        result = {"ok": True, **asyncio.run(dialog(args.work, redis_url, llm_url))}
    except (TimeoutError, AssertionError, RuntimeError, OSError) as exc:
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    finally:
        for process in (llm, redis):
            if process is not None:
                process.terminate()
                process.wait(20)
    args.result.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if result.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main())

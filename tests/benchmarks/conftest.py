"""Fixtures of the benchmark tests: recorded result files and a streaming server that sends ``usage`` as vLLM does."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"

# What the stand-in streams: three content chunks 50 ms apart, and a usage chunk that counts five tokens
# (a server may pack several tokens into one chunk; the usage figure is the one that counts).
FIRST_TOKEN_DELAY_S = 0.08
CHUNK_GAP_S = 0.05
CONTENT = ["Hello", " there", " friend"]
USAGE = {"prompt_tokens": 7, "completion_tokens": 5, "total_tokens": 12}


class _VLLMLikeHandler(BaseHTTPRequestHandler):
    """``GET /v1/models`` and a streamed ``POST /v1/chat/completions`` in the OpenAI wire format."""

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""

    def _send_json(self, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        """The served models."""
        self._send_json({"object": "list", "data": [{"id": "stand-in-7b", "object": "model"}]})

    def do_POST(self) -> None:
        """A streamed chat completion: role chunk, content chunks, finish chunk, usage chunk, [DONE]."""
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(request)  # type: ignore[attr-defined]  # set by the fixture
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()

        def event(payload: object) -> None:
            self.wfile.write(f"data: {json.dumps(payload)}\n\n".encode())
            self.wfile.flush()

        def chunk(delta: dict[str, str], finish: str | None = None) -> dict[str, object]:
            return {"id": "c1", "object": "chat.completion.chunk", "model": request["model"],
                    "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        event(chunk({"role": "assistant", "content": ""}))
        time.sleep(FIRST_TOKEN_DELAY_S)
        for i, piece in enumerate(CONTENT):
            if i:
                time.sleep(CHUNK_GAP_S)
            event(chunk({"content": piece}))
        event(chunk({}, finish="stop"))
        if request.get("stream_options", {}).get("include_usage"):
            event({"id": "c1", "object": "chat.completion.chunk", "model": request["model"], "choices": [],
                   "usage": USAGE})
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


@pytest.fixture
def vllm_like() -> Iterator[tuple[str, list[dict[str, object]]]]:
    """A loopback OpenAI-compatible server that streams a fixed answer with usage; (base URL, requests seen)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _VLLMLikeHandler)
    server.daemon_threads = True
    requests: list[dict[str, object]] = []
    server.requests = requests  # type: ignore[attr-defined]  # read by the handler
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", requests
    server.shutdown()
    server.server_close()


@pytest.fixture
def recorded() -> tuple[Path, Path]:
    """Two recorded result files: run A and run B (see tests/benchmarks/data)."""
    return DATA / "run_a.jsonl", DATA / "run_b.jsonl"

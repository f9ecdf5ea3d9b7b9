"""A stand-in for a Qdrant server that records requests: the documented REST API (api.qdrant.tech), in memory.

No Qdrant server can run on these machines. This speaks the parts of the REST API the bot uses — create,
inspect, delete collections (``PUT /collections/{name}`` with ``shard_number``, ``replication_factor``,
``write_consistency_factor``), payload indexes, upsert, scroll and count — so ``qdrant-client`` pointed
at it behaves as against a server, and the test reads what was asked for. It does not search.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

VERSION = "1.18.2"


@dataclass
class Collection:
    """What a PUT created, and the points upserted since."""

    config: dict[str, Any]
    points: dict[str, dict[str, Any]] = field(default_factory=dict)
    payload_indexes: dict[str, str] = field(default_factory=dict)


class QdrantRecorder:
    """Serve on a loopback port; ``requests`` lists (method, path, body) in arrival order."""

    def __init__(self, api_key: str | None = None) -> None:
        self.api_key = api_key
        self.collections: dict[str, Collection] = {}
        self.requests: list[tuple[str, str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL a client connects to."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> QdrantRecorder:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def created(self, name: str) -> dict[str, Any]:
        """The body of the PUT that created ``name``."""
        return next(body for method, path, body in self.requests if method == "PUT" and path == f"/collections/{name}")

    # ------------------------------------------------------------------ the API
    def answer(self, method: str, path: str, body: Any) -> tuple[int, Any]:
        """The (status, result) of one request."""
        if path == "/":
            return 200, {"title": "qdrant - vector search engine", "version": VERSION}
        if path == "/collections" and method == "GET":
            return 200, {"collections": [{"name": n} for n in sorted(self.collections)]}
        found = re.fullmatch(r"/collections/([^/]+)(/.*)?", path)
        if not found:
            return 404, None
        name, rest = found.group(1), found.group(2) or ""
        collection = self.collections.get(name)
        if rest == "/exists":
            return 200, {"exists": collection is not None}
        if rest == "" and method == "PUT":
            if collection is not None:
                return 409, f"Collection `{name}` already exists!"
            self.collections[name] = Collection(config=body)
            return 200, True
        if collection is None:
            return 404, f"Collection `{name}` doesn't exist!"
        if rest == "" and method == "DELETE":
            del self.collections[name]
            return 200, True
        if rest == "" and method == "GET":
            return 200, self._info(collection)
        if rest == "/index" and method == "PUT":
            collection.payload_indexes[body["field_name"]] = str(body.get("field_schema"))
            return 200, {"operation_id": len(self.requests), "status": "completed"}
        if rest == "/points" and method == "PUT":
            for point in body["points"]:
                collection.points[str(point["id"])] = point
            return 200, {"operation_id": len(self.requests), "status": "completed"}
        if rest == "/points/count":
            return 200, {"count": len(collection.points)}
        if rest == "/points/scroll":
            return 200, self._scroll(collection, body)
        return 404, f"not recorded: {method} {path}"

    def _info(self, collection: Collection) -> dict[str, Any]:
        config = collection.config
        payload_schema = {name: {"data_type": kind, "points": len(collection.points)}
                          for name, kind in collection.payload_indexes.items()}
        return {
            "status": "green", "optimizer_status": "ok", "segments_count": 1,
            "points_count": len(collection.points), "indexed_vectors_count": 0,
            "config": {
                "params": {"vectors": config["vectors"], "shard_number": config.get("shard_number", 1),
                           "replication_factor": config.get("replication_factor", 1),
                           "write_consistency_factor": config.get("write_consistency_factor", 1),
                           "on_disk_payload": True},
                "hnsw_config": {"m": 16, "ef_construct": 100, "full_scan_threshold": 10000},
                "optimizer_config": {"default_segment_number": 0, "flush_interval_sec": 5},
                "wal_config": {"wal_capacity_mb": 32, "wal_segments_ahead": 0},
            },
            "payload_schema": payload_schema,
        }

    @staticmethod
    def _scroll(collection: Collection, body: dict[str, Any]) -> dict[str, Any]:
        ids = sorted(collection.points)
        start = ids.index(str(body["offset"])) if body.get("offset") is not None else 0
        limit = int(body.get("limit") or 10)
        page = ids[start:start + limit]
        points = []
        for key in page:
            stored = collection.points[key]
            record: dict[str, Any] = {"id": stored["id"]}
            if body.get("with_payload"):
                record["payload"] = stored.get("payload")
            if body.get("with_vector"):
                record["vector"] = stored.get("vector")
            points.append(record)
        following = ids[start + limit] if start + limit < len(ids) else None
        return {"points": points, "next_page_offset": following}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # stdlib signature
                """Quiet: the test reads ``requests``."""

            def _serve(self) -> None:
                path = urlsplit(self.path).path
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                if recorder.api_key is not None and self.headers.get("api-key") != recorder.api_key:
                    status, result = 401, "Must provide an API key or an Authorization bearer token"
                else:
                    recorder.requests.append((self.command, path, body))
                    status, result = recorder.answer(self.command, path, body)
                if path == "/" and status == 200:
                    payload = result  # the root answers its version info unwrapped
                else:
                    payload = {"result": result, "status": "ok", "time": 0.0} if status == 200 else \
                        {"status": {"error": str(result)}, "time": 0.0}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _serve

        return Handler

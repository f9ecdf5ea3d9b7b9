"""The Qdrant part of a backup: every collection of ours exported through the API, and loaded back.

An export through the client reads every shard of a collection wherever it lives (a server snapshot holds
only the shards of the node it is taken on), works the same in local mode, and loads into any layout:
one host's backup restores onto a three-node cluster with the current DK_QDRANT__* shards and replicas.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.knowledge.index import CollectionLayout

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

PAGE = 256  # points per scroll page and per upsert


def create_collection(client: QdrantClient, name: str, vectors: Any, layout: CollectionLayout) -> None:
    """Create ``name`` with ``vectors`` (a VectorParams or a dict of named ones) and the cluster layout."""
    client.create_collection(name, vectors_config=vectors, shard_number=layout.shards,
                             replication_factor=layout.replication_factor,
                             write_consistency_factor=layout.write_consistency)


def our_collections(client: QdrantClient, prefix: str) -> list[str]:
    """Names of the knowledge-base collections (``<prefix>_<model>_<dimension>``)."""
    return sorted(c.name for c in client.get_collections().collections if c.name.startswith(f"{prefix}_"))


def dump_collections(client: QdrantClient, prefix: str, target: Path) -> list[dict[str, Any]]:
    """Write each collection's points (id, vectors, payload) as gzipped JSON lines; their descriptions."""
    target.mkdir(parents=True, exist_ok=True)
    described = []
    for name in our_collections(client, prefix):
        info = client.get_collection(name)
        vectors = info.config.params.vectors
        file = target / f"{name}.jsonl.gz"
        count = 0
        with gzip.open(file, "wt", encoding="utf-8") as out:
            for point in _scroll(client, name):
                out.write(json.dumps({"id": point.id, "vector": point.vector, "payload": point.payload},
                                     ensure_ascii=False) + "\n")
                count += 1
        described.append({
            "name": name, "points": count, "file": str(file.relative_to(target.parent)),
            "vectors": _jsonable(vectors),
            "payload_indexes": {field: str(getattr(schema.data_type, "value", schema.data_type))
                                for field, schema in (info.payload_schema or {}).items()},
        })
    return described


def _scroll(client: QdrantClient, name: str) -> Iterator[Any]:
    offset: Any = None
    while True:
        records, offset = client.scroll(name, limit=PAGE, offset=offset, with_payload=True, with_vectors=True)
        yield from records
        if offset is None:
            return


def _jsonable(vectors: Any) -> Any:
    if isinstance(vectors, dict):
        return {key: value.model_dump(mode="json", exclude_none=True) for key, value in vectors.items()}
    return vectors.model_dump(mode="json", exclude_none=True) if vectors is not None else None


def points_in_use(client: QdrantClient, prefix: str) -> dict[str, int]:
    """Collections of ours that hold points, with their counts (an empty install has none)."""
    return {name: n for name in our_collections(client, prefix)
            if (n := client.count(name, exact=True).count) > 0}


def load_collections(client: QdrantClient, source: Path, described: list[dict[str, Any]],
                     layout: CollectionLayout) -> int:
    """Recreate each described collection with ``layout`` and upsert its points; how many were loaded."""
    from qdrant_client.http.models import PointStruct, VectorParams

    loaded = 0
    for entry in described:
        name = entry["name"]
        if client.collection_exists(name):  # empty (checked before): made by a process that started once
            client.delete_collection(name)
        config = entry["vectors"]
        vectors: Any = VectorParams(**config) if "size" in config else \
            {key: VectorParams(**value) for key, value in config.items()}
        create_collection(client, name, vectors, layout)
        for field, kind in entry.get("payload_indexes", {}).items():
            client.create_payload_index(name, field, field_schema=kind)
        batch: list[PointStruct] = []
        with gzip.open(source / entry["file"], "rt", encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                batch.append(PointStruct(id=row["id"], vector=row["vector"], payload=row["payload"]))
                if len(batch) >= PAGE:
                    client.upsert(name, batch, wait=True)
                    loaded, batch = loaded + len(batch), []
        if batch:
            client.upsert(name, batch, wait=True)
            loaded += len(batch)
    return loaded


def point_ids(client: QdrantClient, name: str) -> set[str]:
    """Every point id of a collection."""
    if not client.collection_exists(name):
        return set()
    found: set[str] = set()
    offset: Any = None
    while True:
        records, offset = client.scroll(name, limit=1024, offset=offset, with_payload=False, with_vectors=False)
        found.update(str(r.id) for r in records)
        if offset is None:
            return found

"""Collections on a Qdrant cluster: created with DK_QDRANT__SHARDS / REPLICATION_FACTOR / WRITE_CONSISTENCY.

No Qdrant server runs here: qdrant-client talks HTTP to a recorder that speaks Qdrant's documented REST API
(tests/support/qdrant_recorder.py), and the test reads the PUT /collections/{name} body the server would get.
"""

from __future__ import annotations

from pathlib import Path

from llama_index.core.schema import TextNode

from bot.container import Container
from bot.knowledge.index import CollectionLayout, chunk_id
from bot.ops.backup_vectors import dump_collections, load_collections
from tests.conftest import make_settings
from tests.support.qdrant_recorder import QdrantRecorder

API_KEY = "test-qdrant-0123456789"


def _nodes(n: int) -> list[TextNode]:
    return [TextNode(id_=chunk_id("layout-doc", i), text=f"Paragraph {i} of the layout handbook.",
                     metadata={"space": "global", "source": "layout.md"}) for i in range(n)]


def test_a_new_collection_gets_the_configured_shards_replicas_and_write_consistency(tmp_path: Path) -> None:
    with QdrantRecorder(api_key=API_KEY) as qdrant:
        settings = make_settings(tmp_path, qdrant={"url": qdrant.url, "api_key": API_KEY, "shards": 6,
                                                   "replication_factor": 2, "write_consistency": 2})
        container = Container(settings)
        container.index.add(_nodes(3))
        name = container.index.collection
        body = qdrant.created(name)
        assert (body["shard_number"], body["replication_factor"], body["write_consistency_factor"]) == (6, 2, 2)
        assert body["vectors"] == {"size": container.index.dimension, "distance": "Cosine"}
        assert len(qdrant.collections[name].points) == 3

        # Settings changed later do not touch the existing collection (a self-hosted Qdrant cannot reshard):
        # the next process just writes into it; `reindex` into a new collection is the way to another layout.
        again = Container(make_settings(tmp_path, qdrant={"url": qdrant.url, "api_key": API_KEY, "shards": 12}),
                          embed_model=container.embed_model)
        again.index.add(_nodes(4))
        assert [p for m, p, _ in qdrant.requests if m == "PUT" and p == f"/collections/{name}"] == \
            [f"/collections/{name}"], "created once"
        assert len(qdrant.collections[name].points) == 4
        container.close_sync()
        again.close_sync()


def test_defaults_are_one_shard_one_replica(tmp_path: Path) -> None:
    with QdrantRecorder() as qdrant:
        container = Container(make_settings(tmp_path, qdrant={"url": qdrant.url}))
        container.index.add(_nodes(1))
        body = qdrant.created(container.index.collection)
        assert (body.get("shard_number"), body.get("replication_factor"), body.get("write_consistency_factor")) \
            == (1, 1, 1)
        container.close_sync()


def test_a_local_backup_restores_onto_a_cluster_with_its_layout(tmp_path: Path) -> None:
    local = Container(make_settings(tmp_path / "local"))
    local.index.add(_nodes(5))
    described = dump_collections(local.qdrant, "kb", tmp_path / "backup" / "qdrant")
    local.close_sync()
    with QdrantRecorder(api_key=API_KEY) as qdrant:
        remote = Container(make_settings(tmp_path / "remote", qdrant={"url": qdrant.url, "api_key": API_KEY}))
        loaded = load_collections(remote.qdrant, tmp_path / "backup", described,
                                  CollectionLayout(shards=6, replication_factor=2, write_consistency=1))
        [entry] = described
        body = qdrant.created(entry["name"])
        assert loaded == 5 and (body["shard_number"], body["replication_factor"]) == (6, 2)
        stored = qdrant.collections[entry["name"]].points
        assert set(stored) == {chunk_id("layout-doc", i) for i in range(5)}
        assert all(len(p["vector"]) == body["vectors"]["size"] for p in stored.values())
        assert {p["payload"]["source"] for p in stored.values()} == {"layout.md"}
        remote.close_sync()

"""Ingestion: chunk metadata, idempotency by content hash, replacement, bad input, e5 prefixes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from llama_index.embeddings.huggingface import HuggingFaceEmbedding
from sqlmodel import Session, select

from bot.container import Container
from bot.knowledge.errors import DocumentError
from bot.knowledge.index import Embedder, KnowledgeIndex
from bot.knowledge.ingest import IngestResult, IngestService, IngestStatus
from bot.knowledge.loaders import EmptyDocument, UnsupportedDocument
from bot.store.models import ChunkRecord, DocumentRecord
from inference.embeddings import is_e5, load_embedding
from tests.conftest import SAMPLE_KB
from tests.knowledge.conftest import make_service


def test_sample_kb_chunks_carry_document_heading_path_and_position(kb: Container) -> None:
    with Session(kb.engine) as session:
        documents = session.exec(select(DocumentRecord)).all()
        chunks = session.exec(select(ChunkRecord)).all()
    assert len(documents) == 12 and sum(d.chunk_count for d in documents) == len(chunks) == kb.index.count()
    hits = kb.index.search(kb.index.embed_query("carry over unused vacation days"), top_k=1)
    meta = hits[0].node.metadata
    assert meta["title"] == "Vacation and Leave Policy"
    assert meta["heading_path"].startswith("Vacation and Leave Policy › ")
    assert isinstance(meta["position"], int) and meta["source"].endswith("vacation-policy.md")
    assert kb.index.collection == "kb_multilingual-e5-small-q4_384", "collection named by model and dimension"


def test_reingesting_the_same_content_adds_nothing(fresh: tuple[IngestService, KnowledgeIndex],
                                                   tmp_path: Path) -> None:
    service, index = fresh
    page = SAMPLE_KB / "en/office.md"
    first = service.ingest_file(page)
    count = index.count()
    copy = tmp_path / "office-copy.md"
    shutil.copy(page, copy)

    again = service.ingest_file(page)
    same_content_elsewhere = service.ingest_file(copy)

    assert first.status is IngestStatus.added and first.chunks == count > 0
    assert again.status is same_content_elsewhere.status is IngestStatus.unchanged
    assert again.document_id == first.document_id
    assert index.count() == count


def test_changed_file_replaces_its_old_chunks(fresh: tuple[IngestService, KnowledgeIndex], tmp_path: Path) -> None:
    service, index = fresh
    page = tmp_path / "parking.md"
    page.write_text("# Parking\n\n## Spaces\n\nThe garage has 40 spaces on level -2.\n")
    first = service.ingest_file(page)
    page.write_text("# Parking\n\n## Spaces\n\nThe garage has 55 spaces.\n\n## Bikes\n\nBike racks are at gate B.\n")

    second = service.ingest_file(page)

    assert second.status is IngestStatus.replaced and second.document_id == first.document_id
    assert index.count() == second.chunks
    texts = [h.node.get_content() for h in index.search(index.embed_query("garage spaces"), top_k=10)]
    assert any("55 spaces" in t for t in texts) and not any("40 spaces" in t for t in texts)


def test_unsupported_and_empty_files_are_refused_clearly(fresh: tuple[IngestService, KnowledgeIndex],
                                                         tmp_path: Path) -> None:
    service, index = fresh
    (tmp_path / "table.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "blank.md").write_text("  \n\n")
    with pytest.raises(UnsupportedDocument, match=r"unsupported type \.xlsx"):
        service.ingest_file(tmp_path / "table.xlsx")
    with pytest.raises(EmptyDocument, match="empty"):
        service.ingest_file(tmp_path / "blank.md")
    assert index.count() == 0


def test_e5_models_get_query_and_passage_prefixes(tmp_path: Path, minilm: HuggingFaceEmbedding) -> None:
    # The sentence-transformers path (production's multilingual-e5-large): a MiniLM copy named e5 stands in.
    minilm_dir = Path(minilm.model_name)
    e5_dir = tmp_path / "multilingual-e5-test"
    shutil.copytree(minilm_dir, e5_dir)
    assert is_e5(e5_dir) and not is_e5(minilm_dir)

    e5 = load_embedding(e5_dir)

    assert (e5.query_instruction, e5.text_instruction) == ("query: ", "passage: ")
    plain = minilm.get_query_embedding("vacation days")
    prefixed = e5.get_query_embedding("vacation days")
    assert plain != prefixed, "the prefix reaches the model"
    assert prefixed == pytest.approx(minilm.get_query_embedding("query: vacation days"), abs=1e-5)


class _CountingEmbedder:
    """The session's embedding model, counting the passages of each batch it is asked for."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.batches = inner, []

    def get_query_embedding(self, query: str) -> list[float]:
        return self.inner.get_query_embedding(query)

    def get_text_embedding(self, text: str) -> list[float]:
        return self.inner.get_text_embedding(text)

    def get_text_embedding_batch(self, texts: list[str], **kwargs: object) -> list[list[float]]:
        self.batches.append(len(texts))
        return self.inner.get_text_embedding_batch(texts)


def test_a_folder_is_embedded_across_files_and_each_file_still_stands_alone(kb: Container, tmp_path: Path) -> None:
    embedder = _CountingEmbedder(kb.embed_model)
    service = make_service(kb, tmp_path / "kb.db", embed_model=embedder, batch_size=64)
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a-parking.md").write_text("# Parking\n\nStaff park on level -2; visitors on level -1.\n")
    (folder / "b-broken.pdf").write_bytes(b"%PDF-1.4 this is not a PDF")
    (folder / "c-lunch.md").write_text("# Lunch\n\nThe canteen serves lunch from 12:00 to 14:30.\n")
    (folder / "f-parking-copy.md").write_text((folder / "a-parking.md").read_text())  # same content, another name
    (folder / "e-wifi.md").write_text("# Wi-Fi\n\nThe guest network is Kestrel-Guest; the password is at reception.\n")
    paths = sorted(folder.iterdir())

    results = list(service.ingest_files(paths))

    assert [p.name for p, _ in results] == [p.name for p in paths]  # every file answered, in order
    outcome = {p.name: r for p, r in results}
    assert isinstance(outcome["b-broken.pdf"], DocumentError)
    statuses = {name: r.status for name, r in outcome.items() if isinstance(r, IngestResult)}
    assert statuses == {"a-parking.md": IngestStatus.added, "c-lunch.md": IngestStatus.added,
                        "f-parking-copy.md": IngestStatus.unchanged, "e-wifi.md": IngestStatus.added}
    # the three new files' chunks went to the model together, not one file at a time
    assert embedder.batches == [3]
    with Session(service.engine) as session:
        assert len(session.exec(select(DocumentRecord)).all()) == 3
    assert service.index.count() == 3
    hits = service.index.search(service.index.embed_query("when is lunch served?"), top_k=1, query="lunch served")
    assert hits[0].node.metadata["title"] == "Lunch"
    # again: nothing changes, nothing is embedded
    again = [r for _, r in service.ingest_files(paths) if isinstance(r, IngestResult)]
    assert {r.status for r in again} == {IngestStatus.unchanged} and embedder.batches == [3]


def test_a_chunk_is_embedded_as_its_heading_path_and_text_without_labels_or_a_repeated_title() -> None:
    from llama_index.core.schema import MetadataMode

    from bot.knowledge.chunking import chunk_file
    from bot.knowledge.loaders import load_bytes

    with_title = load_bytes(b"# Travel\n\n## Per diem\n\nForty euros a day abroad.\n", filename="travel.md")
    chunk = chunk_file(with_title, space="default", chunk_size=512, chunk_overlap=64)[-1]
    assert chunk.get_content(metadata_mode=MetadataMode.EMBED) == (
        "Travel › Per diem\n\n## Per diem\n\nForty euros a day abroad.")
    assert chunk.metadata["title"] == "Travel", "the title stays in the metadata for citations"
    # A document without a top heading: its title (from the file name) is not in the path, so it leads the text.
    untitled = load_bytes(b"## Per diem\n\nForty euros a day abroad.\n", filename="travel-rules.md")
    chunk = chunk_file(untitled, space="default", chunk_size=512, chunk_overlap=64)[-1]
    title = chunk.metadata["title"]
    assert chunk.get_content(metadata_mode=MetadataMode.EMBED).startswith(f"{title} › Per diem\n\n## Per diem")

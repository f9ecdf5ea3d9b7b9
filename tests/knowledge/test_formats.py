"""Each format end to end: a file the test builds → ingest → the right chunk, with its page or heading path."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session, select

from bot.dialog.answer import _source
from bot.knowledge.index import Hit, KnowledgeIndex
from bot.knowledge.ingest import IngestService, IngestStatus
from bot.store.models import ChunkRecord, DocumentRecord
from tests.knowledge.documents import HTML_BOILERPLATE, HTML_PAGE, make_docx, make_pdf

Fresh = tuple[IngestService, KnowledgeIndex]


def top(index: KnowledgeIndex, question: str, k: int = 1) -> list[Hit]:
    """The best hits for a question, hybrid (as the bot searches)."""
    return index.search(index.embed_query(question), top_k=k, query=question)


def test_pdf_chunks_carry_their_page_into_citations(fresh: Fresh, tmp_path: Path) -> None:
    service, index = fresh
    result = service.ingest_file(make_pdf(tmp_path / "facilities.pdf"), space="team:facilities", added_by="tg:42")

    assert result.status is IngestStatus.added and result.pages == 3 and result.title == "Facilities Handbook"
    hit = top(index, "When does the rooftop garden open?")[0]
    assert "07:30" in hit.node.get_content() and hit.node.metadata["page"] == 2
    source = _source(1, hit)
    assert (source.page, source.title, source.heading_path) == (2, "Facilities Handbook", "Facilities Handbook")
    with Session(service.engine) as session:
        document = session.exec(select(DocumentRecord)).one()
        pages = sorted(c.page or 0 for c in session.exec(select(ChunkRecord)))
    assert pages == [1, 2, 3] and document.pages == 3 and document.content_type == "application/pdf"
    assert document.added_by == "tg:42" and document.size_bytes == (tmp_path / "facilities.pdf").stat().st_size


def test_docx_headings_become_the_heading_path(fresh: Fresh, tmp_path: Path) -> None:
    service, index = fresh
    service.ingest_file(make_docx(tmp_path / "travel.docx"))

    hit = top(index, "When do night trains to Moscow leave?")[0]
    assert "platform 9" in hit.node.get_content()
    assert hit.node.metadata["heading_path"] == "Travel Guide › Trains › Night trains"
    assert hit.node.metadata.get("page") is None and _source(1, hit).page is None
    flights = top(index, "Which flight class is allowed?")[0]
    assert flights.node.metadata["heading_path"] == "Travel Guide › Flights"
    assert "| Economy | Always |" in flights.node.get_content(), "tables keep their rows"


def test_html_loses_its_boilerplate_and_keeps_its_headings(fresh: Fresh, tmp_path: Path) -> None:
    service, index = fresh
    page = tmp_path / "parking.html"
    page.write_text(HTML_PAGE, encoding="utf-8")
    service.ingest_file(page)

    hit = top(index, "Where can I charge an electric scooter?")[0]
    assert "storage room 12" in hit.node.get_content()
    assert hit.node.metadata["heading_path"] == "Parking rules › Bicycles › Electric scooters"
    with Session(service.engine) as session:
        text = " ".join(c.text for c in session.exec(select(ChunkRecord)))
    assert "fifty-five spaces" in text
    assert not [word for word in HTML_BOILERPLATE if word in text], "navigation, header, footer, aside, script"


def test_markdown_and_plain_text(fresh: Fresh, tmp_path: Path) -> None:
    service, index = fresh
    (tmp_path / "canteen.md").write_text("# Canteen\n\n## Opening hours\n\nThe canteen serves lunch 12:00–15:00.\n")
    (tmp_path / "wifi_notes.txt").write_bytes("Guest Wi-Fi password rotates every Monday.\r\n".encode("cp1251"))
    service.ingest_file(tmp_path / "canteen.md")
    txt = service.ingest_file(tmp_path / "wifi_notes.txt")

    assert top(index, "When is lunch served?")[0].node.metadata["heading_path"] == "Canteen › Opening hours"
    hit = top(index, "How often does the guest Wi-Fi password change?")[0]
    assert txt.title == "Wifi notes" and hit.node.metadata["heading_path"] == "Wifi notes"
    assert "every Monday" in hit.node.get_content()


def test_progress_counts_chunks_up_to_the_total(fresh: Fresh, tmp_path: Path) -> None:
    service, _ = fresh
    calls: list[tuple[int, int]] = []
    result = service.ingest_file(make_pdf(tmp_path / "f.pdf"), progress=lambda done, total: calls.append((done, total)))

    assert calls == [(2, 3), (3, 3)] and result.chunks == 3, "one call per batch of 2"


def test_bytes_from_an_upload_are_ingested_like_a_file(fresh: Fresh, tmp_path: Path) -> None:
    service, _ = fresh
    data = make_docx(tmp_path / "upload.docx").read_bytes()

    first = service.ingest_bytes(data, filename="Travel guide.docx", space="chat:-100123", added_by="tg:7")
    again = service.ingest_bytes(data, filename="Travel guide.docx", space="chat:-100123")

    assert first.source == "Travel guide.docx" and first.space == "chat:-100123"
    assert again.status is IngestStatus.unchanged and again.document_id == first.document_id
    assert [d.source for d in service.list_documents("chat:-100123")] == ["Travel guide.docx"]

"""Split a document into chunks that remember their heading path and position."""

from __future__ import annotations

from llama_index.core import Document
from llama_index.core.node_parser import MarkdownNodeParser, SentenceSplitter
from llama_index.core.schema import BaseNode, TextNode

from bot.knowledge.index import chunk_id
from bot.knowledge.loaders import LoadedFile

HEADING_SEPARATOR = " › "
# Only the title and heading path help the embedding; ids and bookkeeping would only add noise.
_NOT_EMBEDDED = ["source", "space", "position", "document_sha256"]


def heading_path(node: BaseNode) -> str:
    """"Title › Section › Subsection" for a node cut by the Markdown parser."""
    parts = [p for p in str(node.metadata.get("header_path", "")).split("/") if p]
    first_line = node.get_content().lstrip().split("\n", 1)[0]
    if first_line.startswith("#"):
        parts.append(first_line.lstrip("#").strip())
    return HEADING_SEPARATOR.join(parts)


def chunk_file(loaded: LoadedFile, *, space: str, chunk_size: int, chunk_overlap: int) -> list[TextNode]:
    """Chunks of one file: Markdown sections first, then sentence windows of at most ``chunk_size`` tokens."""
    document = Document(text=loaded.text, id_=ref_doc_id(loaded.sha256),
                        metadata={"title": loaded.title, "source": loaded.source, "space": space})
    sections: list[BaseNode] = [document]
    if loaded.content_type == "text/markdown":
        sections = MarkdownNodeParser().get_nodes_from_documents([document])
        for section in sections:
            section.metadata["heading_path"] = heading_path(section) or loaded.title
            section.metadata.pop("header_path", None)
    splitter = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    # NodeParser accepts any nodes at run time; its signature only names Document.
    split = splitter.get_nodes_from_documents(sections)  # type: ignore[arg-type]
    chunks = [n for n in split if isinstance(n, TextNode)]
    for position, chunk in enumerate(chunks):
        chunk.id_ = chunk_id(loaded.sha256, position)
        chunk.metadata.setdefault("heading_path", loaded.title)
        chunk.metadata.update(position=position, document_sha256=loaded.sha256)
        chunk.excluded_embed_metadata_keys = list(_NOT_EMBEDDED)
        chunk.excluded_llm_metadata_keys = list(_NOT_EMBEDDED)
    return chunks


def ref_doc_id(sha256: str) -> str:
    """The LlamaIndex document id of a content version; its chunks are deleted by it."""
    return f"sha256:{sha256}"

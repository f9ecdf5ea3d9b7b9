"""Split a document into chunks that remember their heading path, page and position."""

from __future__ import annotations

from llama_index.core import Document
from llama_index.core.node_parser import MarkdownNodeParser, SentenceSplitter
from llama_index.core.schema import BaseNode, TextNode

from bot.i18n import detect_language
from bot.knowledge.index import chunk_id
from bot.knowledge.loaders import LoadedFile

HEADING_SEPARATOR = " › "
# Only the title and heading path help the embedding; ids, pages and bookkeeping would only add noise.
_NOT_EMBEDDED = ["source", "space", "position", "document_sha256", "page", "language"]


def heading_path(node: BaseNode) -> str:
    """"Title › Section › Subsection" for a node cut by the Markdown parser."""
    parts = [p for p in str(node.metadata.get("header_path", "")).split("/") if p]
    first_line = node.get_content().lstrip().split("\n", 1)[0]
    if first_line.startswith("#"):
        parts.append(first_line.lstrip("#").strip())
    return HEADING_SEPARATOR.join(parts)


def version_key(*, space: str, sha256: str, chunk_size: int, chunk_overlap: int) -> str:
    """What makes a set of chunks: the space, the content and how it was cut.

    Chunk ids derive from it, so the same content in two spaces never shares a Qdrant point, and
    re-cutting with other settings gets new ids (added before the old ones go, as for new content).
    """
    return f"{space}/{sha256}/{chunk_size}/{chunk_overlap}"


def chunk_file(loaded: LoadedFile, *, space: str, chunk_size: int, chunk_overlap: int) -> list[TextNode]:
    """Chunks of one file: Markdown sections (or PDF pages) first, then sentence windows of ≤ ``chunk_size`` tokens."""
    base = {"title": loaded.title, "source": loaded.source, "space": space}
    sections: list[BaseNode] = []
    for number, part in enumerate(loaded.parts):
        metadata = dict(base, page=part.page) if part.page is not None else dict(base)
        document = Document(text=part.text, id_=f"{ref_doc_id(space, loaded.sha256)}#{number}", metadata=metadata)
        if not part.markdown:
            sections.append(document)
            continue
        for section in MarkdownNodeParser().get_nodes_from_documents([document]):
            if _heading_only(section):
                continue  # "## Laptops" directly followed by "### Standard laptops": its children carry it
            section.metadata["heading_path"] = heading_path(section) or loaded.title
            section.metadata.pop("header_path", None)
            sections.append(section)
    splitter = SentenceSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    # NodeParser accepts any nodes at run time; its signature only names Document.
    split = splitter.get_nodes_from_documents(sections)  # type: ignore[arg-type]
    chunks = [n for n in split if isinstance(n, TextNode) and n.text.strip()]
    key = version_key(space=space, sha256=loaded.sha256, chunk_size=chunk_size, chunk_overlap=chunk_overlap)
    for position, chunk in enumerate(chunks):
        chunk.id_ = chunk_id(key, position)
        chunk.metadata.setdefault("heading_path", loaded.title)
        # The chunk's own language (a document may mix them): the cross-language search pools by it.
        chunk.metadata.update(position=position, document_sha256=loaded.sha256, language=detect_language(chunk.text))
        _embed_context(chunk)
        chunk.excluded_llm_metadata_keys = list(_NOT_EMBEDDED)
        # Qdrant deletes by ref_doc_id: all parts of one document version share it.
        chunk.relationships = {k: v for k, v in chunk.relationships.items() if k.name == "SOURCE"}
        if chunk.source_node is not None:
            chunk.source_node.node_id = ref_doc_id(space, loaded.sha256)
    return chunks


def _embed_context(chunk: TextNode) -> None:
    """What the chunk's vector is computed from: «Title › Section › …», a blank line, then its text.

    Bare values, and the title only where the heading path does not already start with it: the key labels
    ("title: ", "heading_path: ") and a repeated title were an eighth of the tokens the embedding model
    reads (ingestion time), and dropping them kept more answerable questions above the relevance floor on
    the tuning sets (benchmarks/results/quality.json, docs/knowledge.md).
    """
    title, path = str(chunk.metadata.get("title", "")), str(chunk.metadata.get("heading_path", ""))
    chunk.excluded_embed_metadata_keys = list(_NOT_EMBEDDED) + (["title"] if path.startswith(title) else [])
    chunk.metadata_template, chunk.metadata_separator = "{value}", HEADING_SEPARATOR


def _heading_only(section: BaseNode) -> bool:
    lines = section.get_content().strip().split("\n", 1)
    return lines[0].startswith("#") and (len(lines) == 1 or not lines[1].strip())


def ref_doc_id(space: str, sha256: str) -> str:
    """The LlamaIndex document id of a content version in a space."""
    return f"{space}/sha256:{sha256}"

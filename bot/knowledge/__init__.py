"""Knowledge base: loading, chunking, indexing in Qdrant and retrieval."""

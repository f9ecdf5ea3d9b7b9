"""`ingest` (with progress), `docs`, `forget`, `reindex`: the knowledge-base commands."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.console import EXIT_FAILED, EXIT_OK, Command
from bot.knowledge.errors import DocumentError

if TYPE_CHECKING:
    from bot.container import Container
    from bot.settings import Settings

_KINDS = {"text/markdown": "md", "text/plain": "txt", "application/pdf": "pdf", "text/html": "html",
          "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx"}


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``ingest``, ``docs``, ``forget`` and ``reindex`` sub-commands."""
    ingest = sub.add_parser("ingest", help="index PDF/DOCX/HTML/Markdown/TXT files from a file or folder")
    ingest.add_argument("path")
    ingest.add_argument("--space", default="global",
                        help="knowledge space: global (default), chat:<chat id> or team:<name>")
    docs = sub.add_parser("docs", help="list the knowledge-base documents")
    docs.add_argument("--space", default=None, help="only this space")
    forget = sub.add_parser("forget", help="delete a document (its vectors and rows) by id, see `docs`")
    forget.add_argument("document_id", type=int)
    reindex = sub.add_parser("reindex", help="rebuild the index of the current embedding model from stored text")
    reindex.add_argument("--force", action="store_true", help="re-embed documents that are already complete")
    reindex.add_argument("--no-prune", action="store_true",
                         help="keep vectors no document refers to (default: remove them)")
    return {"ingest": cmd_ingest, "docs": cmd_docs, "forget": cmd_forget, "reindex": cmd_reindex}


def _container(settings: Settings) -> Container:
    from bot.container import Container

    return Container(settings)


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Index a file or every supported file under a folder, with a progress bar and a line per file."""
    from tqdm import tqdm

    from bot.knowledge.loaders import iter_files
    from bot.knowledge.spaces import validate_space

    space = validate_space(args.space)
    files = list(iter_files(Path(args.path)))
    failed = 0
    with _container(settings) as container:
        with tqdm(total=len(files), unit="file", file=sys.stderr, disable=None, leave=False) as bar:
            # several files' chunks are embedded together; each file is still written (or refused) on its own
            for path, result in container.ingest.ingest_files(files, space=space, added_by="cli"):
                if isinstance(result, DocumentError):  # one bad file must not stop the folder
                    failed += 1
                    line = f"{'failed':9} {'':4}         {path}: {result}"
                else:
                    line = f"{result.status.value:9} {result.chunks:4} chunks  {path}"
                bar.write(line, file=sys.stdout)
                bar.update(1)
        print(f"{len(files)} file(s), {failed} failed; space {space}; "
              f"index {container.index.collection}: {container.index.count()} chunks ({container.index.mode})")
    return EXIT_FAILED if failed else EXIT_OK


def cmd_docs(settings: Settings, args: argparse.Namespace) -> int:
    """List the documents, newest first."""
    with _container(settings) as container:
        documents = container.ingest.list_documents(args.space)
    if not documents:
        print("no documents" + (f" in {args.space}" if args.space else ""))
        return EXIT_OK
    print(f"{'id':>5}  {'space':18} {'type':5} {'chunks':>6} {'pages':>5} {'size':>8}  {'updated':16}  title — source")
    for d in documents:
        kind = _KINDS.get(d.content_type, "?")
        print(f"{d.id:>5}  {d.space[:18]:18} {kind:5} {d.chunks:>6} {d.pages or '':>5} {_size(d.size_bytes):>8}  "
              f"{d.updated_at:%Y-%m-%d %H:%M}  {d.title} — {Path(d.source).name}")
    print(f"{len(documents)} document(s)")
    return EXIT_OK


def cmd_forget(settings: Settings, args: argparse.Namespace) -> int:
    """Delete one document by id."""
    with _container(settings) as container:
        info = container.ingest.delete_document(args.document_id)
    print(f"deleted #{info.id} {info.title} ({info.space}, {Path(info.source).name}): {info.chunks} chunks")
    return EXIT_OK


def cmd_reindex(settings: Settings, args: argparse.Namespace) -> int:
    """Rebuild the current model's collection from the stored documents."""
    from tqdm import tqdm

    with _container(settings) as container, tqdm(unit="doc", file=sys.stderr, disable=None, leave=False) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = container.ingest.reindex(force=args.force, prune=not args.no_prune, progress=progress)
    print(f"{result.collection}: {result.documents} document(s), {result.reembedded} re-embedded, "
          f"{result.up_to_date} already complete, {result.chunks} chunks, {result.pruned} stale vectors removed")
    for line in result.skipped:
        print(f"skipped  {line}")
    for line in result.failed:
        print(f"failed   {line}")
    return EXIT_FAILED if result.failed or result.skipped else EXIT_OK


def _size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    return f"{n / 1024:.1f} KiB" if n < 2**20 else f"{n / 2**20:.1f} MiB"

"""Worker side of document uploads: ingest a stored file into the knowledge base, reporting progress."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rq import get_current_job
from sqlmodel import Session

from bot.knowledge.errors import DocumentError
from bot.store.models import Message

if TYPE_CHECKING:
    from bot.jobs.services import WorkerServices

log = logging.getLogger(__name__)


def ingest_upload(container: WorkerServices, message_id: int, space: str, filename: str,
                  added_by: str) -> dict[str, Any]:
    """RQ job: ingest message ``message_id``'s file into ``space``.

    Returns {"status": added|replaced|unchanged, "chunks", "title", "document_id"}, or
    {"status": "rejected", "reason", "message"} for a document that cannot be ingested (a result,
    not a failure: retrying cannot fix the file).
    """
    with Session(container.engine) as session:
        message = session.get_one(Message, message_id)
    if not message.media_path:
        raise ValueError(f"message {message_id} has no stored file")
    data = (container.settings.data_dir / message.media_path).read_bytes()
    job = get_current_job()

    def progress(done: int, total: int) -> None:
        if job is not None and total:
            job.meta["progress"] = round(done / total, 3)
            job.save_meta()

    try:
        result = container.ingest.ingest_bytes(data, filename=filename, space=space, source=filename,
                                               added_by=added_by, progress=progress)
    except DocumentError as exc:
        log.warning("upload %s refused: %s", message_id, exc)
        return {"status": "rejected", "reason": exc.reason, "message": str(exc)}
    return {"status": result.status.value, "chunks": result.chunks, "title": result.title,
            "document_id": result.document_id}

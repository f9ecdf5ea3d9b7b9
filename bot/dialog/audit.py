"""The audit log of admin actions: a table row and one structured log line per action.

Call :func:`record` from an admin handler after the action succeeded, e.g.
``await audit.record(engine, admin_id, "allow", "user 123", "")``. Actions in use: ``allow``, ``deny``,
``document_added``, ``document_forgotten``, ``ticket_entry_approved``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.store import ops_repo
from bot.store.db import in_session
from bot.store.ops_models import AuditEntry

if TYPE_CHECKING:
    from sqlalchemy import Engine

log = logging.getLogger(__name__)


async def record(engine: Engine, actor_telegram_id: int | None, action: str, target: str, detail: str = "") -> None:
    """Store an admin action and log it as one structured line (``audit`` with actor/action/target fields)."""
    await in_session(engine, ops_repo.add_audit, actor_telegram_id=actor_telegram_id, action=action,
                     target=str(target), detail=detail)
    log.info("audit: %s %s by %s", action, target, actor_telegram_id,
             extra={"audit": True, "actor": actor_telegram_id, "action": action, "target": str(target),
                    "detail": detail})


async def recent(engine: Engine, limit: int = 20) -> list[AuditEntry]:
    """The newest ``limit`` entries, newest first."""
    return await in_session(engine, ops_repo.recent_audit, limit=limit)

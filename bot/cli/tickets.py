"""`tickets sync` and `tickets list`: resolved Kaiten cards into the knowledge base, open escalations."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.console import EXIT_FAILED, EXIT_OK, EXIT_SETUP, Command, fail

if TYPE_CHECKING:
    from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``tickets`` command with its ``sync`` and ``list`` actions."""
    tickets = sub.add_parser("tickets", help="escalation tickets: sync resolved Kaiten cards, list open ones")
    tickets.add_argument("action", choices=["sync", "list"],
                         help="sync: resolved cards → knowledge base (space tickets); list: open escalations")
    tickets.add_argument("--all", action="store_true", help="list: every escalation, not only open ones")
    return {"tickets": cmd_tickets}


def cmd_tickets(settings: Settings, args: argparse.Namespace) -> int:
    """Run ``tickets sync`` or ``tickets list``."""
    return cmd_sync(settings) if args.action == "sync" else cmd_list(settings, every=args.all)


def cmd_sync(settings: Settings) -> int:
    """Sync resolved cards now; prints found, added, replaced, skipped (and waiting for review)."""
    import asyncio

    from bot.container import Container
    from bot.integrations.kaiten import KaitenError
    from bot.jobs.escalation import kaiten_client
    from bot.knowledge.ticket_sync import TicketSync

    if settings.tracker.kind != "kaiten":
        return fail("tickets sync needs DK_TRACKER__KIND=kaiten and the DK_KAITEN__* settings", EXIT_SETUP)
    container = Container(settings)

    async def run() -> str:
        async with kaiten_client(settings) as kaiten:
            sync = TicketSync(kaiten=kaiten, engine=container.engine, ingest=container.ingest, settings=settings)
            return (await sync.run()).line()

    try:
        print(asyncio.run(run()))
    except KaitenError as exc:
        return fail(f"Kaiten: {exc}", EXIT_FAILED)
    finally:
        container.close_sync()
    return EXIT_OK


def cmd_list(settings: Settings, *, every: bool = False) -> int:
    """Open escalations (queued or with an open ticket) and their card ids."""
    from bot.store import escalation_repo
    from bot.store.db import make_engine, migrate, session_scope

    engine = make_engine(settings.db_url)  # first: it creates a SQLite file's directory
    migrate(settings.db_url)
    with session_scope(engine) as session:
        rows = escalation_repo.escalations(session, statuses=None if every else ("requested", "queued", "created"))
    engine.dispose()
    if not rows:
        print("no open escalations")
        return EXIT_OK
    print(f"{'id':>5}  {'status':9} {'tracker':7} {'card':>8}  {'created':16}  chat — question")
    for e, chat in rows:
        card = str(e.card_id or e.ticket_id or "-")
        print(f"{e.id:>5}  {e.status:9} {e.tracker or '-':7} {card:>8}  {e.created_at:%Y-%m-%d %H:%M}  "
              f"{chat.title or chat.telegram_id} — {' '.join(e.question.split())[:60]}")
    print(f"{len(rows)} escalation(s)")
    return EXIT_OK

"""`tickets sync|list|review|approve|reject`: resolved tickets into the knowledge base, open escalations, review."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.console import EXIT_FAILED, EXIT_OK, EXIT_SETUP, EXIT_USAGE, Command, fail

if TYPE_CHECKING:
    from bot.settings import Settings

ACTIONS = ("sync", "list", "review", "approve", "reject")


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``tickets`` command with its actions."""
    tickets = sub.add_parser("tickets", help="escalation tickets: sync resolved ones, list open ones, review entries")
    tickets.add_argument("action", choices=ACTIONS,
                         help="sync: resolved tickets → knowledge base (space tickets); list: open escalations; "
                              "review: entries waiting for an admin; approve/reject ID…: decide them")
    tickets.add_argument("ids", nargs="*", type=int, metavar="ID", help="approve/reject: entry ids from `review`")
    tickets.add_argument("--all", action="store_true", help="list: every escalation, not only open ones")
    return {"tickets": cmd_tickets}


def cmd_tickets(settings: Settings, args: argparse.Namespace) -> int:
    """Run the chosen ``tickets`` action."""
    if args.action in ("approve", "reject"):
        if not args.ids:
            return fail(f"tickets {args.action} needs entry ids: dialog-keeper tickets {args.action} ID…  "
                        "(see dialog-keeper tickets review)", EXIT_USAGE)
        return cmd_decide(settings, args.ids, add=args.action == "approve")
    if args.ids:
        return fail(f"tickets {args.action} takes no ids", EXIT_USAGE)
    if args.action == "sync":
        return cmd_sync(settings)
    if args.action == "review":
        return cmd_review(settings)
    return cmd_list(settings, every=args.all)


def cmd_sync(settings: Settings) -> int:
    """Sync resolved tickets now; prints found, added, replaced, skipped (and waiting for review)."""
    import asyncio

    from bot.container import Container
    from bot.dialog.escalation import TrackerError, TrackerSetupError
    from bot.knowledge.ticket_sync import TicketSync

    container = Container(settings)
    tracker = container.tracker
    if tracker is None or not tracker.supports_resolution_sync:
        return fail("tickets sync needs a tracker that resolves tickets (DK_TRACKER__KIND=kaiten and the "
                    "DK_KAITEN__* settings)", EXIT_SETUP)

    async def run() -> str:
        try:
            return (await TicketSync(tracker=tracker, engine=container.engine, ingest=container.ingest,
                                     settings=settings).run()).line()
        finally:
            await tracker.aclose()

    try:
        line = asyncio.run(run())
    except TrackerSetupError as exc:
        return fail(f"tickets sync refused, nothing was synced: {exc}.", EXIT_FAILED)
    except TrackerError as exc:
        return fail(f"tickets sync failed, nothing was synced: {tracker.kind}: {exc}.", EXIT_FAILED)
    finally:
        container.close_sync()
    print(line)
    return EXIT_OK


def cmd_review(settings: Settings) -> int:
    """Resolved tickets waiting for an admin's decision (``DK_KAITEN__SYNC_REVIEW``)."""
    import asyncio

    from bot.dialog.escalation import pending
    from bot.store.db import make_engine, migrate

    engine = make_engine(settings.db_url)  # first: it creates a SQLite file's directory
    migrate(settings.db_url)
    try:
        entries = asyncio.run(pending(engine))
    finally:
        engine.dispose()
    if not entries:
        print("nothing waiting for review")
        return EXIT_OK
    print(f"{'id':>5}  {'ticket':>10}  {'resolved':10}  title — resolution")
    for entry in entries:
        done = f"{entry.done_at:%Y-%m-%d}" if entry.done_at else "-"
        resolution = entry.markdown.rsplit(":**", 1)[-1].strip() if ":**" in entry.markdown else ""
        print(f"{entry.id:>5}  {entry.ticket_id:>10}  {done:10}  {entry.title} — {' '.join(resolution.split())[:70]}")
    print(f"{len(entries)} waiting: dialog-keeper tickets approve ID… | tickets reject ID…")
    return EXIT_OK


def cmd_decide(settings: Settings, ids: list[int], *, add: bool) -> int:
    """Approve (into the knowledge base) or reject pending entries; exit 1 when an id was not pending."""
    import asyncio

    from bot.container import Container
    from bot.dialog.escalation import decide_many

    with Container(settings) as container:
        decisions = asyncio.run(decide_many(container.engine, container.ingest, ids, add=add))
    verb = "approved" if add else "rejected"
    for decision in decisions:
        if decision.entry is not None:
            print(f"{verb} {decision.entry_id}: {decision.entry.title}")
        else:
            print(f"{decision.entry_id}: nothing waits for review under this id (see dialog-keeper tickets review)")
    return EXIT_OK if all(d.done for d in decisions) else EXIT_FAILED


def cmd_list(settings: Settings, *, every: bool = False) -> int:
    """Open escalations (queued or with an open ticket) and their ticket ids."""
    from bot.store import escalation_repo
    from bot.store.db import make_engine, migrate, session_scope
    from bot.store.models import EscalationStatus

    engine = make_engine(settings.db_url)  # first: it creates a SQLite file's directory
    migrate(settings.db_url)
    open_ = (EscalationStatus.requested, EscalationStatus.queued, EscalationStatus.created)
    with session_scope(engine) as session:
        rows = escalation_repo.escalations(session, statuses=None if every else open_)
    engine.dispose()
    if not rows:
        print("no open escalations")
        return EXIT_OK
    print(f"{'id':>5}  {'status':9} {'tracker':7} {'ticket':>8}  {'created':16}  chat — question")
    for e, chat in rows:
        print(f"{e.id:>5}  {e.status:9} {e.tracker or '-':7} {e.ticket_id or '-':>8}  {e.created_at:%Y-%m-%d %H:%M}  "
              f"{chat.title or chat.telegram_id} — {' '.join(e.question.split())[:60]}")
    print(f"{len(rows)} escalation(s)")
    return EXIT_OK

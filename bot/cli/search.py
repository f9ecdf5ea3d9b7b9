"""`search`: the ranked fragments of a query with their scores — why the bot answered (or did not)."""

from __future__ import annotations

import argparse
import json

from bot.cli.console import EXIT_OK, EXIT_USAGE, Command, fail
from bot.settings import Settings


def register(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]  # argparse's private generic
    """The ``search`` sub-command."""
    search = sub.add_parser("search", help="show the fragments a question retrieves, with dense, lexical and "
                                           "fused scores and the relevance floor verdict")
    search.add_argument("query", nargs="+")
    search.add_argument("--space", action="append", default=None,
                        help="only this knowledge space (repeatable; default: every space)")
    search.add_argument("--top", type=int, default=10, help="how many fragments to show (default 10)")
    search.add_argument("--json", action="store_true", help="print the report as JSON")
    return {"search": cmd_search}


def cmd_search(settings: Settings, args: argparse.Namespace) -> int:
    """Print the retrieval of one query as the answer path sees it."""
    from bot.container import Container
    from bot.knowledge.search import explain, format_report
    from bot.knowledge.spaces import validate_space

    query = " ".join(args.query).strip()
    if not query:
        return fail("empty query", EXIT_USAGE)
    spaces = [validate_space(s) for s in args.space] if args.space else None
    with Container(settings) as container:
        report = explain(container.index, query, min_score=container.min_score, top_k=args.top,
                         answer_top_k=settings.retrieval.top_k, spaces=spaces)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(format_report(report)))
    return EXIT_OK

"""Ticket-sync throughput: N resolved cards on the Kaiten stand-in, read under Kaiten's 5 requests/s limit.

The stand-in enforces the limit (429 + X-RateLimit-Reset beyond 5 requests in a second); the client paces
itself to stay under it. Reports seconds, requests, cards per minute, the busiest second and 429s seen.
By default entries stop at the review step (``DK_KAITEN__SYNC_REVIEW=true``: no embedding) so the figure
is the tracker side; ``--ingest`` also embeds every entry into a scratch knowledge base.

    python benchmarks/ticket_sync.py --cards 1000 --out benchmarks/results/ticket_sync.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.container import Container  # noqa: E402  # after the path set-up above
from bot.integrations.kaiten import KaitenTracker  # noqa: E402
from bot.knowledge.ticket_sync import TicketSync  # noqa: E402
from bot.settings import Settings  # noqa: E402
from tests.support.kaiten_standin import AGENT, BOARD_ID, DONE_COLUMN, KaitenStandIn  # noqa: E402


async def run(cards: int, rate: float, ingest: bool, data_dir: Path) -> dict[str, object]:
    """Seed the stand-in, sync once, measure."""
    standin = KaitenStandIn().start()
    for n in range(cards):
        card = standin.add_card(title=f"Question {n}: how do I reset the VPN token on laptop {n}?",
                                column_id=DONE_COLUMN, archived=n % 5 == 0)
        standin.comment(card["id"], f"Open the VPN client, Settings → Token → Reset; device {n}.", author=AGENT)
    standin.faults.rate_per_s = int(rate)
    settings = Settings(_env_file=None, data_dir=data_dir,  # type: ignore[call-arg]  # pydantic-settings init kwarg
                        tracker={"kind": "kaiten"}, kaiten={"url": standin.url, "token": standin.token,
                                                          "board_id": BOARD_ID, "sync_review": not ingest,
                                                          "rate_per_s": rate})
    container = Container(settings)
    tracker = KaitenTracker(settings.kaiten)
    try:
        sync = TicketSync(tracker=tracker, engine=container.engine, ingest=container.ingest, settings=settings)
        started = time.perf_counter()
        report = await sync.run()
        seconds = time.perf_counter() - started
        requests = tracker.client().requests
        await tracker.aclose()
    finally:
        container.close_sync()
        standin.stop()
    limited = sum(1 for *_, status in standin.requests if status == 429)
    return {
        "benchmark": "ticket_sync", "cards": cards, "rate_limit_per_s": rate, "ingest": ingest,
        "found": report.found, "added": report.added, "for_review": report.for_review, "skipped": report.skipped,
        "seconds": round(seconds, 1), "requests": requests, "requests_per_s": round(requests / seconds, 2),
        "cards_per_minute": round(report.found / seconds * 60, 1), "max_requests_in_one_second":
        standin.max_per_second(), "responses_429": limited, "python": platform.python_version(),
        "machine": platform.machine(), "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=5.0, help="Kaiten's limit (requests per second)")
    parser.add_argument("--ingest", action="store_true", help="also embed every entry (default: review mode)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/ticket_sync.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = asyncio.run(run(args.cards, args.rate, args.ingest, Path(tmp)))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""An RQ worker on a thread of the bot, for queues whose jobs need the bot's own local Qdrant store."""

from __future__ import annotations

import logging
import threading

from rq import Queue, SimpleWorker
from rq.timeouts import TimerDeathPenalty

from bot.jobs.queues import redis_connection
from bot.settings import Settings

log = logging.getLogger(__name__)


class ThreadWorker(SimpleWorker):
    """SimpleWorker without signal handlers (only the main thread may install them) and with
    thread-timer job timeouts instead of SIGALRM."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        """The bot's main thread owns SIGINT/SIGTERM."""

    def stop_after_current_job(self) -> None:
        """Ask the loop to end once the running job (if any) is done."""
        self._stop_requested = True  # the flag RQ's own warm shutdown sets


def start_thread_worker(settings: Settings, queue_name: str) -> ThreadWorker:
    """Work ``queue_name`` on a daemon thread of this process until stopped."""
    connection = redis_connection(settings)
    # a short TTL keeps the blocking dequeue short, so a stop request is seen within seconds
    worker = ThreadWorker([Queue(queue_name, connection=connection)], connection=connection, worker_ttl=30)
    # RQ sets its logger to the level given here (INFO unless told): the bot's DK_LOG_LEVEL rules it too
    thread = threading.Thread(target=worker.work, kwargs={"with_scheduler": False,
                                                          "logging_level": settings.log_level.upper()},
                              name=f"rq-{queue_name}", daemon=True)
    thread.start()
    log.info("working queue %s in this process (%s)", queue_name, worker.name)
    return worker

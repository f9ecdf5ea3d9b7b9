"""RQ workers that hand jobs their container: on a thread of the bot, or as the `worker` process.

A job function takes the container first (``transcribe_message(container, message_id)``): the worker that runs
it passes its own, so no job looks a container up in a process global.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from rq import Queue, SimpleWorker
from rq.job import Job
from rq.job_lifecycle import call_exception_handlers
from rq.timeouts import TimerDeathPenalty

from bot.jobs.queues import RetryLater, redis_connection

if TYPE_CHECKING:
    from bot.jobs.services import WorkerServices

log = logging.getLogger(__name__)


class ContainerJob(Job):
    """A job whose function receives the running worker's container as its first argument."""

    container: WorkerServices | None = None

    def _execute(self) -> Any:
        if self.container is None:
            raise RuntimeError(f"job {self.id} ran outside a dialog-keeper worker: it has no container")
        return self.func(self.container, *self.args, **self.kwargs)


class ContainerWorker(SimpleWorker):
    """A SimpleWorker (jobs run in this process: models load once, no fork after torch/CTranslate2 threads)
    that gives every job its container."""

    job_class = ContainerJob

    def __init__(self, queues: list[Queue], *, container: WorkerServices, **kwargs: Any) -> None:
        super().__init__(queues, job_class=ContainerJob, **kwargs)
        self.container = container

    def perform_job(self, job: Job, *args: Any, **kwargs: Any) -> bool:
        """Run a job with this worker's container."""
        if isinstance(job, ContainerJob):
            job.container = self.container
        return bool(super().perform_job(job, *args, **kwargs))

    def handle_exception(self, job: Job, *exc_info: Any) -> None:
        """An expected, retried failure (:class:`RetryLater`) is the job's own one log line; anything else gets
        RQ's full traceback."""
        if isinstance(exc_info[1], RetryLater):
            self.log.debug("job %s failed, RQ retries it: %s", job.id, exc_info[1])
            call_exception_handlers(self._exc_handlers, job, *exc_info)
            return
        super().handle_exception(job, *exc_info)


class ThreadWorker(ContainerWorker):
    """A ContainerWorker without signal handlers (only the main thread may install them) and with
    thread-timer job timeouts instead of SIGALRM."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self) -> None:
        """The bot's main thread owns SIGINT/SIGTERM."""

    def stop_after_current_job(self) -> None:
        """Ask the loop to end once the running job (if any) is done."""
        self._stop_requested = True  # the flag RQ's own warm shutdown sets


def start_thread_worker(container: WorkerServices, queue_name: str) -> ThreadWorker:
    """Work ``queue_name`` on a daemon thread of this process, with this process's container, until stopped."""
    connection = redis_connection(container.settings)
    # a short TTL keeps the blocking dequeue short, so a stop request is seen within seconds
    worker = ThreadWorker([Queue(queue_name, connection=connection)], container=container, connection=connection,
                          worker_ttl=30)
    # RQ sets its logger to the level given here (INFO unless told): the bot's DK_LOG_LEVEL rules it too
    thread = threading.Thread(target=worker.work, kwargs={"with_scheduler": False,
                                                          "logging_level": container.settings.log_level.upper()},
                              name=f"rq-{queue_name}", daemon=True)
    thread.start()
    log.info("working queue %s in this process (%s)", queue_name, worker.name)
    return worker

"""Every Prometheus counter and gauge of the dialog, jobs and health (``dk_*``, labels with bounded values).

A leaf on the ground floor: any layer may count here without importing ops. GPU figures live in
``bot/ops/metrics.py`` (read from NVML at scrape time).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Dialog figures. Labels take only enum values (message kinds, outcomes, statuses), never user ids.
MESSAGES = Counter("dk_messages_total", "Telegram updates stored, by message kind", ["kind"])
ANSWERS = Counter("dk_answers_total", "Questions answered, by outcome (answered, not_found, error)", ["outcome"])
_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 1.5, 2.5, 5, 10, 20, 40, 80)
ANSWER_SECONDS = Histogram("dk_answer_seconds", "Question → complete answer", buckets=_LATENCY_BUCKETS)
TTFT_SECONDS = Histogram("dk_answer_ttft_seconds", "LLM request → first token", buckets=_LATENCY_BUCKETS)
OVERHEAD_SECONDS = Histogram("dk_answer_overhead_seconds", "Answer time spent outside the LLM",
                             buckets=(0.005, 0.01, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1))
TRANSCRIPTIONS = Counter("dk_transcriptions_total", "Voice transcriptions, by result (ok, no_speech, corrupt)",
                         ["status"])
INTENTS = Counter("dk_intents_total", "Messages classified, by intent and by the path that decided (rule, llm, "
                  "default)", ["intent", "path"])
AUDIO_SECONDS = Counter("dk_transcribed_audio_seconds_total", "Seconds of audio transcribed")

# Set by the bot's health round (bot/ops/health.py); labels are check and queue names from settings.
HEALTH_UP = Gauge("dk_health_check_up", "Last health round: 1 when the check passed, 0 when it failed", ["check"])
HEALTH_ROUND_SECONDS = Gauge("dk_health_round_seconds", "Wall time of the last health round")
QUEUE_JOBS = Gauge("dk_queue_jobs", "Jobs waiting in an RQ queue (last health round)", ["queue"])
QUEUE_OLDEST_SECONDS = Gauge("dk_queue_oldest_job_age_seconds",
                             "Age of the oldest waiting job in an RQ queue, 0 when empty", ["queue"])
QUEUE_WORKERS = Gauge("dk_queue_workers", "Live RQ workers serving a queue (fresh heartbeat)", ["queue"])

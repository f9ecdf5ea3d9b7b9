"""One day of the bot in figures: the data of the nightly report and its summary text (no I/O)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from bot.i18n import Lang, t

OUTCOME_ORDER = ("answered", "not_found", "error", "pending")  # others (added later) follow, then plain messages
CAPTION_LIMIT = 1024  # Telegram's photo caption


@dataclass
class DayReport:
    """Everything the nightly report says about one local day."""

    day: date
    timezone: str
    messages_by_kind: dict[str, int]
    answers_by_outcome: dict[str, int]
    escalations: int
    meetings: int
    voice_minutes: float
    latency_ms: dict[str, float] | None  # p50 / p95 of question → complete answer
    ttft_ms: dict[str, float] | None  # p50 / p95 of time to first token
    thumbs_up: int
    thumbs_down: int
    top_unanswered: list[tuple[str, int]]
    gpus: list[dict[str, Any]]
    # 24 local hours: counts by outcome ("message" = no answer was made) and the p95 answer latency (ms)
    hourly: list[dict[str, int]] = field(default_factory=lambda: [{} for _ in range(24)])
    hourly_p95_ms: list[float | None] = field(default_factory=lambda: [None] * 24)
    # of thumbs_up / thumbs_down, how many were message reactions (the rest: the buttons)
    reactions_up: int = 0
    reactions_down: int = 0

    @property
    def messages(self) -> int:
        """Messages stored that day."""
        return sum(self.messages_by_kind.values())

    @property
    def questions(self) -> int:
        """Questions the bot took on (one answer record each)."""
        return sum(self.answers_by_outcome.values())

    def summary(self, lang: Lang) -> str:
        """The caption: the day's figures, one fact a line."""
        kinds = ", ".join(f"{t('report_kind_' + k, lang) if k in _KINDS else k} {n}"
                          for k, n in sorted(self.messages_by_kind.items(), key=lambda kv: -kv[1]))
        outcomes = ", ".join(f"{_outcome_label(o, lang)} {n}" for o, n in _ordered(self.answers_by_outcome))
        lines = [t("report_title", lang, day=self.day.isoformat(), tz=self.timezone),
                 t("report_messages", lang, count=self.messages) + (f" ({kinds})" if kinds else ""),
                 t("report_questions", lang, count=self.questions) + (f": {outcomes}" if outcomes else ""),
                 t("report_escalations", lang, escalations=self.escalations, meetings=self.meetings),
                 t("report_voice", lang, minutes=f"{self.voice_minutes:.1f}"),
                 t("report_latency", lang, latency=_pair(self.latency_ms), ttft=_pair(self.ttft_ms)),
                 t("report_feedback", lang, up=self.thumbs_up, down=self.thumbs_down)
                 + (t("report_feedback_split", lang, up=self.reactions_up, down=self.reactions_down)
                    if self.reactions_up or self.reactions_down else "")]
        for gpu in self.gpus:
            lines.append(t("report_gpu", lang, gpu=gpu["gpu"], name=gpu["name"], memory=_gib_pair(gpu),
                           peak=_pct(gpu["peak_utilization"]), mean=_pct(gpu["mean_utilization"])))
        if self.top_unanswered:
            lines.append(t("report_unanswered", lang))
            lines += [f"{i}. «{_short(q)}» ×{n}" for i, (q, n) in enumerate(self.top_unanswered, 1)]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """JSON-safe figures (stored with the sent report, written by ``dialog-keeper report``)."""
        data = asdict(self)
        data["day"] = self.day.isoformat()
        data["messages"], data["questions"] = self.messages, self.questions
        return data


_KINDS = ("text", "voice", "document", "other")


def _outcome_label(outcome: str, lang: Lang) -> str:
    return t("report_outcome_" + outcome, lang) if outcome in OUTCOME_ORDER or outcome == "message" else outcome


def _ordered(counts: dict[str, int]) -> list[tuple[str, int]]:
    known = [(o, counts[o]) for o in OUTCOME_ORDER if counts.get(o)]
    return known + sorted((o, n) for o, n in counts.items() if o not in OUTCOME_ORDER and n)


def _pair(p: dict[str, float] | None) -> str:
    return "—" if not p else f"{p['p50'] / 1000:.2f}/{p['p95'] / 1000:.2f} s"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}%"


def _gib_pair(gpu: dict[str, Any]) -> str:
    used, total = gpu.get("peak_memory_bytes"), gpu.get("memory_total_bytes")
    if used is None:
        return "—"
    return f"{used / 2**30:.1f}" + (f"/{total / 2**30:.1f} GiB" if total else " GiB")


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def percentiles(values: list[float]) -> dict[str, float] | None:
    """p50 and p95 (linear interpolation, as numpy computes them); None without values."""
    if not values:
        return None
    import numpy as np

    p50, p95 = np.percentile(np.asarray(values, dtype=float), [50, 95])
    return {"p50": round(float(p50), 1), "p95": round(float(p95), 1)}

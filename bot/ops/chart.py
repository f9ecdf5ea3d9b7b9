"""The nightly report's chart: the day by hour, messages stacked by outcome, the p95 answer latency line.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display, no global state), so it is
headless and safe in a worker thread.
"""

from __future__ import annotations

import io

from bot.i18n import Lang, t
from bot.ops.report_day import OUTCOME_ORDER, DayReport

WIDTH_IN, HEIGHT_IN, DPI = 12.0, 6.0, 100  # 1200 × 600 pixels
COLOURS = {"answered": "#2e7d32", "not_found": "#f9a825", "error": "#c62828", "pending": "#9e9e9e",
           "message": "#90caf9"}
OTHER_COLOURS = ("#6a1b9a", "#00838f", "#ef6c00", "#5d4037")


def render_day_chart(report: DayReport, lang: Lang) -> bytes:
    """The chart as PNG bytes (1200 × 600)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    hours = list(range(24))
    seen = {o for counts in report.hourly for o in counts}
    order = [o for o in OUTCOME_ORDER if o in seen] + sorted(seen - {*OUTCOME_ORDER, "message"})
    order += ["message"] if "message" in seen else []
    bottom = [0] * 24
    for i, outcome in enumerate(order):
        heights = [counts.get(outcome, 0) for counts in report.hourly]
        label = t("report_outcome_" + outcome, lang) if outcome in COLOURS else outcome
        axes.bar(hours, heights, bottom=bottom, width=0.8, label=label,
                 color=COLOURS.get(outcome, OTHER_COLOURS[i % len(OTHER_COLOURS)]))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_xlim(-0.6, 23.6)
    axes.set_xticks(hours)
    axes.set_xlabel(t("report_chart_hour", lang, tz=report.timezone))
    axes.set_ylabel(t("report_chart_messages", lang))
    axes.set_ylim(0, max(max(bottom), 1) * 1.15)
    axes.grid(axis="y", alpha=0.3)
    latency = axes.twinx()
    points = [(h, v / 1000) for h, v in zip(hours, report.hourly_p95_ms, strict=True) if v is not None]
    if points:
        latency.plot([h for h, _ in points], [v for _, v in points], color="#263238", marker="o", linewidth=2,
                     label=t("report_chart_p95", lang))
        latency.set_ylim(0, max(v for _, v in points) * 1.25)
    latency.set_ylabel(t("report_chart_p95", lang))
    handles, labels = axes.get_legend_handles_labels()
    more_handles, more_labels = latency.get_legend_handles_labels()
    if handles or more_handles:
        axes.legend(handles + more_handles, labels + more_labels, loc="upper left", fontsize=9)
    axes.set_title(t("report_chart_title", lang, day=report.day.isoformat(), messages=report.messages,
                     questions=report.questions))
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()

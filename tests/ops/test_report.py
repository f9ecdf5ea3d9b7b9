"""The nightly report from a seeded database: the seeded numbers, a PNG that decodes, the due day."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from bot.ops.chart import render_day_chart
from bot.ops.report import build_report, day_bounds, due_day
from bot.store.db import make_engine, migrate, session_scope
from tests.ops.seed import DAY, TZ, seed_day


@pytest.fixture(params=["sqlite", "postgresql"])
def seeded(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A migrated database of each kind with one seeded day."""
    url = f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    migrate(url)
    engine = make_engine(url)
    yield engine, seed_day(engine)
    engine.dispose()


def test_report_has_the_seeded_numbers(seeded) -> None:  # type: ignore[no-untyped-def]
    engine, s = seeded
    with session_scope(engine) as session:
        report = build_report(session, day=DAY, tz=TZ)
    assert report.messages_by_kind == s.kinds
    assert report.answers_by_outcome == s.outcomes
    assert report.questions == sum(s.outcomes.values())
    assert report.escalations == s.escalations
    assert report.meetings == s.meetings == 2, "booked meetings of the day, not drafts or cancelled ones"
    assert report.voice_minutes == pytest.approx(s.voice_seconds / 60)
    assert (report.thumbs_up, report.thumbs_down) == (s.up, s.down)
    p50, p95 = np.percentile(s.latencies_ms, [50, 95])
    assert report.latency_ms == {"p50": pytest.approx(p50, abs=0.1), "p95": pytest.approx(p95, abs=0.1)}
    t50, t95 = np.percentile(s.ttft_ms, [50, 95])
    assert report.ttft_ms == {"p50": pytest.approx(t50, abs=0.1), "p95": pytest.approx(t95, abs=0.1)}
    assert report.top_unanswered == s.unanswered
    for hour in range(24):
        assert report.hourly[hour] == s.hourly.get(hour, {}), hour
    assert report.hourly_p95_ms[9] == pytest.approx(float(np.percentile([1000, 2000, 3000], 95)), abs=0.1)
    assert report.hourly_p95_ms[3] is None
    [gpu] = report.gpus
    assert gpu["peak_memory_bytes"] == 60 * 2**30 and gpu["peak_utilization"] == 95.0
    assert gpu["mean_utilization"] == pytest.approx((20 + 95 + 50) / 3, abs=0.1)


def test_summary_names_the_figures(seeded) -> None:  # type: ignore[no-untyped-def]
    engine, s = seeded
    with session_scope(engine) as session:
        report = build_report(session, day=DAY, tz=TZ)
    ru, en = report.summary("ru"), report.summary("en")
    assert f"Сообщений: {sum(s.kinds.values())}" in ru and f"Questions: {sum(s.outcomes.values())}" in en
    assert f"Escalations: {s.escalations} · meetings: {s.meetings}" in en and f"👎 {s.down}" in en
    assert "«Как оформить визу?» ×2" in ru
    assert "60.0/80.0 GiB" in en and "95%" in en
    assert len(ru) <= 1024, "fits a photo caption"


def test_chart_decodes_has_the_size_and_is_not_blank(seeded) -> None:  # type: ignore[no-untyped-def]
    import matplotlib.image

    engine, _ = seeded
    with session_scope(engine) as session:
        report = build_report(session, day=DAY, tz=TZ)
    png = render_day_chart(report, "ru")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = matplotlib.image.imread(io.BytesIO(png), format="png")
    assert image.shape[:2] == (600, 1200)
    colours = {tuple(px) for px in image.reshape(-1, image.shape[2])[::97]}
    assert len(colours) > 10, "bars, line, text: not a blank canvas"
    answered_green = np.array([0x2E, 0x7D, 0x32]) / 255  # the "answered" bars are drawn
    assert (np.abs(image[..., :3] - answered_green).sum(axis=2) < 0.02).sum() > 500


def test_empty_day_renders_too(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:
        report = build_report(session, day=DAY, tz="UTC")
    assert report.messages == 0 and report.latency_ms is None and report.gpus == []
    assert render_day_chart(report, "en").startswith(b"\x89PNG")
    engine.dispose()


def test_due_day_and_local_bounds() -> None:
    moscow_22 = datetime(2026, 11, 25, 19, 0, tzinfo=UTC)  # 22:00 in Moscow
    assert due_day(moscow_22, "23:00", TZ).isoformat() == "2026-11-24"
    assert due_day(moscow_22.replace(hour=20), "23:00", TZ).isoformat() == "2026-11-25"
    start, end = day_bounds(DAY, TZ)
    assert start == datetime(2026, 11, 24, 21, 0, tzinfo=UTC) and end == datetime(2026, 11, 25, 21, 0, tzinfo=UTC)

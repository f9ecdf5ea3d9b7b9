"""Regression slice of the frozen meeting phrases (written before tuning) and the tuning set, per kind.

Thresholds sit a little under the figures the benchmark reports (`python benchmarks/meeting_parse.py`:
frozen 97/97 exact, 0 silently wrong days; tuning 77/77), so a change that costs a few phrases fails here.
"""

from __future__ import annotations

from benchmarks.meeting_parse import measure


def test_frozen_and_tuning_meeting_phrases() -> None:
    result = measure()
    frozen, tuning = result["frozen"], result["tuning"]
    assert frozen["phrases"] >= 80 and frozen["by_language"]["ru"]["phrases"] >= 55
    assert frozen["by_language"]["en"]["phrases"] >= 25
    assert frozen["silently_wrong_days"] == 0, [m for m in frozen["misses"] if m["silently_wrong_day"]]
    assert tuning["silently_wrong_days"] == 0, [m for m in tuning["misses"] if m["silently_wrong_day"]]
    assert frozen["exact_match"] >= 0.97, frozen["misses"]
    assert tuning["exact_match"] >= 0.97, tuning["misses"]
    for kind, figures in frozen["by_kind"].items():
        assert figures["exact_match"] >= 0.85, (kind, frozen["misses"])
